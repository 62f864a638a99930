// Safe Exam Browser's proof for the candidate's login (docs/protocol.md §3, `seb`): the keys of
// SEB's JavaScript API for this page, sent with `login`/`resume`.

/** How long SEB's `updateKeys` may take before the login goes without its keys. */
const SEB_KEYS_WAIT_MS = 2000;

/**
 * Safe Exam Browser's keys for this page (its JavaScript API, SEB 3.x): the Config Key and the
 * Browser Exam Key, each hashed by SEB with this page's URL. `null` outside SEB. The server checks
 * them when the event requires SEB (docs/operations.md "Safe Exam Browser").
 */
export async function sebProof() {
  const api = globalThis.SafeExamBrowser?.security;
  if (!api) return null;
  if (typeof api.updateKeys === 'function' && !api.configKey) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, SEB_KEYS_WAIT_MS);
      try {
        api.updateKeys(() => { clearTimeout(timer); resolve(); });
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }
  const proof = { url: location.href.split('#')[0] };
  if (api.configKey) proof.config_key_hash = String(api.configKey);
  if (api.browserExamKey) proof.browser_exam_key_hash = String(api.browserExamKey);
  return proof;
}

// The API client every page uses. Calls carry the access token as a bearer header (so a forged
// cross-site request has nothing to send: CSRF is impossible by construction); a 401 triggers
// one silent refresh and a retry. Every failure becomes an `ApiError` whose `.text` is a sentence
// for people: ours (in the page's language) for the codes we know, the server's message otherwise.

import { t, has } from './i18n.js';
import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }

  /** The message to show: our sentence for `code` when there is one, else the server's words. */
  get text() {
    const key = `err.${this.code}`;
    return has(key) ? t(key, { message: this.message, status: this.status }) : this.message;
  }
}

/** `ApiError` for a failed fetch (no answer at all). */
function networkError(cause) {
  const e = new ApiError(0, 'network', t('err.network'), null);
  e.cause = cause;
  return e;
}

async function readError(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON: a proxy's page or an empty body */
  }
  if (body && typeof body.error === 'string') {
    return new ApiError(res.status, body.error, String(body.message ?? body.error), body);
  }
  return new ApiError(res.status, 'bad_response', t('err.bad_response', { status: res.status }), body);
}

function url(path, query) {
  const base = path.startsWith('/') ? path : `/api/v1/${path}`;
  if (!query) return base;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${base}?${qs}` : base;
}

/**
 * `api(path, {method, query, json, body, headers, as})`: `path` is relative to /api/v1 unless it
 * starts with '/'; `json` is sent as JSON, `body` as is (a File, a string); `as` is 'json'
 * (default), 'text', 'blob' or 'response'. Resolves with the answer; rejects with `ApiError`.
 */
export async function api(path, opts = {}) {
  const { method = 'GET', query, json, body, headers = {}, as = 'json' } = opts;
  const send = async () => {
    const h = { ...headers };
    const token = session.accessToken();
    if (token) h.authorization = `Bearer ${token}`;
    let payload = body;
    if (json !== undefined) {
      h['content-type'] = 'application/json';
      payload = JSON.stringify(json);
    }
    try {
      return await fetch(url(path, query), { method, headers: h, body: payload, credentials: 'same-origin' });
    } catch (e) {
      throw networkError(e);
    }
  };
  let res = await send();
  if (res.status === 401 && session.accessToken()) {
    if (await session.refresh()) res = await send();
    else session.expire();
  }
  if (!res.ok) throw await readError(res);
  if (as === 'response') return res;
  if (as === 'text') return res.text();
  if (as === 'blob') return res.blob();
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** The message for any error a page meets (ApiError or a bug's Error). */
export function errorText(err) {
  if (err instanceof ApiError) return err.text;
  return t('page.failed', { message: err?.message || String(err) });
}

// The release code's form, checked in the page before it is sent (crates/package/src/code.rs):
// 52 Crockford base32 characters of the 32-byte key and two check characters, typed in eleven
// groups of five (the last of four); `O` reads as 0, `I`/`L` as 1; 64 hex digits are also
// accepted. The first check character is Σ(2i+1)·vᵢ mod 32, so one mistyped character always
// shows; the second is 5 bits of SHA-256 of the key. When the page may use SHA-256 (a secure
// context: localhost or https), a single typo is also located: for each position exactly one value
// satisfies the first check, and the second tells which of those is the key.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 11;
const LENGTH = 54;

function valueOf(ch) {
  const c = ch.toUpperCase();
  return ALPHABET.indexOf(c === 'O' ? '0' : c === 'I' || c === 'L' ? '1' : c);
}

function weighted(values) {
  return values.reduce((sum, v, i) => sum + (2 * i + 1) * v, 0) % 32;
}

function keyBytes(values) {
  const out = [];
  let acc = 0;
  let bits = 0;
  for (const v of values) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 255);
    }
    acc &= (1 << bits) - 1;
  }
  return new Uint8Array(out.slice(0, 32));
}

/** The 1-based group of a 0-based character position. */
export function groupOf(position) {
  return Math.floor(position / 5) + 1;
}

/**
 * The form of `text`: `{ok: true, kind: 'hex'|'code'}` or `{ok: false, problems: [...]}` where a
 * problem is `{kind: 'empty'}`, `{kind: 'char', group, char}`, `{kind: 'group_length', group,
 * length, want}`, `{kind: 'groups', count}`, `{kind: 'length', length}` or `{kind: 'check',
 * values}` (every character valid, the first check character wrong; see `locateTypo`).
 */
export function checkForm(text) {
  const trimmed = String(text || '').trim();
  if (!trimmed) return { ok: false, problems: [{ kind: 'empty' }] };
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return { ok: true, kind: 'hex' };
  const groups = trimmed.split(/[\s-]+/).filter(Boolean);
  const problems = [];
  const values = [];
  groups.forEach((g, i) => {
    for (const ch of g) {
      const v = valueOf(ch);
      if (v < 0) problems.push({ kind: 'char', group: i + 1, char: ch });
      else values.push(v);
    }
  });
  if (groups.length > 1) {
    groups.forEach((g, i) => {
      const want = i === GROUPS - 1 ? 4 : 5;
      if (i < GROUPS && g.length !== want && !problems.some((p) => p.group === i + 1)) {
        problems.push({ kind: 'group_length', group: i + 1, length: g.length, want });
      }
    });
    if (groups.length !== GROUPS) problems.push({ kind: 'groups', count: groups.length });
  }
  const length = groups.join('').length;
  if (length !== LENGTH && !problems.some((p) => p.kind === 'groups' || p.kind === 'group_length')) {
    problems.push({ kind: 'length', length });
  }
  if (problems.length) return { ok: false, problems };
  if (weighted(values.slice(0, 52)) !== values[52]) return { ok: false, problems: [{ kind: 'check', values }] };
  return { ok: true, kind: 'code', values };
}

async function shaCheck(values) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', keyBytes(values.slice(0, 52))));
  return (digest[0] & 31) === values[53];
}

/**
 * For a code whose check failed: the groups where a single mistyped character would explain both
 * check characters (empty when SHA-256 is not available to the page, or no single typo explains
 * it). Also used on a code whose first check passed, to confirm the second (`[]` = consistent).
 */
export async function locateTypo(values) {
  if (!globalThis.crypto?.subtle) return null;
  const groups = new Set();
  const target = values[52];
  for (let p = 0; p < 54; p++) {
    const tries = [];
    if (p < 52) {
      const rest = (weighted(values.slice(0, 52)) - (2 * p + 1) * values[p]) % 32;
      for (let v = 0; v < 32; v++) if ((rest + (2 * p + 1) * v + 320) % 32 === target) tries.push(v);
    } else {
      for (let v = 0; v < 32; v++) tries.push(v);
    }
    for (const v of tries) {
      if (v === values[p]) continue;
      const fixed = values.slice();
      fixed[p] = v;
      if (weighted(fixed.slice(0, 52)) === fixed[52] && (await shaCheck(fixed))) groups.add(groupOf(p));
    }
  }
  return [...groups].sort((a, b) => a - b);
}

/** Whether the second check character (SHA-256) agrees; null when the page cannot tell. */
export async function secondCheck(values) {
  if (!globalThis.crypto?.subtle) return null;
  return shaCheck(values);
}

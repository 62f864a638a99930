// Who is signed in. The access token lives in this module's memory only; the refresh token is the
// HttpOnly `khaothi_refresh` cookie the server sets at sign-in (scripts cannot read it, and this
// module ignores the copy in the login answer). Nothing of the session is written to localStorage
// or sessionStorage: staff-room computers are shared. The access token is renewed silently a
// minute before it expires, and a reload resumes the session from the cookie.

let state = null; // {access, username, role, org}
let timer = null;
const listeners = [];

export function accessToken() {
  return state?.access ?? null;
}

/** `{username, role, org}` of the signed-in user, or null. */
export function user() {
  return state ? { username: state.username, role: state.role, org: state.org } : null;
}

/** Calls `fn(user|null, reason)` whenever the session starts or ends. */
export function onChange(fn) {
  listeners.push(fn);
}

function emit(reason) {
  for (const fn of listeners) fn(user(), reason);
}

async function post(path, json) {
  const init = { method: 'POST', credentials: 'same-origin', headers: {} };
  if (json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  return fetch(`/api/v1/auth/${path}`, init);
}

async function adopt(tokens) {
  const me = await fetch('/api/v1/auth/me', { headers: { authorization: `Bearer ${tokens.access_token}` } });
  const info = me.ok ? await me.json() : { org: '' };
  state = {
    access: tokens.access_token,
    username: tokens.username,
    role: tokens.role,
    org: info.org ?? '',
  };
  clearTimeout(timer);
  const seconds = Math.max(15, Number(tokens.expires_in || 900) - 60);
  timer = setTimeout(() => refresh(), seconds * 1000);
}

/** Signs in; resolves to null on success or rejects with the server's answer (an ApiError-like). */
export async function login(username, password) {
  const res = await post('login', { username, password });
  if (!res.ok) return res;
  await adopt(await res.json());
  emit('login');
  return null;
}

let inFlight = null;

/** Renews the access token with the refresh cookie (one request at a time); true on success. */
export function refresh() {
  inFlight ??= (async () => {
    try {
      const res = await post('refresh');
      if (!res.ok) return false;
      const wasSignedIn = Boolean(state);
      await adopt(await res.json());
      if (!wasSignedIn) emit('resume');
      return true;
    } catch {
      return false;
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

/** Ends the session here and on the server (the refresh token family is revoked there). */
export async function logout() {
  const token = state?.access;
  clearTimeout(timer);
  state = null;
  try {
    await fetch('/api/v1/auth/logout', {
      method: 'POST',
      credentials: 'same-origin',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  } catch {
    /* offline: the memory is cleared anyway and the access token expires on its own */
  }
  emit('logout');
}

/** The server refused the token and a refresh failed: the user must sign in again. */
export function expire() {
  clearTimeout(timer);
  state = null;
  emit('expired');
}

// The proctor's page: staff sign-in (POST /api/v1/auth/login), choosing the event and room, and
// links to the room's printed sheets — login slips to cut, the proctor's table, the biên bản —
// which open in a new tab. A link cannot carry the bearer header (and a token never goes into a
// URL): those GETs are authenticated by the HttpOnly `khaothi_fetch` cookie the sign-in set.
// The live room itself is proctor-room.js.

import { apply, onLangChange, t, wireCommonButtons } from './i18n.js';
import './i18n-staff.js';
import { Room } from './proctor-room.js';

const $ = (id) => document.getElementById(id);
const VIEWS = ['view-login', 'view-pick', 'view-room'];
const STORE = 'khaothi:staff';

let staff = null;
let room = null;
let events = [];

function show(view) {
  for (const v of VIEWS) $(v).hidden = v !== view;
  $('btn-logout').hidden = view === 'view-login';
  $('btn-change-room').hidden = view !== 'view-room';
}

function readStaff() {
  try {
    const s = JSON.parse(sessionStorage.getItem(STORE) || 'null');
    return s && s.token && (!s.expires_at || s.expires_at * 1000 > Date.now()) ? s : null;
  } catch {
    return null;
  }
}

function saveStaff(s) {
  staff = s;
  try {
    if (s) sessionStorage.setItem(STORE, JSON.stringify(s));
    else sessionStorage.removeItem(STORE);
  } catch {
    /* kept in memory only */
  }
}

/** A staff API call with the bearer token; throws {status, code, message}. */
async function api(path, { method = 'GET', body, accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  if (staff?.token) headers.Authorization = `Bearer ${staff.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  if (res.status === 401) {
    signOut(t('p.login.expired'));
    throw { status: 401, code: 'unauthorized', message: t('p.login.expired') };
  }
  if (!res.ok) {
    let err = { status: res.status, code: 'http', message: res.statusText };
    try {
      const j = await res.json();
      err = { status: res.status, code: j.error || 'http', message: j.message || res.statusText };
    } catch {
      /* not JSON */
    }
    throw err;
  }
  return accept === 'application/json' ? res.json() : res.text();
}

function signOut(message) {
  room?.close();
  room = null;
  saveStaff(null);
  $('p-who').textContent = '';
  $('p-conn').hidden = true;
  $('room-title').textContent = '';
  $('adaptive-badge').hidden = true;
  show('view-login');
  $('p-login-error').textContent = message || '';
  $('p-username').focus();
}

async function signIn(e) {
  e.preventDefault();
  const username = $('p-username').value.trim();
  const password = $('p-password').value;
  if (!username || !password) {
    $('p-login-error').textContent = t('p.field.required', { field: t('p.login.username') });
    return;
  }
  $('p-login-submit').disabled = true;
  $('p-login-error').textContent = '';
  try {
    const res = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const j = await res.json().catch(() => ({}));
    if (!res.ok) {
      $('p-login-error').textContent = res.status === 429 ? t('p.login.limited') : t('p.login.failed');
      return;
    }
    saveStaff({ token: j.access_token, expires_at: j.expires_at, role: j.role, username });
    $('p-password').value = '';
    await pick();
  } catch (err) {
    $('p-login-error').textContent = t('p.err.http', { message: err.message || String(err) });
  } finally {
    $('p-login-submit').disabled = false;
  }
}

async function pick(prefill = {}) {
  $('p-who').textContent = staff.username;
  room?.close();
  room = null;
  $('p-conn').hidden = true;
  $('room-title').textContent = '';
  $('adaptive-badge').hidden = true;
  show('view-pick');
  $('p-pick-error').textContent = '';
  try {
    events = (await api('/api/v1/events')).events || [];
  } catch (err) {
    $('p-pick-error').textContent = t('p.err.http', { message: err.message });
    return;
  }
  const sel = $('p-event');
  sel.replaceChildren(...events.map((ev) => {
    const o = document.createElement('option');
    o.value = ev.id;
    o.textContent = `${ev.title || ev.id} (${ev.id})`;
    return o;
  }));
  if (!events.length) $('p-pick-error').textContent = t('p.pick.none');
  const params = new URLSearchParams(location.search);
  const ev = prefill.event || params.get('event');
  if (ev && events.some((x) => x.id === ev)) sel.value = ev;
  if (prefill.room || params.get('room')) $('p-room').value = prefill.room || params.get('room');
  await loadRooms();
  sel.focus();
}

async function loadRooms() {
  const list = $('p-rooms');
  list.replaceChildren();
  const ev = $('p-event').value;
  if (!ev) return;
  try {
    const rooms = (await api(`/api/v1/events/${encodeURIComponent(ev)}/rooms`)).rooms || [];
    list.replaceChildren(...rooms.map((r) => {
      const o = document.createElement('option');
      o.value = r.name;
      return o;
    }));
    if (!$('p-room').value && rooms.length === 1) $('p-room').value = rooms[0].name;
  } catch {
    /* a proctor may not list rooms: the name is typed */
  }
}

function openRoom(e) {
  e?.preventDefault();
  const event = $('p-event').value;
  const roomName = $('p-room').value.trim();
  if (!event || !roomName) {
    $('p-pick-error').textContent = t('p.field.required', { field: t('p.pick.room') });
    return;
  }
  show('view-room');
  $('p-conn').hidden = false;
  setSheetLinks(event, roomName);
  room = new Room({
    token: () => staff?.token,
    event,
    room: roomName,
    onFatal: (code, message) => {
      const key = `p.err.${code}`;
      if (code === 'login_failed') return signOut(t('p.login.expired'));
      pick({ event, room: roomName }).then(() => {
        $('p-pick-error').textContent = t(key) === key ? t('p.err.http', { message }) : t(key);
      });
      return undefined;
    },
  });
  history.replaceState(null, '', `/proctor?event=${encodeURIComponent(event)}&room=${encodeURIComponent(roomName)}`);
}

/** Points the printed sheets' links at the open room (`format=slips|table`, the record). */
function setSheetLinks(event, roomName) {
  const base = `/api/v1/events/${encodeURIComponent(event)}/rooms/${encodeURIComponent(roomName)}`;
  $('link-slips').href = `${base}/sheet?format=slips`;
  $('link-table').href = `${base}/sheet?format=table`;
  $('link-record').href = `${base}/record`;
}

function wire() {
  wireCommonButtons();
  $('p-login-form').addEventListener('submit', signIn);
  $('p-pick-form').addEventListener('submit', openRoom);
  $('p-event').addEventListener('change', () => { $('p-room').value = ''; loadRooms(); });
  $('btn-logout').addEventListener('click', () => signOut(''));
  $('btn-change-room').addEventListener('click', () => pick({ event: room?.event }));
  onLangChange(() => room?.redraw());
  apply(document);
  staff = readStaff();
  if (!staff) {
    show('view-login');
    $('p-username').focus();
    return;
  }
  const params = new URLSearchParams(location.search);
  pick().then(() => {
    if (params.get('event') && params.get('room') && events.some((x) => x.id === params.get('event'))) openRoom();
  });
}

wire();

// The application shell: the page registry, hash routing, the role-aware navigation bar and the
// message area. Page modules (files named `*.page.js`, see README.md) call `registerPage` when
// imported; the shell renders the page whose route matches `location.hash` into <main>.

import { api, errorText, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { t, getLang, addStrings, onLangChange } from './i18n.js';
import * as session from './session.js';

const pages = [];
let cleanup = null;
let current = null;

/**
 * Registers a page: `{route, roles, title: {vi, en}, nav?: {vi, en} | false, order?, render(el, ctx)}`.
 * `route` is a hash path with `:name` parameters ('items/:id/edit'); `roles` the roles that see
 * it (the server checks again); `nav` the label in the navigation bar (false: not listed);
 * `render` may be async and may return a function the shell calls when the page is left;
 * `keepOnLangChange: true` keeps the page (and its unsaved input) when the language changes.
 */
export function registerPage(page) {
  pages.push({ order: 100, nav: page.title, ...page, parts: page.route.split('/') });
  pages.sort((a, b) => a.order - b.order);
  renderNav();
}

export { addStrings };

function label(text) {
  return typeof text === 'string' ? text : text?.[getLang()] ?? text?.vi ?? '';
}

/** The current hash as `{path, query}` (`#/items/I1?tab=history` → 'items/I1', URLSearchParams). */
function location() {
  const raw = window.location.hash.startsWith('#/') ? window.location.hash.slice(2) : '';
  const [path, qs = ''] = raw.split('?');
  return { path: decodeURI(path), query: new URLSearchParams(qs) };
}

function match(page, path) {
  const parts = path.split('/');
  if (parts.length !== page.parts.length) return null;
  const params = {};
  for (let i = 0; i < parts.length; i++) {
    const want = page.parts[i];
    if (want.startsWith(':')) params[want.slice(1)] = decodeURIComponent(parts[i]);
    else if (want !== parts[i]) return null;
  }
  return params;
}

function allowed(page, user) {
  return Boolean(user) && (!page.roles || page.roles.includes(user.role));
}

/** Goes to `route` ('items/I1/edit'), optionally with a query object. */
export function navigate(route, query) {
  const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v != null)).toString() : '';
  const next = `#/${route}${qs ? `?${qs}` : ''}`;
  if (window.location.hash === next) show();
  else window.location.hash = next;
}

/** Shows a message: kind 'info' (disappears) or 'error' (stays until closed). */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const close = h('button', { class: 'link', type: 'button' }, t('close'));
  const note = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('span', {}, message), close);
  close.addEventListener('click', () => note.remove());
  box.append(note);
  if (kind !== 'error') setTimeout(() => note.remove(), 6000);
  return note;
}

function renderNav() {
  const nav = document.getElementById('nav');
  if (!nav) return;
  const user = session.user();
  const { path } = location();
  const links = pages
    .filter((p) => p.nav && allowed(p, user) && !p.route.includes(':'))
    .map((p) => {
      const current = path === p.route || path.startsWith(`${p.route}/`);
      return h('a', { href: `#/${p.route}`, 'aria-current': current ? 'page' : null }, label(p.nav));
    });
  replace(nav, links);
}

function home(user) {
  return pages.find((p) => p.nav && allowed(p, user) && !p.route.includes(':'));
}

/** Renders the page for the current hash (or the sign-in form when nobody is signed in). */
export async function show() {
  const user = session.user();
  document.getElementById('login').hidden = Boolean(user);
  document.getElementById('app').hidden = !user;
  document.body.classList.toggle('signed-in', Boolean(user));
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  renderNav();
  current = null;
  if (!user) return;
  const { path, query } = location();
  const view = document.getElementById('view');
  let page = null;
  let params = {};
  for (const p of pages) {
    const m = match(p, path);
    if (m) {
      page = p;
      params = m;
      break;
    }
  }
  if (!path || !page) {
    const first = home(user);
    if (!path && first) return navigate(first.route);
    return message(view, path ? t('route.unknown') : t('home.none'));
  }
  if (!allowed(page, user)) return message(view, t('route.forbidden'));
  const heading = h('h1', { id: 'page-title', tabindex: '-1' }, label(page.title));
  const body = h('div', { class: 'page-body' });
  replace(view, heading, body);
  current = page;
  document.title = `${label(page.title)} · ${t('brand')}`;
  const ctx = {
    api, t, user, navigate, toast, params, query, lang: getLang(), errorText,
    setTitle(text) {
      heading.textContent = text;
      document.title = `${text} · ${t('brand')}`;
    },
  };
  heading.focus({ preventScroll: true });
  try {
    cleanup = await page.render(body, ctx);
  } catch (err) {
    body.append(h('p', { class: 'error-box', role: 'alert' }, errorText(err)));
  }
}

function message(view, text) {
  replace(view, h('h1', { id: 'page-title', tabindex: '-1' }, text));
  view.querySelector('h1').focus();
}

/** Routes on hash changes; turns any API error nobody caught into a visible message. */
export function start() {
  window.addEventListener('hashchange', show);
  window.addEventListener('unhandledrejection', (e) => {
    e.preventDefault();
    toast(errorText(e.reason), 'error');
  });
  // A page holding unsaved work (the editor) says `keepOnLangChange: true` and relabels itself.
  onLangChange(() => (current?.keepOnLangChange ? renderNav() : show()));
  session.onChange((user, reason) => {
    if (reason === 'expired') toast(t('session.expired'), 'error');
    if (reason === 'logout') toast(t('logout.done'));
    show();
  });
}

export { ApiError };

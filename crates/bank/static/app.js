// The entry module of the bank's application: wires the sign-in form, the language switch and
// sign-out, imports every page module the server lists, then resumes a session from the refresh
// cookie when there is one and shows the page the address names.

import { errorText } from './api.js';
import { apply, getLang, setLang, t } from './i18n.js';
import * as session from './session.js';
import { show, start, toast } from './shell.js';

function wireLogin() {
  const form = document.getElementById('login-form');
  const error = document.getElementById('login-error');
  const button = form.querySelector('button[type=submit]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const username = form.username.value.trim();
    const password = form.password.value;
    if (!username || !password) {
      error.textContent = t('login.empty');
      return;
    }
    button.disabled = true;
    button.textContent = t('login.busy');
    try {
      const refused = await session.login(username, password);
      if (refused) {
        const { ApiError } = await import('./api.js');
        let body = null;
        try {
          body = await refused.json();
        } catch {
          /* not JSON */
        }
        const err = new ApiError(refused.status, body?.error ?? 'bad_response', body?.message ?? '', body);
        error.textContent = err.text;
        form.password.select();
      } else {
        form.password.value = '';
      }
    } catch (err) {
      error.textContent = errorText(err);
    } finally {
      button.disabled = false;
      button.textContent = t('login.submit');
    }
  });
}

function wireTopbar() {
  document.getElementById('btn-lang').addEventListener('click', () => setLang(getLang() === 'vi' ? 'en' : 'vi'));
  document.getElementById('btn-logout').addEventListener('click', () => session.logout());
  document.getElementById('skip').addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('view').focus();
  });
  const who = document.getElementById('who');
  const label = () => {
    const u = session.user();
    who.textContent = u ? t('who', { username: u.username, role: t(`role.${u.role}`) }) : '';
  };
  session.onChange(label);
  import('./i18n.js').then(({ onLangChange }) => onLangChange(label));
}

async function loadPages() {
  const res = await fetch('/static/page-modules.json');
  const names = res.ok ? await res.json() : [];
  await Promise.all(
    names.map((n) =>
      import(`/static/${n}`).catch((err) => {
        toast(t('page.failed', { message: `${n}: ${err.message}` }), 'error');
      }),
    ),
  );
}

async function main() {
  apply(document);
  wireLogin();
  wireTopbar();
  start();
  await loadPages();
  await session.refresh();
  document.body.classList.add('ready');
  await show();
  if (!session.user()) document.getElementById('username').focus();
}

main();

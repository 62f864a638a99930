// What the board's and administrator's pages share: their stylesheet (linked once, from the
// server: the CSP allows no inline style), the role lists, downloads through the API client (so a
// file is fetched with the bearer token, never a token in a URL) and small formatting helpers.

import { h } from '../dom.js';

export const BOARD = ['exam_board', 'admin'];
export const ADMIN = ['admin'];
export const LEVELS = ['biet', 'hieu', 'van_dung'];

let linked = false;
/** Links board.css into the document the first time a board page renders. */
export function useStyles() {
  if (linked) return;
  linked = true;
  document.head.append(h('link', { rel: 'stylesheet', href: '/static/board/board.css' }));
}

/** Saves a blob the API returned as a file named `name`. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, class: 'visually-hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Reads a File chosen in an <input type=file> as text. */
export function readText(file) {
  return file.text();
}

/** A number with at most `d` decimals, or "–". */
export function num(x, d = 2) {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : String(Number(Number(x).toFixed(d)));
}

/** A message box (role=status or alert) that a page fills and clears. */
export function messageBox() {
  return h('div', { class: 'board-message', role: 'status', 'aria-live': 'polite' });
}

/** Shows an error (ApiError.text or any error) in a message box, as an alert. */
export function showError(box, ctx, err) {
  box.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, ctx.errorText(err)));
}

/** Shows a success or information line in a message box. */
export function showOk(box, text) {
  box.replaceChildren(h('div', { class: 'ok-box' }, text));
}

/** Runs `fn` with `button` disabled, showing any error in `box`; resolves with fn's result or null. */
export async function busy(button, box, ctx, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } catch (err) {
    showError(box, ctx, err);
    return null;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** The words the charts need, in the page's language. */
export function chartText(t) {
  return { showTable: t('chart.table.show'), hideTable: t('chart.table.hide'), legend: t('chart.legend') };
}

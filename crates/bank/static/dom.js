// Small DOM helpers the pages share. Text always goes in through textContent (never innerHTML):
// item HTML is the only markup a page inserts, and only through sanitize.js (see `itemHtml`).

import { setSanitized } from './sanitize.js';

/**
 * `h('button', {class: 'primary', onclick: fn, 'aria-label': '…'}, 'text', child)`: an element.
 * `on…` keys become listeners, `dataset` an object of data-*, booleans set/omit the attribute,
 * null/undefined are skipped; children are strings (text nodes), nodes, arrays or null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = Boolean(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Removes every child of `el`, then appends `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A container holding item HTML cleaned by the candidate page's allow-list sanitiser. */
export function itemHtml(html, className = 'item-render') {
  const box = h('div', { class: className });
  setSanitized(box, html || '');
  return box;
}

let nextId = 0;
/** A fresh element id, for label/for and aria-describedby pairs. */
export function uid(prefix = 'f') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A labelled field: `{label, control, hint?}` → a wrapper with the label tied to the control. */
export function field(label, control, hint) {
  const id = control.id || uid();
  control.id = id;
  const parts = [h('label', { for: id }, label), control];
  if (hint) {
    const hid = uid('hint');
    control.setAttribute('aria-describedby', hid);
    parts.push(h('p', { class: 'hint', id: hid }, hint));
  }
  return h('div', { class: 'field' }, parts);
}

/** Formats an RFC 3339 time for people, in the page's language. */
export function when(iso, lang) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN');
}

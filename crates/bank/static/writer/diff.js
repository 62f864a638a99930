// The word-level diff between two versions of an item, as `GET items/{id}/diff` answers it
// ({from, to, fields: [{field, ops: [{op: equal|insert|delete, text}]}]}), drawn with <ins>/<del>
// and a text label for each change so colour is never the only cue.

import { h } from '../dom.js';
import { addStrings, t } from '../i18n.js';

addStrings({
  vi: {
    'diff.none': 'Hai phiên bản giống hệt nhau.',
    'diff.added': 'thêm',
    'diff.removed': 'bỏ',
    'diff.field': 'Trường',
    'diff.change': 'Thay đổi',
    'diff.caption': 'Khác biệt từ phiên bản {from} đến phiên bản {to}',
  },
  en: {
    'diff.none': 'The two versions are identical.',
    'diff.added': 'added',
    'diff.removed': 'removed',
    'diff.field': 'Field',
    'diff.change': 'Change',
    'diff.caption': 'Changes from version {from} to version {to}',
  },
});

function op(o) {
  if (o.op === 'insert') return h('ins', { title: t('diff.added') }, h('span', { class: 'visually-hidden' }, `[${t('diff.added')}: `), o.text, h('span', { class: 'visually-hidden' }, ']'));
  if (o.op === 'delete') return h('del', { title: t('diff.removed') }, h('span', { class: 'visually-hidden' }, `[${t('diff.removed')}: `), o.text, h('span', { class: 'visually-hidden' }, ']'));
  return h('span', {}, o.text);
}

/** The diff as a table of the fields that changed (all fields when `all`). */
export function diffTable(diff, all = false) {
  const fields = diff.fields.filter((f) => all || f.ops.some((o) => o.op !== 'equal'));
  if (!fields.length) return h('p', { class: 'ok-box diff-none' }, t('diff.none'));
  return h('table', { class: 'data diff' },
    h('caption', {}, t('diff.caption', { from: diff.from, to: diff.to })),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('diff.field')), h('th', { scope: 'col' }, t('diff.change')))),
    h('tbody', {}, fields.map((f) => h('tr', {}, h('th', { scope: 'row', class: 'mono' }, f.field), h('td', { class: 'diff-text' }, f.ops.map(op))))),
  );
}

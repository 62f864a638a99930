// Version history (#/items/<id>/history): every version with its status, author, time and review
// comment, and the word-level diff between any two versions chosen (by default the last two).

import { registerPage } from '../shell.js';
import { h, field, replace, when } from '../dom.js';
import { addStrings, t } from '../i18n.js';
import { diffTable } from './diff.js';

addStrings({
  vi: {
    'hist.title': 'Lịch sử câu hỏi {id}',
    'hist.from': 'Từ phiên bản',
    'hist.to': 'Đến phiên bản',
    'hist.compare': 'So sánh',
    'hist.back': '← Về trình soạn',
    'hist.col.version': 'Phiên bản',
    'hist.col.status': 'Trạng thái',
    'hist.col.by': 'Người tạo',
    'hist.col.at': 'Thời điểm',
    'hist.col.comment': 'Nhận xét duyệt',
    'hist.current': '(hiện hành)',
    'hist.one': 'Câu hỏi mới có một phiên bản: chưa có gì để so sánh.',
  },
  en: {
    'hist.title': 'History of item {id}',
    'hist.from': 'From version',
    'hist.to': 'To version',
    'hist.compare': 'Compare',
    'hist.back': '← Back to the editor',
    'hist.col.version': 'Version',
    'hist.col.status': 'Status',
    'hist.col.by': 'Created by',
    'hist.col.at': 'When',
    'hist.col.comment': 'Review comment',
    'hist.current': '(current)',
    'hist.one': 'The item has one version: nothing to compare yet.',
  },
});

function versionsTable(ctx, history) {
  return h('table', { class: 'data versions' },
    h('thead', {}, h('tr', {}, ['hist.col.version', 'hist.col.status', 'hist.col.by', 'hist.col.at', 'hist.col.comment'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, history.versions.map((v) => h('tr', {},
      h('td', {}, String(v.version), v.is_current ? ` ${t('hist.current')}` : ''),
      h('td', {}, h('span', { class: `badge ${v.status}` }, t(`status.${v.status}`))),
      h('td', {}, v.created_by),
      h('td', {}, when(v.created_at, ctx.lang)),
      h('td', {}, v.review_comment ?? ''),
    ))),
  );
}

registerPage({
  route: 'items/:id/history',
  roles: ['item_writer', 'reviewer', 'exam_board', 'admin'],
  title: { vi: 'Lịch sử phiên bản', en: 'Version history' },
  nav: false,
  async render(el, ctx) {
    const id = ctx.params.id;
    ctx.setTitle(t('hist.title', { id }));
    const history = await ctx.api(`items/${encodeURIComponent(id)}/versions`);
    const numbers = history.versions.map((v) => v.version).sort((a, b) => a - b);
    const out = h('div', { class: 'diff-out', 'aria-live': 'polite' });
    const pick = (name, value) => {
      const s = h('select', { name });
      s.append(...numbers.map((n) => { const o = new Option(String(n), String(n)); o.selected = n === value; return o; }));
      return s;
    };
    const last = numbers[numbers.length - 1];
    const from = pick('from', Number(ctx.query.get('from')) || numbers[Math.max(0, numbers.length - 2)]);
    const to = pick('to', Number(ctx.query.get('to')) || last);
    const compare = async () => {
      replace(out, h('p', {}, t('loading')));
      try {
        const diff = await ctx.api(`items/${encodeURIComponent(id)}/diff`, { query: { from: from.value, to: to.value } });
        replace(out, diffTable(diff));
      } catch (err) {
        replace(out, h('p', { class: 'error-box', role: 'alert' }, ctx.errorText(err)));
      }
    };
    const form = h('form', { class: 'panel row' }, field(t('hist.from'), from), field(t('hist.to'), to),
      h('button', { type: 'submit', class: 'primary' }, t('hist.compare')));
    form.addEventListener('submit', (e) => { e.preventDefault(); compare(); });
    replace(el,
      h('p', {}, h('a', { href: `#/items/${encodeURIComponent(id)}` }, t('hist.back'))),
      versionsTable(ctx, history),
      numbers.length > 1 ? [h('h2', {}, t('hist.compare')), form, out] : h('p', { class: 'muted' }, t('hist.one')),
    );
    if (numbers.length > 1) await compare();
  },
});

// Reviewing a shared passage (#/review/stimulus/<id>), as an item is reviewed: its text rendered
// as the candidate sees it, its version history with the word diff between any two versions
// (by default the last approved one against the current), the items that use it, and approve or
// reject with a required comment. The four-eyes rule is shown here too.

import { registerPage } from '../shell.js';
import { h, itemHtml, replace, uid, when } from '../dom.js';
import { addStrings, t } from '../i18n.js';
import { diffTable } from '../writer/diff.js';
import { excerpt } from '../writer/labels.js';

addStrings({
  vi: {
    'rs.title': 'Duyệt ngữ liệu {id}',
    'rs.meta': '{subject} · người soạn {writer} · phiên bản {version} · {status}',
    'rs.candidate': 'Như thí sinh thấy',
    'rs.history': 'Các phiên bản',
    'rs.col.version': 'Phiên bản',
    'rs.col.status': 'Trạng thái',
    'rs.col.by': 'Người soạn',
    'rs.col.at': 'Lúc',
    'rs.col.review': 'Nhận xét khi duyệt',
    'rs.diff': 'So sánh hai phiên bản',
    'rs.from': 'Từ phiên bản',
    'rs.to': 'Đến phiên bản',
    'rs.compare': 'So sánh',
    'rs.diff.first': 'Ngữ liệu mới có một phiên bản: chưa có gì để so sánh.',
    'rs.items': 'Câu hỏi dùng ngữ liệu này ({n})',
    'rs.items.none': 'Chưa có câu hỏi nào dùng ngữ liệu này.',
    'rs.comment': 'Nhận xét (bắt buộc khi trả lại)',
    'rs.approve': 'Duyệt ngữ liệu',
    'rs.reject': 'Trả lại cho người soạn',
    'rs.comment.required': 'Hãy viết nhận xét để người soạn biết cần sửa gì.',
    'rs.approved': 'Đã duyệt ngữ liệu {id}.',
    'rs.rejected': 'Đã trả lại ngữ liệu {id} kèm nhận xét.',
    'rs.own': 'Bạn là người soạn ngữ liệu này. Theo nguyên tắc bốn mắt, một người duyệt khác phải duyệt nó.',
    'rs.not_in_review': 'Ngữ liệu đang ở trạng thái “{status}”: chỉ ngữ liệu chờ duyệt mới duyệt được.',
    'rs.back': '← Về hàng chờ',
  },
  en: {
    'rs.title': 'Review passage {id}',
    'rs.meta': '{subject} · writer {writer} · version {version} · {status}',
    'rs.candidate': 'As the candidate sees it',
    'rs.history': 'Versions',
    'rs.col.version': 'Version',
    'rs.col.status': 'Status',
    'rs.col.by': 'Writer',
    'rs.col.at': 'At',
    'rs.col.review': 'Review comment',
    'rs.diff': 'Compare two versions',
    'rs.from': 'From version',
    'rs.to': 'To version',
    'rs.compare': 'Compare',
    'rs.diff.first': 'The passage has one version: nothing to compare yet.',
    'rs.items': 'Items using this passage ({n})',
    'rs.items.none': 'No item uses this passage yet.',
    'rs.comment': 'Comment (required to reject)',
    'rs.approve': 'Approve the passage',
    'rs.reject': 'Return to the writer',
    'rs.comment.required': 'Write a comment so the writer knows what to change.',
    'rs.approved': 'Passage {id} approved.',
    'rs.rejected': 'Passage {id} returned with your comment.',
    'rs.own': 'You wrote this passage. By the four-eyes rule another reviewer must review it.',
    'rs.not_in_review': 'The passage is “{status}”: only passages in review can be reviewed.',
    'rs.back': '← Back to the queue',
  },
});

const statusText = (s) => t(`status.${s}`);

function historyTable(versions) {
  return h('table', { class: 'data stimulus-history' },
    h('thead', {}, h('tr', {}, ['rs.col.version', 'rs.col.status', 'rs.col.by', 'rs.col.at', 'rs.col.review'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, versions.map((v) => h('tr', {},
      h('td', {}, String(v.version)),
      h('td', {}, h('span', { class: `badge ${v.status}` }, statusText(v.status))),
      h('td', {}, v.created_by),
      h('td', {}, when(v.created_at, document.documentElement.lang)),
      h('td', {}, v.review_comment ? `${v.reviewed_by ?? ''}: ${v.review_comment}` : '–')))));
}

/** Two version pickers and the diff between them; starts at last approved (or previous) → current. */
function diffPanel(ctx, id, versions, current) {
  const box = h('section', { class: 'panel', 'aria-labelledby': 'rs-diff-h' }, h('h2', { id: 'rs-diff-h' }, t('rs.diff')));
  if (versions.length < 2) return replace(box, box.firstChild, h('p', { class: 'muted' }, t('rs.diff.first')));
  const approved = versions.filter((v) => v.status === 'approved' && v.version !== current).map((v) => v.version);
  const start = approved.length ? Math.max(...approved) : current - 1;
  const picker = (selected) => h('select', {}, versions.map((v) => h('option', { value: String(v.version), selected: v.version === selected }, String(v.version))));
  const from = picker(start);
  const to = picker(current);
  const out = h('div', { 'aria-live': 'polite' });
  const show = async () => {
    try {
      replace(out, diffTable(await ctx.api(`stimuli/${encodeURIComponent(id)}/diff`, { query: { from: from.value, to: to.value } })));
    } catch (err) {
      replace(out, h('p', { class: 'error-box', role: 'alert' }, ctx.errorText(err)));
    }
  };
  const fid = uid('from');
  const tid = uid('to');
  from.id = fid;
  to.id = tid;
  box.append(h('div', { class: 'actions' },
    h('label', { for: fid }, t('rs.from')), from, h('label', { for: tid }, t('rs.to')), to,
    h('button', { type: 'button', onclick: show }, t('rs.compare'))), out);
  show();
  return box;
}

function itemsPanel(page) {
  const list = page.items;
  return h('section', { class: 'panel' }, h('h2', {}, t('rs.items', { n: page.total ?? list.length })),
    list.length
      ? h('table', { class: 'data stimulus-items' }, h('tbody', {}, list.map((v) => h('tr', {},
        h('td', { class: 'mono' }, h('a', { href: `#/${v.status === 'in_review' ? 'review' : 'items'}/${encodeURIComponent(v.id)}` }, v.id)),
        h('td', {}, h('span', { class: `badge ${v.status}` }, statusText(v.status))),
        h('td', {}, excerpt(v.item.stem))))))
      : h('p', { class: 'muted' }, t('rs.items.none')));
}

function decision(ctx, view) {
  const comment = h('textarea', { id: uid('c'), rows: 3, name: 'comment' });
  const error = h('p', { class: 'error-text', role: 'alert', id: uid('e') });
  comment.setAttribute('aria-describedby', error.id);
  const act = (action) => async () => {
    error.textContent = '';
    const text = comment.value.trim();
    if (action === 'reject' && !text) {
      error.textContent = t('rs.comment.required');
      comment.setAttribute('aria-invalid', 'true');
      comment.focus();
      return;
    }
    try {
      await ctx.api(`stimuli/${encodeURIComponent(view.id)}/${action}`, { method: 'POST', json: text ? { comment: text } : {} });
      ctx.toast(t(action === 'approve' ? 'rs.approved' : 'rs.rejected', { id: view.id }));
      ctx.navigate('review');
    } catch (err) {
      error.textContent = ctx.errorText(err);
    }
  };
  const own = view.created_by === ctx.user.username;
  const blocked = own ? t('rs.own') : view.status !== 'in_review' ? t('rs.not_in_review', { status: statusText(view.status) }) : null;
  return h('section', { class: 'panel decision' },
    blocked ? h('p', { class: 'warn-box four-eyes' }, blocked) : null,
    h('label', { for: comment.id }, t('rs.comment')), comment, error,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', disabled: Boolean(blocked), onclick: act('approve') }, t('rs.approve')),
      h('button', { type: 'button', class: 'danger', disabled: Boolean(blocked), onclick: act('reject') }, t('rs.reject'))));
}

registerPage({
  route: 'review/stimulus/:id',
  roles: ['reviewer', 'exam_board', 'admin'],
  title: { vi: 'Duyệt ngữ liệu', en: 'Review a passage' },
  nav: false,
  async render(el, ctx) {
    const id = ctx.params.id;
    ctx.setTitle(t('rs.title', { id }));
    const enc = encodeURIComponent(id);
    const [view, preview, versions, items] = await Promise.all([
      ctx.api(`stimuli/${enc}`), ctx.api(`stimuli/${enc}/preview`), ctx.api(`stimuli/${enc}/versions`),
      ctx.api('items', { query: { stimulus: id, per_page: 100 } }),
    ]);
    const writer = versions[0]?.created_by ?? view.created_by;
    el.append(
      h('p', {}, h('a', { href: '#/review' }, t('rs.back'))),
      h('p', { class: 'muted' }, t('rs.meta', { subject: view.subject, writer, version: view.version, status: statusText(view.status) })),
      h('div', { class: 'split' },
        h('section', { class: 'panel' }, h('h2', {}, t('rs.candidate')), h('h3', {}, preview.title), itemHtml(preview.html, 'item-render stimulus-render')),
        h('div', {}, decision(ctx, { ...view, created_by: writer }), itemsPanel(items))),
      diffPanel(ctx, id, versions, view.version),
      h('section', { class: 'panel' }, h('h2', {}, t('rs.history')), historyTable(versions)),
    );
  },
});

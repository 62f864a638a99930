// Reviewing one item (#/review/<id>): the item as the candidate sees it, beside the word diff
// against its last approved version; the keys; approve, or reject with a required comment. The
// four-eyes rule is shown, not only enforced: a reviewer who wrote the item is told why the
// buttons are off (the server refuses it anyway).

import { registerPage } from '../shell.js';
import { h, itemHtml, replace, uid } from '../dom.js';
import { addStrings, t } from '../i18n.js';
import { LETTERS } from '../writer/record.js';
import { diffTable } from '../writer/diff.js';
import '../writer/labels.js';

addStrings({
  vi: {
    'rv.title': 'Duyệt câu hỏi {id}',
    'rv.candidate': 'Như thí sinh thấy',
    'rv.diff': 'Thay đổi so với bản đã duyệt gần nhất (phiên bản {version})',
    'rv.diff.first': 'Chưa có phiên bản nào được duyệt: đây là lần duyệt đầu tiên.',
    'rv.keys': 'Đáp án',
    'rv.key.single': 'Phương án đúng: {key}',
    'rv.key.statement': 'Ý {letter}) — {value} (mức độ: {level})',
    'rv.key.answers': 'Đáp án chấp nhận: {answers}',
    'rv.key.tolerance': 'Sai số cho phép: {tolerance}',
    'rv.meta': '{subject} · lớp {grade} · chủ đề {topic} · {level} · {kind} · người soạn {writer} · phiên bản {version}',
    'rv.comment': 'Nhận xét (bắt buộc khi trả lại)',
    'rv.approve': 'Duyệt',
    'rv.reject': 'Trả lại cho người soạn',
    'rv.comment.required': 'Hãy viết nhận xét để người soạn biết cần sửa gì.',
    'rv.approved': 'Đã duyệt {id}.',
    'rv.rejected': 'Đã trả lại {id} kèm nhận xét.',
    'rv.own': 'Bạn là người soạn câu hỏi này. Theo nguyên tắc bốn mắt, một người duyệt khác phải duyệt nó.',
    'rv.not_in_review': 'Câu hỏi đang ở trạng thái “{status}”: chỉ câu hỏi chờ duyệt mới duyệt được.',
    'rv.back': '← Về hàng chờ',
  },
  en: {
    'rv.title': 'Review item {id}',
    'rv.candidate': 'As the candidate sees it',
    'rv.diff': 'Changes since the last approved version ({version})',
    'rv.diff.first': 'No version was approved yet: this is the first review.',
    'rv.keys': 'Keys',
    'rv.key.single': 'Correct option: {key}',
    'rv.key.statement': 'Statement {letter}) — {value} (level: {level})',
    'rv.key.answers': 'Accepted answers: {answers}',
    'rv.key.tolerance': 'Tolerance: {tolerance}',
    'rv.meta': '{subject} · grade {grade} · topic {topic} · {level} · {kind} · writer {writer} · version {version}',
    'rv.comment': 'Comment (required to reject)',
    'rv.approve': 'Approve',
    'rv.reject': 'Return to the writer',
    'rv.comment.required': 'Write a comment so the writer knows what to change.',
    'rv.approved': '{id} approved.',
    'rv.rejected': '{id} returned with your comment.',
    'rv.own': 'You wrote this item. By the four-eyes rule another reviewer must review it.',
    'rv.not_in_review': 'The item is “{status}”: only items in review can be reviewed.',
    'rv.back': '← Back to the queue',
  },
});

function keys(item) {
  if (item.kind === 'single_choice') return h('p', {}, t('rv.key.single', { key: item.key }));
  if (item.kind === 'true_false_group') {
    return h('ul', {}, (item.statements ?? []).map((s, i) => h('li', {}, t('rv.key.statement', {
      letter: LETTERS[i].toLowerCase(),
      value: item.keys?.[i] ? t('ed.true') : t('ed.false'),
      level: t(`level.${(typeof s === 'object' && s.level) || item.level}`),
    }))));
  }
  const answers = Array.isArray(item.answer) ? item.answer : [item.answer];
  return h('div', {}, h('p', {}, t('rv.key.answers', { answers: answers.join(' ; ') })),
    item.tolerance !== undefined ? h('p', {}, t('rv.key.tolerance', { tolerance: item.tolerance })) : null);
}

async function diffPanel(ctx, id, history, current) {
  const approved = history.versions.filter((v) => v.status === 'approved' && v.version !== current).map((v) => v.version);
  const box = h('section', { class: 'panel' });
  if (!approved.length) return replace(box, h('h2', {}, t('rv.diff', { version: '—' })), h('p', { class: 'muted' }, t('rv.diff.first')));
  const from = Math.max(...approved);
  try {
    const diff = await ctx.api(`items/${encodeURIComponent(id)}/diff`, { query: { from, to: current } });
    return replace(box, h('h2', {}, t('rv.diff', { version: from })), diffTable(diff));
  } catch (err) {
    return replace(box, h('h2', {}, t('rv.diff', { version: from })), h('p', { class: 'error-box' }, ctx.errorText(err)));
  }
}

function decision(ctx, view, writer) {
  const commentId = uid('c');
  const comment = h('textarea', { id: commentId, rows: 3, name: 'comment' });
  const error = h('p', { class: 'error-text', role: 'alert', id: uid('e') });
  comment.setAttribute('aria-describedby', error.id);
  const own = writer === ctx.user.username || view.created_by === ctx.user.username;
  const inReview = view.status === 'in_review';
  const act = (action) => async () => {
    error.textContent = '';
    const text = comment.value.trim();
    if (action === 'reject' && !text) {
      error.textContent = t('rv.comment.required');
      comment.setAttribute('aria-invalid', 'true');
      comment.focus();
      return;
    }
    try {
      await ctx.api(`items/${encodeURIComponent(view.id)}/${action}`, { method: 'POST', json: text ? { comment: text } : {} });
      ctx.toast(t(action === 'approve' ? 'rv.approved' : 'rv.rejected', { id: view.id }));
      ctx.navigate('review');
    } catch (err) {
      error.textContent = ctx.errorText(err);
    }
  };
  const blocked = own ? t('rv.own') : !inReview ? t('rv.not_in_review', { status: t(`status.${view.status}`) }) : null;
  return h('section', { class: 'panel decision' },
    blocked ? h('p', { class: 'warn-box four-eyes' }, blocked) : null,
    h('label', { for: commentId }, t('rv.comment')), comment, error,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', disabled: Boolean(blocked), onclick: act('approve') }, t('rv.approve')),
      h('button', { type: 'button', class: 'danger', disabled: Boolean(blocked), onclick: act('reject') }, t('rv.reject')),
    ));
}

registerPage({
  route: 'review/:id',
  roles: ['reviewer', 'exam_board', 'admin'],
  title: { vi: 'Duyệt câu hỏi', en: 'Review an item' },
  nav: false,
  async render(el, ctx) {
    const id = ctx.params.id;
    ctx.setTitle(t('rv.title', { id }));
    const enc = encodeURIComponent(id);
    const [view, preview, history] = await Promise.all([
      ctx.api(`items/${enc}`), ctx.api(`items/${enc}/preview`), ctx.api(`items/${enc}/versions`),
    ]);
    const writer = [...history.versions].sort((a, b) => a.version - b.version)[0]?.created_by ?? view.created_by;
    const item = view.item;
    el.append(
      h('p', {}, h('a', { href: '#/review' }, t('rv.back'))),
      h('p', { class: 'muted' }, t('rv.meta', {
        subject: item.subject, grade: item.grade, topic: item.topic, level: t(`level.${item.level}`),
        kind: t(`kind.${item.kind}`), writer, version: view.version,
      })),
      h('div', { class: 'split' },
        h('section', { class: 'panel' }, h('h2', {}, t('rv.candidate')), itemHtml(preview.html),
          h('h2', {}, t('rv.keys')), keys(item)),
        h('div', {}, await diffPanel(ctx, id, history, view.version), decision(ctx, view, writer)),
      ),
    );
  },
});

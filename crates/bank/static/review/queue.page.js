// The review queue (#/review): items and shared passages waiting for review, oldest first, with
// the counts per subject (`GET review-queue`). On a server without that route the queue falls back
// to the items in review from the item list, so the page still works.

import { registerPage } from '../shell.js';
import { h, replace, when } from '../dom.js';
import { addStrings, t } from '../i18n.js';
import '../writer/labels.js';

addStrings({
  vi: {
    'rq.title': 'Hàng chờ duyệt',
    'rq.subject': 'Môn',
    'rq.all': 'Tất cả các môn',
    'rq.counts': 'Số bài chờ theo môn',
    'rq.none': 'Không có gì chờ duyệt.',
    'rq.col.type': 'Loại',
    'rq.col.id': 'Mã',
    'rq.col.version': 'Phiên bản',
    'rq.col.writer': 'Người soạn',
    'rq.col.at': 'Gửi lúc',
    'rq.type.item': 'Câu hỏi',
    'rq.type.stimulus': 'Ngữ liệu',
    'rq.open': 'Duyệt {id}',
    'rq.own': '(của bạn — người khác phải duyệt)',
  },
  en: {
    'rq.title': 'Review queue',
    'rq.subject': 'Subject',
    'rq.all': 'All subjects',
    'rq.counts': 'Waiting per subject',
    'rq.none': 'Nothing is waiting for review.',
    'rq.col.type': 'Type',
    'rq.col.id': 'Id',
    'rq.col.version': 'Version',
    'rq.col.writer': 'Writer',
    'rq.col.at': 'Submitted',
    'rq.type.item': 'Item',
    'rq.type.stimulus': 'Passage',
    'rq.open': 'Review {id}',
    'rq.own': '(yours — someone else must review it)',
  },
});

/** The queue from `GET review-queue`, or built from the item list when the route is missing. */
async function queue(ctx, subject) {
  try {
    return await ctx.api('review-queue', { query: { subject } });
  } catch (err) {
    if (err.status !== 404 || err.code !== 'not_found' || !/route/.test(err.message)) throw err;
  }
  const page = await ctx.api('items', { query: { status: 'in_review', subject, per_page: 200 } });
  const entries = page.items
    .map((v) => ({ type: 'item', id: v.id, version: v.version, subject: v.item.subject, writer: v.created_by, submitted_at: v.created_at }))
    .sort((a, b) => String(a.submitted_at).localeCompare(String(b.submitted_at)));
  const counts = {};
  for (const e of entries) counts[e.subject] = (counts[e.subject] ?? 0) + 1;
  return { entries, counts_by_subject: counts };
}

registerPage({
  route: 'review',
  roles: ['reviewer', 'exam_board', 'admin'],
  title: { vi: 'Hàng chờ duyệt', en: 'Review queue' },
  order: 20,
  async render(el, ctx) {
    const subject = ctx.query.get('subject') ?? '';
    const q = await queue(ctx, subject || undefined);
    const counts = Object.entries(q.counts_by_subject ?? {});
    const chooser = h('nav', { class: 'actions', 'aria-label': t('rq.counts') },
      h('span', { class: 'muted' }, `${t('rq.counts')}:`),
      h('button', { type: 'button', class: 'link', 'aria-pressed': String(!subject), onclick: () => ctx.navigate('review') }, t('rq.all')),
      counts.map(([s, n]) => h('button', { type: 'button', class: 'link', 'aria-pressed': String(s === subject), onclick: () => ctx.navigate('review', { subject: s }) }, `${s}: ${n}`)),
    );
    const rows = q.entries.map((e) => {
      const route = e.type === 'stimulus' ? `review/stimulus/${encodeURIComponent(e.id)}` : `review/${encodeURIComponent(e.id)}`;
      return h('tr', {},
        h('td', {}, t(`rq.type.${e.type}`)),
        h('td', { class: 'mono' }, h('a', { href: `#/${route}`, 'aria-label': t('rq.open', { id: e.id }) }, e.id)),
        h('td', {}, String(e.version ?? '')),
        h('td', {}, e.subject ?? ''),
        h('td', {}, e.writer ?? '', e.writer === ctx.user.username ? ` ${t('rq.own')}` : ''),
        h('td', {}, when(e.submitted_at, ctx.lang)),
      );
    });
    replace(el, chooser, q.entries.length
      ? h('table', { class: 'data queue' },
        h('thead', {}, h('tr', {}, ['rq.col.type', 'rq.col.id', 'rq.col.version', 'rq.subject', 'rq.col.writer', 'rq.col.at'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows))
      : h('p', { class: 'panel' }, t('rq.none')));
  },
});

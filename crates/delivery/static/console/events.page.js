// The console's first page: every exam event of this site with where it stands, and the form that
// creates one (the id the board uses in its package, a title, optionally the sitting's length).

import { registerPage } from './shell.js';
import { h, field, replace } from './dom.js';
import { addStrings } from './i18n.js';
import { errorBox, statusText } from './common.js';

addStrings({
  vi: {
    'events.title': 'Kỳ thi', 'events.none': 'Chưa có kỳ thi nào. Hãy tạo kỳ thi theo mã Hội đồng đã dùng khi đóng gói đề.',
    'events.id': 'Mã kỳ thi', 'events.name': 'Tên kỳ thi', 'events.subject': 'Môn', 'events.status': 'Trạng thái',
    'events.steps': 'Các bước', 'events.new': 'Tạo kỳ thi', 'events.create': 'Tạo kỳ thi',
    'events.id.hint': 'Đúng mã trong gói đề của Hội đồng (A–Z a–z 0–9 - _ .).',
    'events.minutes': 'Thời gian làm bài (phút, để trống: theo gói đề)',
    'events.score_at_submit': 'Chấm điểm ngay khi nộp bài (công bố đáp án khi thí sinh còn đang thi)',
    'events.created': 'Đã tạo kỳ thi {id}.', 'events.missing': 'Hãy nhập mã và tên kỳ thi.',
  },
  en: {
    'events.title': 'Events', 'events.none': "No event yet. Create one with the id the board used in its package.",
    'events.id': 'Event id', 'events.name': 'Title', 'events.subject': 'Subject', 'events.status': 'Status',
    'events.steps': 'Steps', 'events.new': 'Create an event', 'events.create': 'Create event',
    'events.id.hint': "Exactly the id in the board's package (A–Z a–z 0–9 - _ .).",
    'events.minutes': "Sitting length (minutes; empty: the package's)",
    'events.score_at_submit': 'Score at submit (keys may be released while candidates still sit)',
    'events.created': 'Event {id} created.', 'events.missing': 'Enter the event id and title.',
  },
});

function eventRow(ev, t) {
  const e = encodeURIComponent(ev.id);
  return h('tr', { dataset: { event: ev.id } },
    h('td', { class: 'mono' }, ev.id),
    h('td', {}, ev.title),
    h('td', {}, ev.subject || '–'),
    h('td', {}, h('span', { class: `badge ev-${ev.status}` }, statusText('ev', ev.status))),
    h('td', { class: 'steps' },
      h('a', { href: `#/events/${e}` }, t('tab.prepare')), ' · ',
      h('a', { href: `#/events/${e}/start` }, t('tab.start')), ' · ',
      h('a', { href: `#/events/${e}/end` }, t('tab.end'))));
}

function createForm(ctx, reload) {
  const { t } = ctx;
  const id = h('input', { id: 'ev-id', class: 'mono', autocomplete: 'off', required: true });
  const title = h('input', { id: 'ev-title', autocomplete: 'off', required: true });
  const minutes = h('input', { id: 'ev-minutes', type: 'number', min: '1', max: '1440', class: 'narrow' });
  const atSubmit = h('input', { id: 'ev-at-submit', type: 'checkbox' });
  const error = h('div', { id: 'ev-error' });
  const form = h('form', { class: 'panel', novalidate: true },
    h('h2', {}, t('events.new')),
    h('div', { class: 'row' }, field(t('events.id'), id, t('events.id.hint')), field(t('events.name'), title), field(t('events.minutes'), minutes)),
    h('div', { class: 'check' }, atSubmit, ' ', h('label', { for: 'ev-at-submit' }, t('events.score_at_submit'))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'ev-create' }, t('events.create'))),
    error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(error);
    if (!id.value.trim() || !title.value.trim()) return replace(error, errorBox(t('events.missing')));
    const json = { id: id.value.trim(), title: title.value.trim(), score_at_submit: atSubmit.checked };
    if (minutes.value) json.duration_seconds = Math.round(Number(minutes.value) * 60);
    try {
      await ctx.api('events', { method: 'POST', json });
      ctx.toast(t('events.created', { id: json.id }));
      ctx.navigate(`events/${encodeURIComponent(json.id)}`);
    } catch (err) {
      replace(error, errorBox(ctx.errorText(err)));
      reload();
    }
  });
  return form;
}

registerPage({
  route: 'events',
  roles: ['exam_board', 'admin'],
  title: { vi: 'Kỳ thi', en: 'Events' },
  order: 10,
  async render(el, ctx) {
    const { t } = ctx;
    const table = h('div', { id: 'events-list' });
    const load = async () => {
      const { events } = await ctx.api('events');
      if (!events.length) return replace(table, h('p', { class: 'muted' }, t('events.none')));
      replace(table, h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['events.id', 'events.name', 'events.subject', 'events.status', 'events.steps'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, events.map((ev) => eventRow(ev, t)))));
    };
    el.append(h('section', { class: 'panel' }, table), createForm(ctx, load));
    await load();
  },
});

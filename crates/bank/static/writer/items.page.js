// "Câu hỏi của tôi": the item list with the bank's filters, full-text search, counts by status and
// server-side paging (keyset `after`/`next_cursor` when the server offers it, else page numbers).
// The filters live in the address (#/items?status=draft&q=…) so Back and a reload keep them.

import { registerPage, addStrings } from '../shell.js';
import { h, field, replace, when } from '../dom.js';
import { KINDS, LEVELS, STATUSES, options, excerpt } from './labels.js';

addStrings({
  vi: {
    'items.title': 'Câu hỏi của tôi',
    'items.nav': 'Câu hỏi',
    'items.new': 'Soạn câu hỏi mới',
    'items.import': 'Nhập từ tệp',
    'items.q': 'Tìm trong nội dung',
    'items.q.hint': 'Không cần gõ dấu: “ham so” tìm được “hàm số”.',
    'items.subject': 'Môn',
    'items.grade': 'Lớp',
    'items.topic': 'Mã chủ đề (tiền tố)',
    'items.level': 'Mức độ',
    'items.kind': 'Dạng câu hỏi',
    'items.status': 'Trạng thái',
    'items.stimulus': 'Ngữ liệu chung',
    'items.search': 'Lọc',
    'items.reset': 'Bỏ lọc',
    'items.counts': 'Theo trạng thái',
    'items.total': '{total} câu hỏi',
    'items.none': 'Không có câu hỏi nào khớp bộ lọc.',
    'items.col.id': 'Mã',
    'items.col.version': 'Phiên bản',
    'items.col.stem': 'Đề bài',
    'items.col.changed': 'Cập nhật',
    'items.prev': '← Trang trước',
    'items.next': 'Trang sau →',
    'items.page': 'Trang {page}',
    'items.paging': 'Phân trang',
  },
  en: {
    'items.title': 'My items',
    'items.nav': 'Items',
    'items.new': 'Write a new item',
    'items.import': 'Import a file',
    'items.q': 'Search the text',
    'items.q.hint': 'Diacritics optional: “ham so” finds “hàm số”.',
    'items.subject': 'Subject',
    'items.grade': 'Grade',
    'items.topic': 'Topic code (prefix)',
    'items.level': 'Level',
    'items.kind': 'Kind',
    'items.status': 'Status',
    'items.stimulus': 'Shared passage',
    'items.search': 'Filter',
    'items.reset': 'Clear filters',
    'items.counts': 'By status',
    'items.total': '{total} items',
    'items.none': 'No item matches the filters.',
    'items.col.id': 'Id',
    'items.col.version': 'Version',
    'items.col.stem': 'Stem',
    'items.col.changed': 'Updated',
    'items.prev': '← Previous page',
    'items.next': 'Next page →',
    'items.page': 'Page {page}',
    'items.paging': 'Pages',
  },
});

const FILTERS = ['q', 'subject', 'grade', 'topic', 'level', 'kind', 'status', 'stimulus'];
const PER_PAGE = 25;

function filterForm(ctx, onSearch) {
  const q = ctx.query;
  const input = (name, attrs = {}) => h('input', { name, value: q.get(name) ?? '', ...attrs });
  const select = (name, values, prefix) => {
    const s = h('select', { name });
    s.append(...options(values, prefix, q.get(name) ?? ''));
    return s;
  };
  const form = h(
    'form',
    { class: 'panel', role: 'search' },
    h('div', { class: 'row' },
      field(ctx.t('items.q'), input('q', { type: 'search', size: 28 }), ctx.t('items.q.hint')),
      field(ctx.t('items.subject'), input('subject', { size: 8 })),
      field(ctx.t('items.grade'), input('grade', { type: 'number', min: 1, max: 12, class: 'narrow' })),
      field(ctx.t('items.topic'), input('topic', { size: 10 })),
      field(ctx.t('items.level'), select('level', LEVELS, 'level')),
      field(ctx.t('items.kind'), select('kind', KINDS, 'kind')),
      field(ctx.t('items.status'), select('status', STATUSES, 'status')),
      field(ctx.t('items.stimulus'), input('stimulus', { size: 10 })),
    ),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, ctx.t('items.search')),
      h('button', { type: 'button', onclick: () => ctx.navigate('items') }, ctx.t('items.reset')),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    onSearch(Object.fromEntries(FILTERS.map((k) => [k, String(data.get(k) ?? '').trim()])));
  });
  return form;
}

function statusCounts(ctx, counts, current) {
  if (!counts) return null;
  const go = (status) => {
    const query = Object.fromEntries(ctx.query);
    delete query.after;
    delete query.page;
    ctx.navigate('items', { ...query, status });
  };
  const buttons = Object.entries(counts).map(([status, n]) =>
    h('button', { type: 'button', class: 'link', 'aria-pressed': String(current === status), onclick: () => go(status) },
      `${ctx.t(`status.${status}`)}: ${n}`),
  );
  return h('p', { class: 'counts' }, h('span', { class: 'muted' }, `${ctx.t('items.counts')}: `), buttons);
}

function table(ctx, items) {
  if (!items.length) return h('p', { class: 'panel' }, ctx.t('items.none'));
  const rows = items.map((v) =>
    h('tr', {},
      h('td', { class: 'mono' }, h('a', { href: `#/items/${encodeURIComponent(v.id)}` }, v.id)),
      h('td', {}, String(v.version)),
      h('td', {}, h('span', { class: `badge ${v.status}` }, ctx.t(`status.${v.status}`))),
      h('td', {}, ctx.t(`kind.${v.item.kind}`), h('br'), h('span', { class: 'muted' }, ctx.t(`level.${v.item.level}`))),
      h('td', { class: 'mono' }, `${v.item.subject} ${v.item.grade} · ${v.item.topic}`),
      h('td', {}, excerpt(v.item.stem)),
      h('td', {}, when(v.created_at, ctx.lang)),
    ),
  );
  const head = ['items.col.id', 'items.col.version', 'items.status', 'items.kind', 'items.topic', 'items.col.stem', 'items.col.changed'];
  return h('table', { class: 'data items' },
    h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, ctx.t(k))))),
    h('tbody', {}, rows),
  );
}

function pager(ctx, result, filters) {
  const page = Number(ctx.query.get('page') || 1);
  const cursorMode = 'next_cursor' in result;
  const prev = !cursorMode && page > 1
    ? h('button', { type: 'button', onclick: () => ctx.navigate('items', { ...filters, page: page - 1 }) }, ctx.t('items.prev'))
    : cursorMode && ctx.query.get('after')
      ? h('button', { type: 'button', onclick: () => history.back() }, ctx.t('items.prev'))
      : null;
  const more = cursorMode ? Boolean(result.next_cursor) : page * result.per_page < result.total;
  const next = more
    ? h('button', {
      type: 'button',
      onclick: () => ctx.navigate('items', cursorMode ? { ...filters, after: result.next_cursor } : { ...filters, page: page + 1 }),
    }, ctx.t('items.next'))
    : null;
  return h('nav', { class: 'actions', 'aria-label': ctx.t('items.paging') },
    prev, cursorMode ? null : h('span', {}, ctx.t('items.page', { page })), next);
}

registerPage({
  route: 'items',
  roles: ['item_writer', 'admin'],
  title: { vi: 'Câu hỏi của tôi', en: 'My items' },
  nav: { vi: 'Câu hỏi của tôi', en: 'My items' },
  order: 10,
  async render(el, ctx) {
    const filters = Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) ?? '']).filter(([, v]) => v));
    const results = h('div', { 'aria-live': 'polite' }, h('p', {}, ctx.t('loading')));
    el.append(
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => ctx.navigate('items/new') }, ctx.t('items.new')),
        h('button', { type: 'button', onclick: () => ctx.navigate('writer/import') }, ctx.t('items.import')),
      ),
      filterForm(ctx, (f) => ctx.navigate('items', f)),
      results,
    );
    const query = { ...filters, per_page: PER_PAGE };
    if (ctx.query.get('after')) query.after = ctx.query.get('after');
    else if (ctx.query.get('page')) query.page = ctx.query.get('page');
    try {
      const result = await ctx.api('items', { query });
      replace(results,
        statusCounts(ctx, result.status_counts, filters.status),
        h('p', { class: 'muted' }, ctx.t('items.total', { total: result.total })),
        table(ctx, result.items),
        pager(ctx, result, filters),
      );
    } catch (err) {
      replace(results, h('p', { class: 'error-box', role: 'alert' }, ctx.errorText(err)));
    }
  },
});

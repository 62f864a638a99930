// At the end (issue 13): the keys' release code (checked like the content's), the results per
// room and per candidate (score out of 10, sections), the score distribution, the exports and the
// signed result file (downloads through the `khaothi_fetch` cookie), the upload to the bank with
// its outcome, and the biên bản of each room and of the site.

import { registerPage } from './shell.js';
import { h, field, replace, when } from './dom.js';
import { addStrings } from './i18n.js';
import { histogram } from './charts.js';
import { errorBox, eventPath, eventTabs, fetchLink, statusText } from './common.js';
import { keyForm } from './key-form.js';

addStrings({
  vi: {
    'end.keys': 'Công bố đáp án', 'end.key': 'Mã khóa đáp án', 'end.keys.submit': 'Công bố đáp án và chấm điểm',
    'end.released': 'Đáp án đã công bố lúc {at}; bài làm đã được chấm.', 'end.scored': 'Đã chấm {count} bài.',
    'end.not_unlocked': 'Đề chưa được mở: chưa có gì để chấm.',
    'end.results': 'Kết quả', 'end.rooms': 'Theo phòng thi', 'end.candidates': 'Theo thí sinh',
    'end.room': 'Phòng', 'end.count': 'Thí sinh', 'end.submitted': 'Đã nộp', 'end.mean': 'Điểm trung bình',
    'end.number': 'Số báo danh', 'end.name': 'Họ và tên', 'end.status': 'Trạng thái', 'end.score10': 'Điểm (thang 10)',
    'end.dist': 'Phổ điểm', 'end.dist.desc': 'Số thí sinh theo khoảng điểm (thang 10) của cả kỳ thi.',
    'end.dist.x': 'Điểm', 'end.dist.y': 'Số thí sinh', 'end.filter': 'Lọc theo phòng', 'end.all_rooms': 'Tất cả các phòng',
    'end.exports': 'Tệp kết quả', 'end.results_csv': 'Kết quả (CSV)', 'end.calibration_csv': 'Dữ liệu hiệu chỉnh (CSV)',
    'end.raw_csv': 'Bài làm thô (CSV)', 'end.groups_csv': 'Biến phân nhóm của thí sinh (CSV)', 'end.result_file': 'Tệp kết quả có chữ ký của điểm thi',
    'end.upload': 'Gửi kết quả lên ngân hàng câu hỏi', 'end.bank_url': 'Địa chỉ ngân hàng câu hỏi', 'end.bank_url.configured': 'để trống: ngân hàng đã cấu hình',
    'end.bank_user': 'Tên đăng nhập ở ngân hàng', 'end.bank_password': 'Mật khẩu ở ngân hàng', 'end.upload.submit': 'Ký và gửi',
    'end.upload.sending': 'Đang ký và gửi…',
    'end.uploaded': 'Ngân hàng đã nhận tệp kết quả (mã {status}): kỳ thi {event}, điểm thi {site}, {responses} câu trả lời. Dấu vân tay {digest}.',
    'end.records': 'Biên bản', 'end.site_record': 'Biên bản điểm thi', 'end.room_record': 'Biên bản phòng {room}',
  },
  en: {
    'end.keys': 'Release the keys', 'end.key': 'Keys release code', 'end.keys.submit': 'Release keys and score',
    'end.released': 'The keys were released at {at}; the sittings are scored.', 'end.scored': '{count} sittings scored.',
    'end.not_unlocked': 'The content is not unlocked: nothing to score yet.',
    'end.results': 'Results', 'end.rooms': 'By room', 'end.candidates': 'By candidate',
    'end.room': 'Room', 'end.count': 'Candidates', 'end.submitted': 'Submitted', 'end.mean': 'Mean score',
    'end.number': 'Number', 'end.name': 'Full name', 'end.status': 'Status', 'end.score10': 'Score (of 10)',
    'end.dist': 'Score distribution', 'end.dist.desc': "Candidates per score band (out of 10) over the whole event.",
    'end.dist.x': 'Score', 'end.dist.y': 'Candidates', 'end.filter': 'Filter by room', 'end.all_rooms': 'All rooms',
    'end.exports': 'Exports', 'end.results_csv': 'Results (CSV)', 'end.calibration_csv': 'Calibration data (CSV)',
    'end.raw_csv': 'Raw responses (CSV)', 'end.groups_csv': "Candidates' grouping variables (CSV)", 'end.result_file': "Result file signed by the site",
    'end.upload': 'Upload the results to the item bank', 'end.bank_url': "The item bank's address", 'end.bank_url.configured': 'empty: the configured bank',
    'end.bank_user': 'Username at the bank', 'end.bank_password': 'Password at the bank', 'end.upload.submit': 'Sign and upload',
    'end.upload.sending': 'Signing and uploading…',
    'end.uploaded': 'The bank accepted the result file ({status}): event {event}, site {site}, {responses} responses. Digest {digest}.',
    'end.records': 'Records (biên bản)', 'end.site_record': "The site's record", 'end.room_record': 'Record of room {room}',
  },
});

/** Candidates per score band: [0,1), [1,2), … [9,10]. */
export function scoreBins(scores) {
  const bins = Array.from({ length: 10 }, (_, i) => ({ label: `${i}–${i + 1}`, count: 0 }));
  for (const s of scores) if (Number.isFinite(s)) bins[Math.min(9, Math.floor(s))].count += 1;
  return bins;
}

function keysPanel(ctx, ev, redraw) {
  const { t } = ctx;
  let body;
  if (ev.keys_released_at) body = h('p', { class: 'ok-box', id: 'released' }, t('end.released', { at: when(ev.keys_released_at, ctx.lang) }));
  else if (!ev.unlocked_at) body = h('p', { class: 'warn-box' }, t('end.not_unlocked'));
  else {
    body = keyForm({
      ctx, id: 'keys-key', label: t('end.key'), submit: t('end.keys.submit'),
      send: async (code) => {
        const done = await ctx.api(eventPath(ev.id, 'keys'), { method: 'POST', json: { release_key: code } });
        ctx.toast(t('end.scored', { count: done.scored }));
        await redraw();
      },
    });
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'h-keys' }, h('h2', { id: 'h-keys' }, t('end.keys')), body);
}

/** A decimal as the page's language writes it (`2,36` in Vietnamese). */
function decimal(text, lang) {
  return lang === 'vi' ? text.replace('.', ',') : text;
}

function byRoom(t, results, lang) {
  const rooms = new Map();
  for (const c of results.candidates) {
    const r = rooms.get(c.room) || { count: 0, submitted: 0, scores: [] };
    r.count += 1;
    if (c.status === 'submitted') r.submitted += 1;
    if (Number.isFinite(c.score10)) r.scores.push(c.score10);
    rooms.set(c.room, r);
  }
  const mean = (s) => (s.length ? decimal((s.reduce((a, b) => a + b, 0) / s.length).toFixed(2), lang) : '–');
  return h('table', { class: 'data', id: 'results-rooms' },
    h('thead', {}, h('tr', {}, ['end.room', 'end.count', 'end.submitted', 'end.mean'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, [...rooms].map(([name, r]) => h('tr', { dataset: { room: name } },
      h('th', { scope: 'row' }, name), h('td', { class: 'num' }, String(r.count)), h('td', { class: 'num' }, String(r.submitted)), h('td', { class: 'num' }, mean(r.scores))))));
}

function byCandidate(t, results, room) {
  const rows = results.candidates.filter((c) => !room || c.room === room);
  const points = (c, s) => {
    const x = c.sections.find((y) => y.section === s);
    return x ? `${x.points}/${x.max}` : '';
  };
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('end.candidates') },
    h('table', { class: 'data', id: 'results-candidates' },
      h('thead', {}, h('tr', {}, ['end.number', 'end.name', 'end.room', 'end.status'].map((k) => h('th', { scope: 'col' }, t(k))),
        results.sections.map((s) => h('th', { scope: 'col', class: 'num' }, s)), h('th', { scope: 'col', class: 'num' }, t('end.score10')))),
      h('tbody', {}, rows.map((c) => h('tr', { dataset: { number: c.number } },
        h('td', { class: 'mono' }, c.number), h('td', {}, c.full_name), h('td', {}, c.room), h('td', {}, statusText('st', c.status)),
        results.sections.map((s) => h('td', { class: 'num' }, points(c, s))), h('td', { class: 'num score' }, c.score10_text || '–'))))));
}

function resultsPanel(ctx, results) {
  const { t } = ctx;
  const rooms = [...new Set(results.candidates.map((c) => c.room))];
  const select = h('select', { id: 'results-room' }, h('option', { value: '' }, t('end.all_rooms')), rooms.map((r) => h('option', { value: r }, r)));
  const list = h('div', {}, byCandidate(t, results, ''));
  select.addEventListener('change', () => replace(list, byCandidate(t, results, select.value)));
  const chart = histogram({
    title: t('end.dist'), desc: t('end.dist.desc'), bins: scoreBins(results.candidates.map((c) => c.score10)),
    xLabel: t('end.dist.x'), yLabel: t('end.dist.y'),
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'h-results' }, h('h2', { id: 'h-results' }, t('end.results')),
    h('div', { class: 'console-grid' }, h('div', {}, h('h3', {}, t('end.rooms')), byRoom(t, results, ctx.lang)), h('div', { id: 'score-chart' }, chart)),
    h('h3', {}, t('end.candidates')), field(t('end.filter'), select), list);
}

function exportsPanel(ctx, id, rooms) {
  const { t } = ctx;
  const api = (rest) => `/api/v1/${eventPath(id, rest)}`;
  return h('section', { class: 'panel', 'aria-labelledby': 'h-exports' }, h('h2', { id: 'h-exports' }, t('end.exports')),
    h('ul', { class: 'links-list' },
      h('li', {}, fetchLink(api('results?format=csv'), t('end.results_csv'), { download: true, id: 'dl-results' })),
      h('li', {}, fetchLink(api('exports/calibration.csv'), t('end.calibration_csv'), { download: true, id: 'dl-calibration' })),
      h('li', {}, fetchLink(api('exports/raw.csv'), t('end.raw_csv'), { download: true, id: 'dl-raw' })),
      h('li', {}, fetchLink(api('exports/groups.csv'), t('end.groups_csv'), { download: true, id: 'dl-groups' })),
      h('li', {}, fetchLink(api('results/file'), t('end.result_file'), { download: `${id}-result-file.json`, id: 'dl-file' }))),
    h('h3', {}, t('end.records')),
    h('ul', { class: 'links-list' },
      h('li', {}, fetchLink(api('record'), t('end.site_record'), { newTab: true, id: 'site-record' })),
      rooms.map((r) => h('li', {}, fetchLink(api(`rooms/${encodeURIComponent(r.id)}/record`), t('end.room_record', { room: r.name }), { newTab: true })))));
}

function uploadPanel(ctx, id) {
  const { t } = ctx;
  const url = h('input', { id: 'bank-url', type: 'url', autocomplete: 'url', placeholder: t('end.bank_url.configured') });
  const user = h('input', { id: 'bank-user', autocomplete: 'off', autocapitalize: 'none' });
  const password = h('input', { id: 'bank-password', type: 'password', autocomplete: 'off' });
  const out = h('div', { id: 'upload-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary', id: 'upload-submit' }, t('end.upload.submit'));
  const form = h('form', { novalidate: true }, h('div', { class: 'row' }, field(t('end.bank_url'), url), field(t('end.bank_user'), user),
    field(t('end.bank_password'), password), button), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(out, h('p', { class: 'muted' }, t('end.upload.sending')));
    button.disabled = true;
    try {
      const done = await ctx.api(eventPath(id, 'results/upload'), { method: 'POST', json: { ...(url.value.trim() ? { bank_url: url.value.trim() } : {}), username: user.value.trim(), password: password.value } });
      const b = done.bank || {};
      replace(out, h('p', { class: 'ok-box', role: 'status' }, t('end.uploaded', {
        status: done.status, event: b.event_id ?? id, site: b.site_name ?? '', responses: b.responses_length ?? '', digest: done.digest,
      })));
      password.value = '';
    } catch (err) {
      replace(out, errorBox(ctx.errorText(err)));
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'h-upload' }, h('h2', { id: 'h-upload' }, t('end.upload')), form);
}

registerPage({
  route: 'events/:id/end',
  roles: ['exam_board', 'admin'],
  title: { vi: 'Kết thúc và kết quả', en: 'End and results' },
  async render(el, ctx) {
    const id = ctx.params.id;
    const draw = async () => {
      const [ev, { rooms }] = await Promise.all([ctx.api(eventPath(id)), ctx.api(eventPath(id, 'rooms'))]);
      ctx.setTitle(`${ev.title} · ${ctx.t('tab.end')}`);
      const parts = [eventTabs(id, 'end'), keysPanel(ctx, ev, draw)];
      if (ev.keys_released_at) {
        const results = await ctx.api(eventPath(id, 'results'));
        parts.push(resultsPanel(ctx, results), exportsPanel(ctx, id, rooms), uploadPanel(ctx, id));
      } else {
        parts.push(exportsPanel(ctx, id, rooms));
      }
      replace(el, ...parts);
    };
    await draw();
  },
});

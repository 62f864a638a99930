// The exam-day control room (phòng điều hành ngày thi, issue 18 §2): every registered delivery
// site from the reports it sends while online — online, offline, late to unlock, with incidents,
// stalled — refreshed every few seconds (with a pause button: WCAG 2.2.2), filterable by state
// and name; one site's rooms and last hour; the board's unlock schedule. Counts and states only.

import { registerPage, addStrings } from '../shell.js';
import { h, field, replace, when } from '../dom.js';
import { BOARD, useStyles, messageBox, busy, showOk } from './common.js';

const STATES = ['offline', 'stalled', 'late', 'incidents', 'online'];
const REFRESH_MS = 5000;

addStrings({
  vi: {
    'cr.state.offline': 'Không kết nối', 'cr.state.stalled': 'Đình trệ', 'cr.state.late': 'Chậm mở đề', 'cr.state.incidents': 'Có sự cố', 'cr.state.online': 'Bình thường',
    'cr.all': 'Tất cả', 'cr.filter': 'Lọc theo trạng thái', 'cr.search': 'Tìm điểm thi', 'cr.pause': 'Tạm dừng cập nhật', 'cr.resume': 'Tiếp tục cập nhật',
    'cr.updated': 'Cập nhật lúc {time}. Tự cập nhật mỗi 5 giây.', 'cr.paused': 'Đã tạm dừng cập nhật (lần cuối lúc {time}).',
    'cr.summary': 'Tổng quan', 'cr.sites': 'Các điểm thi', 'cr.none': 'Không có điểm thi nào khớp.', 'cr.nosites': 'Chưa đăng ký điểm thi nào (trang Điểm thi và kết quả).',
    'cr.col.site': 'Điểm thi', 'cr.col.state': 'Trạng thái', 'cr.col.last': 'Báo cáo gần nhất', 'cr.col.events': 'Kỳ thi',
    'cr.col.logged': 'Đang đăng nhập', 'cr.col.progress': 'Đang làm bài', 'cr.col.submitted': 'Đã nộp', 'cr.col.absent': 'Vắng', 'cr.col.incidents': 'Sự cố', 'cr.col.version': 'Phiên bản',
    'cr.never': 'chưa từng', 'cr.ago.s': '{n} giây trước', 'cr.ago.m': '{n} phút trước', 'cr.ago.h': '{n} giờ trước',
    'cr.ev.created': 'mới tạo', 'cr.ev.packaged': 'chưa mở đề', 'cr.ev.open': 'đang thi', 'cr.ev.scored': 'đã chấm', 'cr.ev.late': 'chậm mở đề',
    'cr.schedule': 'Lịch mở đề', 'cr.schedule.hint': 'Điểm thi chưa mở đề sau giờ này {grace} phút được đánh dấu “Chậm mở đề”.', 'cr.event': 'Mã kỳ thi', 'cr.unlock_by': 'Giờ mở đề',
    'cr.schedule.set': 'Đặt giờ mở đề', 'cr.schedule.saved': 'Đã đặt giờ mở đề cho {event}.', 'cr.schedule.remove': 'Bỏ {event} khỏi lịch', 'cr.schedule.none': 'Chưa có kỳ thi nào trong lịch.',
    'cr.back': 'Về phòng điều hành', 'cr.fingerprint': 'Dấu vân tay khoá', 'cr.nodes': 'Máy chủ', 'cr.node.on': 'trực tuyến', 'cr.node.off': 'không kết nối',
    'cr.chains': 'Chuỗi băm', 'cr.chain.responses': 'bài làm: {n} bản ghi', 'cr.chain.audit': 'nhật ký: {n} bản ghi', 'cr.rooms': 'Các phòng thi — {event}',
    'cr.col.room': 'Phòng', 'cr.col.candidates': 'Thí sinh', 'cr.col.paused': 'Tạm dừng', 'cr.col.disconnected': 'Mất kết nối', 'cr.col.terminated': 'Đình chỉ', 'cr.col.notstarted': 'Chưa bắt đầu',
    'cr.history': 'Một giờ qua', 'cr.col.at': 'Thời điểm', 'cr.col.node': 'Máy chủ', 'cr.col.chain': 'Độ dài chuỗi bài làm', 'cr.nohistory': 'Không có báo cáo trong một giờ qua.',
  },
  en: {
    'cr.state.offline': 'Offline', 'cr.state.stalled': 'Stalled', 'cr.state.late': 'Late to unlock', 'cr.state.incidents': 'With incidents', 'cr.state.online': 'Online',
    'cr.all': 'All', 'cr.filter': 'Filter by state', 'cr.search': 'Find a site', 'cr.pause': 'Pause updates', 'cr.resume': 'Resume updates',
    'cr.updated': 'Updated at {time}. Updates every 5 seconds.', 'cr.paused': 'Updates paused (last at {time}).',
    'cr.summary': 'Overview', 'cr.sites': 'Sites', 'cr.none': 'No site matches.', 'cr.nosites': 'No site is registered yet (the Sites and results page).',
    'cr.col.site': 'Site', 'cr.col.state': 'State', 'cr.col.last': 'Last report', 'cr.col.events': 'Events',
    'cr.col.logged': 'Logged in', 'cr.col.progress': 'In progress', 'cr.col.submitted': 'Submitted', 'cr.col.absent': 'Absent', 'cr.col.incidents': 'Incidents', 'cr.col.version': 'Version',
    'cr.never': 'never', 'cr.ago.s': '{n} s ago', 'cr.ago.m': '{n} min ago', 'cr.ago.h': '{n} h ago',
    'cr.ev.created': 'created', 'cr.ev.packaged': 'not unlocked', 'cr.ev.open': 'sitting', 'cr.ev.scored': 'scored', 'cr.ev.late': 'late to unlock',
    'cr.schedule': 'Unlock schedule', 'cr.schedule.hint': 'Sites still locked {grace} minutes after this time are marked “Late to unlock”.', 'cr.event': 'Event id', 'cr.unlock_by': 'Unlock time',
    'cr.schedule.set': 'Set the unlock time', 'cr.schedule.saved': 'Unlock time of {event} set.', 'cr.schedule.remove': 'Remove {event} from the schedule', 'cr.schedule.none': 'No event is scheduled.',
    'cr.back': 'Back to the control room', 'cr.fingerprint': 'Key fingerprint', 'cr.nodes': 'Servers', 'cr.node.on': 'online', 'cr.node.off': 'offline',
    'cr.chains': 'Hash chains', 'cr.chain.responses': 'responses: {n} rows', 'cr.chain.audit': 'audit: {n} rows', 'cr.rooms': 'Rooms — {event}',
    'cr.col.room': 'Room', 'cr.col.candidates': 'Candidates', 'cr.col.paused': 'Paused', 'cr.col.disconnected': 'Disconnected', 'cr.col.terminated': 'Terminated', 'cr.col.notstarted': 'Not started',
    'cr.history': 'The last hour', 'cr.col.at': 'When', 'cr.col.node': 'Server', 'cr.col.chain': 'Response chain length', 'cr.nohistory': 'No report in the last hour.',
  },
});

function table(caption, headers, rows) {
  return h('div', { class: 'table-scroll' }, h('table', { class: 'data' }, caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((x, i) => h('th', { scope: 'col', class: i > 0 && typeof x === 'object' ? 'num' : null }, typeof x === 'object' ? x.text : x)))), h('tbody', {}, rows)));
}

const num = (text) => ({ text });

function badge(t, state) {
  return h('span', { class: `badge site-${state}` }, t(`cr.state.${state}`));
}

function ago(t, seconds) {
  if (seconds === null || seconds === undefined) return t('cr.never');
  if (seconds < 120) return t('cr.ago.s', { n: seconds });
  if (seconds < 7200) return t('cr.ago.m', { n: Math.floor(seconds / 60) });
  return t('cr.ago.h', { n: Math.floor(seconds / 3600) });
}

function clock(lang) {
  return new Date().toLocaleTimeString(lang === 'en' ? 'en-GB' : 'vi-VN');
}

/** Polls `load` every REFRESH_MS with a pause/resume button and a status line; returns {controls, stop}. */
function autoRefresh(t, lang, load) {
  let paused = false;
  let last = clock(lang);
  const status = h('p', { class: 'hint cr-status' });
  const button = h('button', { type: 'button', 'aria-pressed': 'false' }, t('cr.pause'));
  const say = () => status.replaceChildren(paused ? t('cr.paused', { time: last }) : t('cr.updated', { time: last }));
  button.addEventListener('click', () => {
    paused = !paused;
    button.setAttribute('aria-pressed', String(paused));
    button.textContent = paused ? t('cr.resume') : t('cr.pause');
    say();
  });
  const timer = setInterval(async () => {
    if (paused || document.hidden) return;
    try {
      await load();
      last = clock(lang);
      say();
    } catch (err) {
      status.replaceChildren(String(err?.text || err?.message || err));
    }
  }, REFRESH_MS);
  say();
  return { controls: h('div', { class: 'actions cr-controls' }, button, status), stop: () => clearInterval(timer), touched: () => { last = clock(lang); say(); } };
}

function eventsCell(t, events) {
  if (!events.length) return '–';
  return h('ul', { class: 'cr-events' }, events.map((e) => h('li', {}, h('span', { class: 'mono' }, e.id), ': ',
    e.late ? h('strong', { class: 'site-late' }, t('cr.ev.late')) : t(`cr.ev.${e.status}`) || e.status)));
}

function siteRow(t, s) {
  const flags = s.flags.length ? s.flags : ['online'];
  return h('tr', { dataset: { state: s.state } },
    h('th', { scope: 'row' }, h('a', { href: `#/control-room/${encodeURIComponent(s.site_id)}` }, s.name)),
    h('td', {}, flags.map((f) => badge(t, f))),
    h('td', {}, ago(t, s.age_seconds)),
    h('td', {}, eventsCell(t, s.events)),
    ...[s.total.logged_in, s.total.in_progress, s.total.submitted, s.total.absent, s.incidents].map((n) => h('td', { class: 'num' }, String(n))),
    h('td', {}, s.software_version || '–'));
}

function scheduleBox(ctx, grace) {
  const { t } = ctx;
  const list = h('div', {});
  const event = h('input', { type: 'text', required: true, maxlength: '200', class: 'mono', autocomplete: 'off' });
  const at = h('input', { type: 'datetime-local', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('cr.schedule.set'));
  const box = messageBox();
  const load = async () => {
    const rows = await ctx.api('control-room/schedule');
    replace(list, rows.length ? h('ul', { class: 'cr-schedule' }, rows.map((r) => h('li', {}, h('span', { class: 'mono' }, r.event_id), ` — ${when(r.unlock_by, ctx.lang)} `,
      h('button', { type: 'button', 'aria-label': t('cr.schedule.remove', { event: r.event_id }), onclick: () => busy(submit, box, ctx, async () => {
        await ctx.api(`control-room/schedule/${encodeURIComponent(r.event_id)}`, { method: 'DELETE', as: 'response' });
        await load();
      }) }, '✕')))) : h('p', {}, t('cr.schedule.none')));
  };
  const form = h('form', { class: 'panel' }, h('h2', {}, t('cr.schedule')), h('p', { class: 'hint' }, t('cr.schedule.hint', { grace })),
    field(t('cr.event'), event), field(t('cr.unlock_by'), at), h('div', { class: 'actions' }, submit), box, list);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, box, ctx, async () => {
      const r = await ctx.api('control-room/schedule', { method: 'PUT', json: { event_id: event.value.trim(), unlock_by: new Date(at.value).toISOString() } });
      showOk(box, t('cr.schedule.saved', { event: r.event_id }));
      event.value = '';
      await load();
    });
  });
  return { form, load };
}

registerPage({
  route: 'control-room', roles: BOARD, order: 65, title: { vi: 'Phòng điều hành ngày thi', en: 'Exam-day control room' },
  nav: { vi: 'Điều hành', en: 'Control room' }, keepOnLangChange: false,
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    let data = null;
    let filter = ctx.query.get('state') || '';
    const summary = h('div', { class: 'cr-summary' });
    const sites = h('div', {});
    const select = h('select', {}, h('option', { value: '' }, t('cr.all')), STATES.map((s) => h('option', { value: s }, t(`cr.state.${s}`))));
    select.value = filter;
    const search = h('input', { type: 'search', autocomplete: 'off' });
    const draw = () => {
      if (!data) return;
      const words = search.value.trim().toLowerCase();
      replace(summary, h('ul', { class: 'cr-counts' }, h('li', {}, h('strong', {}, String(data.sites.length)), ` ${t('cr.all')}`),
        STATES.map((s) => h('li', { class: `site-${s}` }, h('strong', {}, String(data.summary[s] || 0)), ` ${t(`cr.state.${s}`)}`))));
      const shown = data.sites.filter((s) => (!filter || s.state === filter || s.flags.includes(filter)) && (!words || s.name.toLowerCase().includes(words)));
      if (!data.sites.length) { replace(sites, h('p', {}, t('cr.nosites'))); return; }
      replace(sites, shown.length ? table(t('cr.sites'), [t('cr.col.site'), t('cr.col.state'), t('cr.col.last'), t('cr.col.events'),
        num(t('cr.col.logged')), num(t('cr.col.progress')), num(t('cr.col.submitted')), num(t('cr.col.absent')), num(t('cr.col.incidents')), t('cr.col.version')],
      shown.map((s) => siteRow(t, s))) : h('p', {}, t('cr.none')));
    };
    const load = async () => { data = await ctx.api('control-room'); draw(); };
    select.addEventListener('change', () => { filter = select.value; draw(); });
    search.addEventListener('input', draw);
    await load();
    const refresh = autoRefresh(t, ctx.lang, load);
    const schedule = scheduleBox(ctx, data.late_after_minutes);
    el.append(
      h('section', { class: 'panel', 'aria-labelledby': 'cr-summary-h' }, h('h2', { id: 'cr-summary-h' }, t('cr.summary')), summary, refresh.controls),
      h('section', { class: 'panel' }, h('h2', {}, t('cr.sites')), h('div', { class: 'board-grid cr-filters' }, field(t('cr.filter'), select), field(t('cr.search'), search)), sites),
      schedule.form);
    await schedule.load();
    return refresh.stop;
  },
});

function roomsTable(t, event) {
  const cols = ['candidates', 'not_started', 'in_progress', 'paused', 'submitted', 'terminated', 'absent', 'logged_in', 'disconnected', 'incidents'];
  const names = ['cr.col.candidates', 'cr.col.notstarted', 'cr.col.progress', 'cr.col.paused', 'cr.col.submitted', 'cr.col.terminated', 'cr.col.absent', 'cr.col.logged', 'cr.col.disconnected', 'cr.col.incidents'];
  return h('section', { class: 'panel' }, h('h2', {}, t('cr.rooms', { event: event.title ? `${event.id} (${event.title})` : event.id })),
    table(null, [t('cr.col.room'), ...names.map((n) => num(t(n)))], event.rooms.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.name),
      cols.map((c) => h('td', { class: 'num' }, String(r[c])))))));
}

registerPage({
  route: 'control-room/:site', roles: BOARD, order: 66, title: { vi: 'Điểm thi', en: 'Site' },
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const body = h('div', {});
    const load = async () => {
      const d = await ctx.api(`control-room/sites/${encodeURIComponent(ctx.params.site)}`);
      const s = d.site;
      ctx.setTitle(s.name);
      const flags = s.flags.length ? s.flags : ['online'];
      const info = h('section', { class: 'panel' }, h('dl', { class: 'kv' },
        h('dt', {}, t('cr.col.state')), h('dd', {}, flags.map((f) => badge(t, f))),
        h('dt', {}, t('cr.col.last')), h('dd', {}, s.last_report_at ? `${when(s.last_report_at, ctx.lang)} (${ago(t, s.age_seconds)})` : t('cr.never')),
        h('dt', {}, t('cr.col.version')), h('dd', {}, s.software_version || '–'),
        h('dt', {}, t('cr.fingerprint')), h('dd', { class: 'mono' }, s.fingerprint),
        h('dt', {}, t('cr.nodes')), h('dd', {}, s.nodes.length ? s.nodes.map((n) => `${n.node} (${t(n.online ? 'cr.node.on' : 'cr.node.off')})`).join(', ') : '–'),
        h('dt', {}, t('cr.chains')), h('dd', {}, s.chains ? `${t('cr.chain.responses', { n: s.chains.responses.length })}; ${t('cr.chain.audit', { n: s.chains.audit.length })}` : '–')));
      const newest = d.reports.slice().sort((a, b) => b.counter - a.counter)[0];
      const rooms = newest ? newest.events.filter((e) => e.rooms.length).map((e) => roomsTable(t, e)) : [];
      const history = h('section', { class: 'panel' }, h('h2', {}, t('cr.history')), d.history.length
        ? table(t('cr.history'), [t('cr.col.at'), t('cr.col.node'), num(t('cr.col.logged')), num(t('cr.col.progress')), num(t('cr.col.submitted')), num(t('cr.col.incidents')), num(t('cr.col.chain'))],
          d.history.map((p) => h('tr', {}, h('th', { scope: 'row' }, when(p.received_at, ctx.lang)), h('td', {}, p.node),
            [p.logged_in, p.in_progress, p.submitted, p.incidents, p.responses_length].map((n) => h('td', { class: 'num' }, String(n))))))
        : h('p', {}, t('cr.nohistory')));
      replace(body, info, rooms, history);
    };
    await load();
    const refresh = autoRefresh(t, ctx.lang, load);
    el.append(h('p', {}, h('a', { href: '#/control-room' }, t('cr.back'))), refresh.controls, body);
    return refresh.stop;
  },
});

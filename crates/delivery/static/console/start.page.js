// At the start (issue 13): the content's release key (its form checked in the page before it is
// sent, see key-form.js), then the live overview of every room — logged in, in progress,
// submitted, absent, disconnected, incidents — refreshed every few seconds, each room one click
// from its proctor page, and the exam's progress over time.

import { registerPage } from './shell.js';
import { h, field, replace, when } from './dom.js';
import { addStrings } from './i18n.js';
import { lineChart } from './charts.js';
import { eventPath, eventTabs, fetchLink } from './common.js';
import { keyForm } from './key-form.js';
import { seatMap } from './seat-map.js';

addStrings({
  vi: {
    'st.unlock': 'Mở đề', 'st.key': 'Mã khóa mở đề', 'st.unlock.submit': 'Mở đề',
    'st.unlocked': 'Đề đã được mở lúc {at}. Thí sinh có thể đăng nhập và làm bài.',
    'st.need_package': 'Hãy nhập gói đề trước (mục Trước giờ thi).',
    'st.overview': 'Các phòng thi', 'st.updated': 'Cập nhật lúc {at} (tự làm mới sau mỗi 3 giây).',
    'st.room': 'Phòng', 'st.candidates': 'Thí sinh', 'st.connected': 'Đang kết nối', 'st.disconnected': 'Mất kết nối',
    'st.incidents': 'Ghi nhận', 'st.total': 'Cả điểm thi', 'st.open_proctor': 'Xem phòng {room} ở trang giám thị',
    'st.progress': 'Tiến độ làm bài', 'st.progress.none': 'Chưa có thí sinh nào bắt đầu.',
    'st.progress.desc': 'Số thí sinh đã bắt đầu, đã nộp bài và số câu đã trả lời theo thời gian.',
    'st.progress.started': 'Đã bắt đầu', 'st.progress.submitted': 'Đã nộp bài', 'st.progress.answered': 'Câu đã trả lời (trục phải)',
    'st.progress.time': 'Phút từ lúc bắt đầu', 'st.progress.people': 'Thí sinh', 'st.progress.answers': 'Câu trả lời',
  },
  en: {
    'st.unlock': 'Unlock the content', 'st.key': 'Content release code', 'st.unlock.submit': 'Unlock',
    'st.unlocked': 'The content was unlocked at {at}. Candidates may sign in and sit.',
    'st.need_package': 'Import the package first (Before the exam).',
    'st.overview': 'Rooms', 'st.updated': 'Updated at {at} (refreshed every 3 seconds).',
    'st.room': 'Room', 'st.candidates': 'Candidates', 'st.connected': 'Connected', 'st.disconnected': 'Disconnected',
    'st.incidents': 'Log entries', 'st.total': 'Whole site', 'st.open_proctor': "Open room {room}'s proctor page",
    'st.progress': 'Progress', 'st.progress.none': 'No candidate has started yet.',
    'st.progress.desc': 'Candidates started and submitted, and questions answered, over time.',
    'st.progress.started': 'Started', 'st.progress.submitted': 'Submitted', 'st.progress.answered': 'Questions answered (right axis)',
    'st.progress.time': 'Minutes since the first start', 'st.progress.people': 'Candidates', 'st.progress.answers': 'Answers',
  },
});

const COLUMNS = ['candidates', 'connected', 'in_progress', 'paused', 'submitted', 'absent', 'not_started', 'disconnected', 'incidents'];

function overviewTable(ctx, id, o) {
  const { t } = ctx;
  const cells = (c) => COLUMNS.map((k) => h('td', { class: `num${k === 'disconnected' && c[k] ? ' alert' : ''}`, dataset: { col: k } }, String(c[k] ?? 0)));
  const link = (r) => h('a', {
    href: `/proctor?event=${encodeURIComponent(id)}&room=${encodeURIComponent(r.name)}`,
    target: '_blank', rel: 'noopener', 'aria-label': t('st.open_proctor', { room: r.name }),
  }, r.name);
  return h('table', { class: 'data overview', id: 'overview' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('st.room')), COLUMNS.map((k) => h('th', { scope: 'col', class: 'num' }, t(`st.${k}`))))),
    h('tbody', {}, o.rooms.map((r) => h('tr', { dataset: { room: r.name } }, h('th', { scope: 'row' }, link(r)), cells(r)))),
    h('tfoot', {}, h('tr', { dataset: { room: '' } }, h('th', { scope: 'row' }, t('st.total')), cells(o.total))));
}

/** Writes the overview's numbers into the table already shown; false when its rooms changed. */
function updateCells(live, o) {
  const rows = [...o.rooms.map((r) => [r.name, r]), ['', o.total]];
  const shown = live.querySelectorAll('#overview tr[data-room]');
  if (shown.length !== rows.length || rows.some(([name], i) => shown[i].dataset.room !== name)) return false;
  rows.forEach(([, counts], i) => {
    for (const td of shown[i].querySelectorAll('td[data-col]')) {
      const v = counts[td.dataset.col] ?? 0;
      td.textContent = String(v);
      td.classList.toggle('alert', td.dataset.col === 'disconnected' && v > 0);
    }
  });
  return true;
}

function progressChart(ctx, p) {
  const { t } = ctx;
  if (!p.points.length) return h('p', { class: 'muted' }, t('st.progress.none'));
  const first = new Date(p.points[0].at).getTime();
  const xs = p.points.map((pt) => (new Date(pt.at).getTime() - first) / 60000);
  return lineChart({
    title: t('st.progress'), desc: t('st.progress.desc'), xs,
    xLabel: t('st.progress.time'), yLabel: t('st.progress.people'), y2Label: t('st.progress.answers'),
    series: [
      { name: t('st.progress.started'), values: p.points.map((pt) => pt.started) },
      { name: t('st.progress.submitted'), values: p.points.map((pt) => pt.submitted) },
      { name: t('st.progress.answered'), values: p.points.map((pt) => pt.answered), axis: 'right' },
    ],
  });
}

function unlockPanel(ctx, ev, redraw) {
  const { t } = ctx;
  let body;
  if (ev.unlocked_at) body = h('p', { class: 'ok-box', id: 'unlocked' }, t('st.unlocked', { at: when(ev.unlocked_at, ctx.lang) }));
  else if (!ev.package_id) body = h('p', { class: 'warn-box' }, t('st.need_package'));
  else {
    body = keyForm({
      ctx, id: 'unlock-key', label: t('st.key'), submit: t('st.unlock.submit'),
      send: async (code) => {
        await ctx.api(eventPath(ev.id, 'unlock'), { method: 'POST', json: { release_key: code } });
        await redraw();
      },
    });
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'h-unlock' }, h('h2', { id: 'h-unlock' }, t('st.unlock')), body);
}

registerPage({
  route: 'events/:id/start',
  roles: ['exam_board', 'admin'],
  title: { vi: 'Bắt đầu và theo dõi', en: 'Start and watch' },
  async render(el, ctx) {
    const { t } = ctx;
    const id = ctx.params.id;
    const live = h('div', { id: 'live' });
    const chart = h('div', { id: 'progress' });
    const updated = h('p', { class: 'muted', id: 'overview-updated' });
    const map = h('div', { id: 'seat-map-box' });
    const pick = h('select', { id: 'map-room' });
    let mapped = [];
    const refreshMap = async () => {
      const room = mapped.find((r) => r.id === pick.value);
      if (!room) return replace(map, h('p', { class: 'muted' }, t('map.none')));
      const { candidates } = await ctx.api(eventPath(id, 'candidates'));
      replace(map, seatMap(room, candidates));
    };
    pick.addEventListener('change', refreshMap);
    const refresh = async () => {
      const [o, p] = await Promise.all([ctx.api(eventPath(id, 'overview')), ctx.api(eventPath(id, 'progress'))]);
      // Same rooms: the numbers change in place, so keyboard focus on a room's link stays put.
      if (!updateCells(live, o)) replace(live, overviewTable(ctx, id, o));
      const withLayout = o.rooms.filter((r) => r.layout);
      if (withLayout.map((r) => r.id).join() !== mapped.map((r) => r.id).join()) {
        replace(pick, withLayout.map((r) => h('option', { value: r.id }, r.name)));
      }
      mapped = withLayout;
      await refreshMap();
      replace(chart, progressChart(ctx, p));
      updated.textContent = t('st.updated', { at: when(o.server_time, ctx.lang) });
    };
    const draw = async () => {
      const ev = await ctx.api(eventPath(id));
      ctx.setTitle(`${ev.title} · ${t('tab.start')}`);
      replace(el, eventTabs(id, 'start'), unlockPanel(ctx, ev, draw),
        h('section', { class: 'panel', 'aria-labelledby': 'h-overview' }, h('h2', { id: 'h-overview' }, t('st.overview')), updated, live,
          h('p', {}, fetchLink(`/api/v1/${eventPath(id, 'record')}`, t('end.site_record'), { newTab: true }))),
        h('section', { class: 'panel', 'aria-labelledby': 'h-map' }, h('h2', { id: 'h-map' }, t('map.title')), field(t('map.room'), pick), map),
        h('section', { class: 'panel', 'aria-labelledby': 'h-progress' }, h('h2', { id: 'h-progress' }, t('st.progress')), chart));
      await refresh();
    };
    await draw();
    let busy = false;
    const timer = setInterval(async () => {
      if (busy || document.hidden) return;
      busy = true;
      try {
        await refresh();
      } catch (err) {
        updated.textContent = ctx.errorText(err);
      } finally {
        busy = false;
      }
    }, 3000);
    return () => clearInterval(timer);
  },
});

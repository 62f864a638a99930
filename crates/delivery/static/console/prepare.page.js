// Before the exam (issue 13): the package (its signature checked against the board key pinned on
// this server, every refusal in words), the rooms with their seats, the candidates from CSV with
// the API's per-row report, proctor accounts bound to rooms, and each room's login slips, proctor
// page and biên bản one click away.

import { registerPage } from './shell.js';
import { h, field, replace } from './dom.js';
import { addStrings } from './i18n.js';
import { errorBox, eventPath, eventTabs, fetchLink, refusalText } from './common.js';

addStrings({
  vi: {
    'pre.package': 'Gói đề', 'pre.package.file': 'Tệp gói đề của Hội đồng (.json)', 'pre.package.import': 'Nhập gói đề',
    'pre.package.none': 'Chưa nhập gói đề.', 'pre.package.done': 'Đã nhập và kiểm tra chữ ký gói đề {id}.',
    'pre.package.summary': 'Gói {id} · môn {subject} · {minutes} phút · {versions} mã đề ({codes}) · người ký {signer}',
    'pre.choose_file': 'Hãy chọn một tệp.',
    'pre.rooms': 'Phòng thi', 'pre.room.name': 'Tên phòng', 'pre.room.seats': 'Số chỗ ngồi', 'pre.room.add': 'Thêm phòng',
    'pre.room.candidates': 'Thí sinh', 'pre.room.links': 'In ấn và theo dõi', 'pre.rooms.none': 'Chưa có phòng thi.',
    'pre.room.layout': 'Sơ đồ (hàng × cột)', 'pre.room.rows': 'Số hàng (tùy chọn)', 'pre.room.columns': 'Số cột (tùy chọn)',
    'pre.room.sheet': 'Phiếu mã đăng nhập', 'pre.room.table': 'Danh sách cho giám thị', 'pre.room.proctor': 'Trang giám thị', 'pre.room.record': 'Biên bản phòng',
    'pre.candidates': 'Thí sinh', 'pre.csv.file': 'Danh sách thí sinh (CSV)', 'pre.csv.import': 'Nhập danh sách',
    'pre.csv.hint': 'Dòng tiêu đề: so_bao_danh,ho_ten,ngay_sinh,phong[,ghe]; thêm nếu có: truong, quan_huyen, vung, gioi_tinh (để phân tích DIF và đối sánh). Có lỗi ở bất kỳ dòng nào thì không dòng nào được nhập.',
    'pre.csv.done': 'Đã nhập {count} thí sinh.', 'pre.csv.refused': 'Không nhập dòng nào: {count} lỗi. Hãy sửa tệp rồi nhập lại.',
    'pre.csv.line': 'Dòng', 'pre.csv.number': 'Số báo danh', 'pre.csv.field': 'Cột', 'pre.csv.message': 'Lỗi',
    'pre.csv.total': 'Đã có {count} thí sinh trong kỳ thi.',
    'pre.proctors': 'Cán bộ coi thi', 'pre.proctor.room': 'Phòng', 'pre.proctor.username': 'Tên đăng nhập',
    'pre.proctor.name': 'Họ và tên', 'pre.proctor.password': 'Mật khẩu (ít nhất 10 ký tự)', 'pre.proctor.add': 'Tạo tài khoản và phân phòng',
    'pre.proctor.done': 'Đã tạo tài khoản {username} coi phòng {room}.',
    'pre.proctor.hint': 'Mỗi tài khoản coi thi chỉ thấy phòng được phân. Giám thị đăng nhập ở trang /proctor.',
  },
  en: {
    'pre.package': 'Package', 'pre.package.file': "The board's package file (.json)", 'pre.package.import': 'Import package',
    'pre.package.none': 'No package imported yet.', 'pre.package.done': 'Package {id} imported, its signature checked.',
    'pre.package.summary': 'Package {id} · subject {subject} · {minutes} minutes · {versions} versions ({codes}) · signer {signer}',
    'pre.choose_file': 'Choose a file.',
    'pre.rooms': 'Rooms', 'pre.room.name': 'Room name', 'pre.room.seats': 'Seats', 'pre.room.add': 'Add room',
    'pre.room.candidates': 'Candidates', 'pre.room.links': 'Print and watch', 'pre.rooms.none': 'No rooms yet.',
    'pre.room.layout': 'Layout (rows × columns)', 'pre.room.rows': 'Rows (optional)', 'pre.room.columns': 'Columns (optional)',
    'pre.room.sheet': 'Login slips', 'pre.room.table': 'Proctor table', 'pre.room.proctor': 'Proctor page', 'pre.room.record': 'Room record',
    'pre.candidates': 'Candidates', 'pre.csv.file': 'Candidate list (CSV)', 'pre.csv.import': 'Import list',
    'pre.csv.hint': 'Header row: so_bao_danh,ho_ten,ngay_sinh,phong[,ghe] (or number,full_name,date_of_birth,room[,seat]); optionally school, district, region, sex (for DIF and group comparisons). Any bad row refuses the whole file.',
    'pre.csv.done': '{count} candidates imported.', 'pre.csv.refused': 'Nothing imported: {count} problems. Fix the file and import it again.',
    'pre.csv.line': 'Line', 'pre.csv.number': 'Number', 'pre.csv.field': 'Column', 'pre.csv.message': 'Problem',
    'pre.csv.total': 'The event has {count} candidates.',
    'pre.proctors': 'Proctors', 'pre.proctor.room': 'Room', 'pre.proctor.username': 'Username',
    'pre.proctor.name': 'Full name', 'pre.proctor.password': 'Password (10 characters or more)', 'pre.proctor.add': 'Create account and assign',
    'pre.proctor.done': 'Account {username} created for room {room}.',
    'pre.proctor.hint': 'A proctor account sees only its rooms. Proctors sign in at /proctor.',
  },
});

function packagePanel(ctx, ev, reload) {
  const { t } = ctx;
  const m = ev.manifest;
  const file = h('input', { id: 'pkg-file', type: 'file', accept: '.json,application/json' });
  const out = h('div', { id: 'pkg-result', 'aria-live': 'polite' });
  const summary = m
    ? h('p', { id: 'pkg-summary', class: 'ok-box' }, t('pre.package.summary', {
      id: m.package_id, subject: m.subject, minutes: m.duration_minutes, versions: m.versions.length,
      codes: m.versions.map((v) => v.code).join(', '), signer: m.signer,
    }))
    : h('p', { id: 'pkg-summary', class: 'muted' }, t('pre.package.none'));
  const form = h('form', { novalidate: true }, h('div', { class: 'row' }, field(t('pre.package.file'), file),
    h('button', { type: 'submit', class: 'primary', id: 'pkg-import' }, t('pre.package.import'))), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(out);
    const f = file.files[0];
    if (!f) return replace(out, errorBox(t('pre.choose_file')));
    try {
      const done = await ctx.api(eventPath(ev.id, 'package'), { method: 'POST', body: f, headers: { 'content-type': 'application/octet-stream' } });
      await reload();
      replace(document.getElementById('pkg-result'), h('p', { role: 'status' }, t('pre.package.done', { id: done.package_id })));
    } catch (err) {
      replace(out, errorBox(refusalText(err, ctx)));
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'h-pkg' }, h('h2', { id: 'h-pkg' }, t('pre.package')), summary, form);
}

function roomLinks(t, ev, room) {
  const base = `/api/v1/${eventPath(ev.id, `rooms/${encodeURIComponent(room.id)}`)}`;
  const proctor = `/proctor?event=${encodeURIComponent(ev.id)}&room=${encodeURIComponent(room.name)}`;
  return h('td', { class: 'links' },
    fetchLink(`${base}/sheet?format=slips`, t('pre.room.sheet'), { newTab: true }), ' ',
    fetchLink(`${base}/sheet?format=table`, t('pre.room.table'), { newTab: true }), ' ',
    fetchLink(proctor, t('pre.room.proctor'), { newTab: true }), ' ',
    fetchLink(`${base}/record`, t('pre.room.record'), { newTab: true }));
}

function layoutText(layout) {
  return layout ? `${layout.rows} × ${layout.columns}` : '–';
}

function roomsPanel(ctx, ev, rooms, counts, reload) {
  const { t } = ctx;
  const name = h('input', { id: 'room-name', autocomplete: 'off' });
  const seats = h('input', { id: 'room-seats', type: 'number', min: '1', max: '10000', class: 'narrow' });
  const rows = h('input', { id: 'room-rows', type: 'number', min: '1', max: '50', class: 'narrow' });
  const columns = h('input', { id: 'room-columns', type: 'number', min: '1', max: '50', class: 'narrow' });
  const out = h('div', { id: 'room-error' });
  const table = rooms.length
    ? h('table', { class: 'data', id: 'rooms-table' },
      h('thead', {}, h('tr', {}, ['pre.room.name', 'pre.room.seats', 'pre.room.layout', 'pre.room.candidates', 'pre.room.links'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, rooms.map((r) => h('tr', { dataset: { room: r.name } },
        h('td', {}, r.name), h('td', { class: 'num' }, String(r.seats)), h('td', { class: 'layout' }, layoutText(r.layout)),
        h('td', { class: 'num' }, String(counts[r.id] || 0)), roomLinks(t, ev, r)))))
    : h('p', { class: 'muted' }, t('pre.rooms.none'));
  const form = h('form', { novalidate: true }, h('div', { class: 'row' }, field(t('pre.room.name'), name), field(t('pre.room.seats'), seats),
    field(t('pre.room.rows'), rows), field(t('pre.room.columns'), columns),
    h('button', { type: 'submit', id: 'room-add' }, t('pre.room.add'))), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(out);
    let room;
    try {
      room = await ctx.api(eventPath(ev.id, 'rooms'), { method: 'POST', json: { name: name.value.trim(), seats: Number(seats.value) || 0 } });
    } catch (err) {
      return replace(out, errorBox(ctx.errorText(err)));
    }
    let layoutError = null;
    if (rows.value || columns.value) {
      const layout = { rows: Number(rows.value) || 0, columns: Number(columns.value) || 0 };
      try {
        await ctx.api(eventPath(ev.id, `rooms/${encodeURIComponent(room.id)}/layout`), { method: 'POST', json: layout });
      } catch (err) {
        layoutError = ctx.errorText(err);
      }
    }
    await reload();
    if (layoutError) replace(document.getElementById('room-error'), errorBox(layoutError));
    document.getElementById('room-name')?.focus();
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'h-rooms' }, h('h2', { id: 'h-rooms' }, t('pre.rooms')), table, form);
}

function refusalTable(t, errors) {
  return h('table', { class: 'data', id: 'csv-problems' },
    h('thead', {}, h('tr', {}, ['pre.csv.line', 'pre.csv.number', 'pre.csv.field', 'pre.csv.message'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, errors.map((p) => h('tr', { dataset: { line: p.line } },
      h('td', { class: 'num' }, String(p.line)), h('td', {}, p.number || ''), h('td', { class: 'mono' }, p.field || ''), h('td', {}, p.message)))));
}

function candidatesPanel(ctx, ev, total, reload) {
  const { t } = ctx;
  const file = h('input', { id: 'csv-file', type: 'file', accept: '.csv,text/csv' });
  const out = h('div', { id: 'csv-result' });
  const form = h('form', { novalidate: true }, h('div', { class: 'row' }, field(t('pre.csv.file'), file, t('pre.csv.hint')),
    h('button', { type: 'submit', class: 'primary', id: 'csv-import' }, t('pre.csv.import'))), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(out);
    const f = file.files[0];
    if (!f) return replace(out, errorBox(t('pre.choose_file')));
    try {
      const done = await ctx.api(eventPath(ev.id, 'candidates'), { method: 'POST', body: f, headers: { 'content-type': 'text/csv' } });
      await reload();
      replace(document.getElementById('csv-result'), h('p', { class: 'ok-box', role: 'status' }, t('pre.csv.done', { count: done.imported })));
    } catch (err) {
      const errors = err?.body?.report?.errors;
      if (Array.isArray(errors)) replace(out, errorBox(t('pre.csv.refused', { count: errors.length })), refusalTable(t, errors));
      else replace(out, errorBox(ctx.errorText(err)));
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'h-cands' }, h('h2', { id: 'h-cands' }, t('pre.candidates')),
    h('p', { id: 'cand-total' }, t('pre.csv.total', { count: total })), form);
}

function proctorsPanel(ctx, rooms) {
  const { t } = ctx;
  const room = h('select', { id: 'pr-room' }, rooms.map((r) => h('option', { value: r.id }, r.name)));
  const username = h('input', { id: 'pr-username', autocomplete: 'off', autocapitalize: 'none' });
  const name = h('input', { id: 'pr-name', autocomplete: 'off' });
  const password = h('input', { id: 'pr-password', type: 'password', autocomplete: 'new-password' });
  const out = h('div', { id: 'pr-result', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true }, h('p', { class: 'hint' }, t('pre.proctor.hint')),
    h('div', { class: 'row' }, field(t('pre.proctor.room'), room), field(t('pre.proctor.username'), username),
      field(t('pre.proctor.name'), name), field(t('pre.proctor.password'), password),
      h('button', { type: 'submit', id: 'pr-add', disabled: !rooms.length }, t('pre.proctor.add'))), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(out);
    const json = { username: username.value.trim(), display_name: name.value.trim(), password: password.value, role: 'proctor', rooms: [room.value] };
    try {
      await ctx.api('staff', { method: 'POST', json });
      const roomName = room.selectedOptions[0]?.textContent || '';
      replace(out, h('p', { class: 'ok-box' }, t('pre.proctor.done', { username: json.username, room: roomName })));
      username.value = '';
      name.value = '';
      password.value = '';
    } catch (err) {
      replace(out, errorBox(ctx.errorText(err)));
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'h-proctors' }, h('h2', { id: 'h-proctors' }, t('pre.proctors')), form);
}

registerPage({
  route: 'events/:id',
  roles: ['exam_board', 'admin'],
  title: { vi: 'Trước giờ thi', en: 'Before the exam' },
  async render(el, ctx) {
    const id = ctx.params.id;
    const draw = async () => {
      // The overview's rooms carry their layouts.
      const [ev, { rooms }, { candidates }] = await Promise.all([
        ctx.api(eventPath(id)), ctx.api(eventPath(id, 'overview')), ctx.api(eventPath(id, 'candidates')),
      ]);
      ctx.setTitle(`${ev.title} · ${ctx.t('tab.prepare')}`);
      const counts = {};
      for (const c of candidates) counts[c.room_id] = (counts[c.room_id] || 0) + 1;
      replace(el, eventTabs(id, 'prepare'),
        h('div', { class: 'console-grid' },
          h('div', {}, packagePanel(ctx, ev, draw), candidatesPanel(ctx, ev, candidates.length, draw)),
          h('div', {}, roomsPanel(ctx, ev, rooms, counts, draw), proctorsPanel(ctx, rooms))));
    };
    await draw();
  },
});

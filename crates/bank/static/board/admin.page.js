// The administrator's pages: users (create; change role or organisation, deactivate or reactivate,
// reset a password — `PATCH users/{id}`) and the audit log with filters (who, action, object, time).
// The server's audit filter knows who/action/object; the time window filters the page loaded.

import { registerPage, addStrings } from '../shell.js';
import { h, field, replace, when } from '../dom.js';
import { ADMIN, useStyles, messageBox, busy, showOk } from './common.js';

const ROLES = ['item_writer', 'reviewer', 'exam_board', 'proctor', 'admin'];

addStrings({
  vi: {
    'adm.users': 'Người dùng', 'adm.create': 'Tạo người dùng', 'adm.username': 'Tên đăng nhập', 'adm.display': 'Họ tên', 'adm.role': 'Vai trò',
    'adm.password': 'Mật khẩu (ít nhất 12 ký tự)', 'adm.org': 'Đơn vị', 'adm.active': 'Đang hoạt động', 'adm.inactive': 'Đã khoá',
    'adm.created': 'Đã tạo người dùng {name}.', 'adm.deactivate': 'Khoá tài khoản', 'adm.activate': 'Mở lại tài khoản', 'adm.save_role': 'Đổi vai trò',
    'adm.reset': 'Đặt lại mật khẩu', 'adm.move': 'Chuyển đơn vị', 'adm.org_of': 'Đơn vị mới của {name}', 'adm.new_password': 'Mật khẩu mới cho {name}', 'adm.updated': 'Đã cập nhật {name}.', 'adm.status': 'Trạng thái', 'adm.actions': 'Thao tác',
    'adm.role.item_writer': 'Người soạn câu hỏi', 'adm.role.reviewer': 'Người thẩm định', 'adm.role.exam_board': 'Hội đồng thi', 'adm.role.proctor': 'Giám thị', 'adm.role.admin': 'Quản trị',
    'adm.audit': 'Nhật ký', 'adm.actor': 'Người thực hiện', 'adm.action': 'Hành động', 'adm.target': 'Đối tượng (vd. mã câu hỏi)', 'adm.from': 'Từ', 'adm.to': 'Đến',
    'adm.filter': 'Lọc', 'adm.when': 'Thời điểm', 'adm.detail': 'Chi tiết', 'adm.total': '{shown} / {total} mục', 'adm.none': 'Không có mục nào.',
  },
  en: {
    'adm.users': 'Users', 'adm.create': 'Create a user', 'adm.username': 'Username', 'adm.display': 'Full name', 'adm.role': 'Role',
    'adm.password': 'Password (at least 12 characters)', 'adm.org': 'Organisation', 'adm.active': 'Active', 'adm.inactive': 'Deactivated',
    'adm.created': 'User {name} created.', 'adm.deactivate': 'Deactivate', 'adm.activate': 'Reactivate', 'adm.save_role': 'Change role',
    'adm.reset': 'Reset password', 'adm.move': 'Move', 'adm.org_of': 'New organisation of {name}', 'adm.new_password': 'New password for {name}', 'adm.updated': '{name} updated.', 'adm.status': 'Status', 'adm.actions': 'Actions',
    'adm.role.item_writer': 'Item writer', 'adm.role.reviewer': 'Reviewer', 'adm.role.exam_board': 'Exam board', 'adm.role.proctor': 'Proctor', 'adm.role.admin': 'Administrator',
    'adm.audit': 'Audit log', 'adm.actor': 'Who', 'adm.action': 'Action', 'adm.target': 'Object (e.g. an item id)', 'adm.from': 'From', 'adm.to': 'To',
    'adm.filter': 'Filter', 'adm.when': 'When', 'adm.detail': 'Detail', 'adm.total': '{shown} of {total} entries', 'adm.none': 'No entries.',
  },
});

function roleSelect(t, value, label) {
  return h('select', { 'aria-label': label }, ROLES.map((r) => h('option', { value: r, selected: r === value }, t(`adm.role.${r}`))));
}

function userRow(ctx, u, box, reload) {
  const { t } = ctx;
  const role = roleSelect(t, u.role, `${t('adm.role')} — ${u.username}`);
  const patch = (button, body) => busy(button, box, ctx, async () => {
    await ctx.api(`users/${encodeURIComponent(u.id)}`, { method: 'PATCH', json: body });
    showOk(box, t('adm.updated', { name: u.username }));
    await reload();
  });
  const saveRole = h('button', { type: 'button' }, t('adm.save_role'));
  saveRole.addEventListener('click', () => patch(saveRole, { role: role.value }));
  const toggle = h('button', { type: 'button' }, u.active ? t('adm.deactivate') : t('adm.activate'));
  toggle.addEventListener('click', () => patch(toggle, { active: !u.active }));
  const org = h('input', { type: 'text', size: '10', 'aria-label': t('adm.org_of', { name: u.username }) });
  const move = h('button', { type: 'button' }, t('adm.move'));
  move.addEventListener('click', () => patch(move, { organisation: org.value.trim() }));
  const pw = h('input', { type: 'password', autocomplete: 'new-password', minlength: '12', 'aria-label': t('adm.new_password', { name: u.username }) });
  const reset = h('button', { type: 'button' }, t('adm.reset'));
  reset.addEventListener('click', () => patch(reset, { password: pw.value }));
  return h('tr', {}, h('th', { scope: 'row' }, u.username), h('td', {}, u.display_name), h('td', {}, role, ' ', saveRole), h('td', {}, org, ' ', move),
    h('td', {}, h('span', { class: `badge ${u.active ? 'approved' : 'rejected'}` }, u.active ? t('adm.active') : t('adm.inactive'))),
    h('td', {}, h('div', { class: 'actions' }, toggle, pw, reset)));
}

registerPage({
  route: 'users', roles: ADMIN, order: 70, title: { vi: 'Người dùng', en: 'Users' }, keepOnLangChange: true,
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const box = messageBox();
    const listBox = h('div', {});
    const load = async () => {
      const users = await ctx.api('users');
      replace(listBox, h('div', { class: 'table-scroll' }, h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['adm.username', 'adm.display', 'adm.role', 'adm.org', 'adm.status', 'adm.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, users.map((u) => userRow(ctx, u, box, load))))));
    };
    const username = h('input', { type: 'text', required: true, autocomplete: 'off' });
    const display = h('input', { type: 'text', required: true });
    const role = roleSelect(t, 'item_writer');
    const password = h('input', { type: 'password', required: true, minlength: '12', autocomplete: 'new-password' });
    const create = h('button', { type: 'submit', class: 'primary' }, t('adm.create'));
    const form = h('form', { class: 'panel' }, h('h2', {}, t('adm.create')),
      h('div', { class: 'row' }, field(t('adm.username'), username), field(t('adm.display'), display), field(t('adm.role'), role), field(t('adm.password'), password)),
      h('div', { class: 'actions' }, create));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(create, box, ctx, async () => {
        const u = await ctx.api('users', { method: 'POST', json: { username: username.value.trim(), display_name: display.value.trim(), role: role.value, password: password.value } });
        showOk(box, t('adm.created', { name: u.username }));
        form.reset();
        await load();
      });
    });
    el.append(form, box, h('section', { class: 'panel' }, h('h2', {}, t('adm.users')), listBox));
    await load();
  },
});

registerPage({
  route: 'audit', roles: ADMIN, order: 75, title: { vi: 'Nhật ký', en: 'Audit log' }, keepOnLangChange: true,
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const actor = h('input', { type: 'text', value: ctx.query.get('actor') || '' });
    const action = h('input', { type: 'text', value: ctx.query.get('action') || '' });
    const target = h('input', { type: 'text', value: ctx.query.get('target') || '' });
    const from = h('input', { type: 'datetime-local', value: ctx.query.get('from') || '' });
    const to = h('input', { type: 'datetime-local', value: ctx.query.get('to') || '' });
    const go = h('button', { type: 'submit', class: 'primary' }, t('adm.filter'));
    const box = messageBox();
    const out = h('div', {});
    const load = async () => {
      const query = { per_page: 500 };
      for (const [k, input] of [['actor', actor], ['action', action], ['target', target]]) if (input.value.trim()) query[k] = input.value.trim();
      const page = await ctx.api('audit', { query });
      const lo = from.value ? new Date(from.value).getTime() : -Infinity;
      const hi = to.value ? new Date(to.value).getTime() : Infinity;
      const shown = page.entries.filter((e) => { const at = new Date(e.at).getTime(); return at >= lo && at <= hi; });
      replace(out, h('p', {}, t('adm.total', { shown: shown.length, total: page.total })), shown.length ? h('div', { class: 'table-scroll' }, h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['adm.when', 'adm.actor', 'adm.action', 'adm.target', 'adm.detail'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, shown.map((e) => h('tr', {}, h('th', { scope: 'row' }, when(e.at, ctx.lang)), h('td', {}, `${e.actor} (${e.actor_role})`), h('td', {}, e.action),
          h('td', { class: 'mono' }, `${e.target_type} ${e.target_id}`), h('td', { class: 'mono' }, JSON.stringify(e.detail))))))) : h('p', {}, t('adm.none')));
    };
    const form = h('form', { class: 'panel' }, h('div', { class: 'row' }, field(t('adm.actor'), actor), field(t('adm.action'), action), field(t('adm.target'), target),
      field(t('adm.from'), from), field(t('adm.to'), to), go), box);
    form.addEventListener('submit', (e) => { e.preventDefault(); busy(go, box, ctx, load); });
    el.append(form, out);
    await load();
  },
});

// Sites and results (điểm thi và kết quả): register a delivery site's public key, import a signed
// result file from a site, and list what was imported — each imported file's responses become a
// response set the Calibration page can use.

import { registerPage, addStrings } from '../shell.js';
import { h, field, replace, when } from '../dom.js';
import { BOARD, useStyles, messageBox, busy, showOk } from './common.js';

addStrings({
  vi: {
    'res.sites': 'Điểm thi đã đăng ký', 'res.register': 'Đăng ký điểm thi', 'res.name': 'Tên điểm thi', 'res.key': 'Khoá công khai của điểm thi',
    'res.key.hint': 'Khoá ký (Ed25519) mà máy chủ điểm thi in ra khi khởi động.', 'res.registered': 'Đã đăng ký điểm thi {name}.',
    'res.import': 'Nhập tệp kết quả đã ký', 'res.file': 'Tệp kết quả (.json)', 'res.imported': 'Đã nhập kết quả {id} của kỳ thi {event}.',
    'res.already': 'Tệp này đã được nhập trước đó ({id}).', 'res.list': 'Kết quả đã nhập', 'res.none': 'Chưa có.',
    'res.col.site': 'Điểm thi', 'res.col.fingerprint': 'Dấu vân tay', 'res.col.at': 'Thời điểm', 'res.col.event': 'Kỳ thi',
    'res.col.responses': 'Số bản ghi trả lời', 'res.col.set': 'Bộ dữ liệu', 'res.calibrate': 'Hiệu chỉnh từ bộ này', 'res.col.by': 'Người nhập',
  },
  en: {
    'res.sites': 'Registered sites', 'res.register': 'Register a site', 'res.name': 'Site name', 'res.key': 'The site’s public key',
    'res.key.hint': 'The signing key (Ed25519) the delivery server prints at start.', 'res.registered': 'Site {name} registered.',
    'res.import': 'Import a signed result file', 'res.file': 'Result file (.json)', 'res.imported': 'Result {id} of event {event} imported.',
    'res.already': 'This file was imported before ({id}).', 'res.list': 'Imported results', 'res.none': 'None yet.',
    'res.col.site': 'Site', 'res.col.fingerprint': 'Fingerprint', 'res.col.at': 'When', 'res.col.event': 'Event',
    'res.col.responses': 'Response records', 'res.col.set': 'Response set', 'res.calibrate': 'Calibrate from it', 'res.col.by': 'Imported by',
  },
});

function table(headers, rows) {
  return h('div', { class: 'table-scroll' }, h('table', { class: 'data' }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows)));
}

registerPage({
  route: 'results', roles: BOARD, order: 60, title: { vi: 'Điểm thi và kết quả', en: 'Sites and results' }, keepOnLangChange: true,
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const sitesBox = h('div', {});
    const resultsBox = h('div', {});
    const load = async () => {
      const [sites, results] = await Promise.all([ctx.api('sites'), ctx.api('results')]);
      replace(sitesBox, sites.length ? table([t('res.col.site'), t('res.col.fingerprint'), t('res.col.at')],
        sites.map((s) => h('tr', {}, h('th', { scope: 'row' }, s.name), h('td', { class: 'mono' }, s.fingerprint), h('td', {}, when(s.created_at, ctx.lang))))) : h('p', {}, t('res.none')));
      replace(resultsBox, results.length ? table([t('res.col.event'), t('res.col.site'), t('res.col.responses'), t('res.col.set'), t('res.col.by'), t('res.col.at')],
        results.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.event_id), h('td', {}, r.site_name || r.site_id), h('td', { class: 'num' }, String(r.responses_length)),
          h('td', {}, r.response_set_id ? h('a', { href: `#/calibration?response_set=${encodeURIComponent(r.response_set_id)}` }, t('res.calibrate')) : '–'),
          h('td', {}, r.imported_by), h('td', {}, when(r.imported_at, ctx.lang))))) : h('p', {}, t('res.none')));
    };
    const name = h('input', { type: 'text', required: true });
    const key = h('input', { type: 'text', required: true, class: 'mono', autocomplete: 'off' });
    const reg = h('button', { type: 'submit', class: 'primary' }, t('res.register'));
    const regBox = messageBox();
    const regForm = h('form', { class: 'panel' }, h('h2', {}, t('res.register')), field(t('res.name'), name), field(t('res.key'), key, t('res.key.hint')), h('div', { class: 'actions' }, reg), regBox);
    regForm.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(reg, regBox, ctx, async () => {
        const site = await ctx.api('sites', { method: 'POST', json: { name: name.value.trim(), public_key: key.value.trim() } });
        showOk(regBox, t('res.registered', { name: site.name }));
        name.value = ''; key.value = '';
        await load();
      });
    });
    const file = h('input', { type: 'file', accept: '.json,application/json', required: true });
    const imp = h('button', { type: 'submit', class: 'primary' }, t('res.import'));
    const impBox = messageBox();
    const impForm = h('form', { class: 'panel' }, h('h2', {}, t('res.import')), field(t('res.file'), file), h('div', { class: 'actions' }, imp), impBox);
    impForm.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(imp, impBox, ctx, async () => {
        const body = await file.files[0].text();
        const r = await ctx.api('results', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        showOk(impBox, r.already_imported ? t('res.already', { id: r.id }) : t('res.imported', { id: r.id, event: r.event_id }));
        await load();
      });
    });
    el.append(h('div', { class: 'board-grid' }, regForm, impForm),
      h('section', { class: 'panel' }, h('h2', {}, t('res.sites')), sitesBox), h('section', { class: 'panel' }, h('h2', {}, t('res.list')), resultsBox));
    await load();
  },
});

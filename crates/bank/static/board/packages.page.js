// Packages (gói đề): build a signed, encrypted exam package from frozen forms (picked from the list
// `GET forms?status=frozen`, those named in the address ticked), download it, and see
// its two release keys exactly once — printed or copied now, with a warning that the bank does not
// store them (losing them means building the package again).

import { registerPage, addStrings } from '../shell.js';
import { h, field, replace, when } from '../dom.js';
import { BOARD, useStyles, messageBox, busy, saveBlob } from './common.js';

addStrings({
  vi: {
    'pkg.build': 'Tạo gói đề', 'pkg.event': 'Mã kỳ thi', 'pkg.title_field': 'Tên kỳ thi', 'pkg.forms': 'Các đề đã khoá', 'pkg.forms.none': 'Chưa có đề nào được khoá. Khoá đề ở trang Lắp đề trước.',
    'pkg.forms.need': 'Hãy chọn ít nhất một đề đã khoá.', 'pkg.form.label': '{id} — {blueprint}, {items} câu, mã đề {versions}, khoá lúc {at}',
    'pkg.forms.hint': 'Chọn các đề (đã khoá ở trang Lắp đề) đưa vào gói.', 'pkg.duration': 'Thời gian làm bài (phút)',
    'pkg.keys': 'Khoá phát hành — chỉ hiện một lần', 'pkg.not_stored': 'Ngân hàng KHÔNG lưu hai khoá này. Hãy in hoặc chép lại ngay; đóng trang này là mất khoá.',
    'pkg.content_key': 'Khoá nội dung', 'pkg.keys_key': 'Khoá đáp án', 'pkg.code': 'Mã đọc', 'pkg.hex': 'Dạng hex',
    'pkg.print': 'In khoá', 'pkg.copy': 'Chép khoá', 'pkg.copied': 'Đã chép khoá vào bộ nhớ tạm.', 'pkg.download': 'Tải gói đề',
    'pkg.list': 'Các gói đã tạo', 'pkg.none': 'Chưa có gói đề nào.', 'pkg.col.id': 'Mã gói', 'pkg.col.event': 'Kỳ thi', 'pkg.col.title': 'Tên',
    'pkg.col.forms': 'Đề', 'pkg.col.by': 'Người tạo', 'pkg.col.at': 'Ngày tạo', 'pkg.dismiss': 'Tôi đã lưu khoá',
  },
  en: {
    'pkg.build': 'Build a package', 'pkg.event': 'Event id', 'pkg.title_field': 'Event title', 'pkg.forms': 'Frozen forms', 'pkg.forms.none': 'No form is frozen yet. Freeze forms on the Assembly page first.',
    'pkg.forms.need': 'Choose at least one frozen form.', 'pkg.form.label': '{id} — {blueprint}, {items} items, versions {versions}, frozen {at}',
    'pkg.forms.hint': 'Choose the forms (frozen on the Assembly page) the package carries.', 'pkg.duration': 'Duration (minutes)',
    'pkg.keys': 'Release keys — shown once', 'pkg.not_stored': 'The bank does NOT store these two keys. Print or copy them now; closing this page loses them.',
    'pkg.content_key': 'Content key', 'pkg.keys_key': 'Answer-key key', 'pkg.code': 'Code', 'pkg.hex': 'Hex',
    'pkg.print': 'Print the keys', 'pkg.copy': 'Copy the key', 'pkg.copied': 'Key copied to the clipboard.', 'pkg.download': 'Download the package',
    'pkg.list': 'Packages built', 'pkg.none': 'No packages yet.', 'pkg.col.id': 'Package', 'pkg.col.event': 'Event', 'pkg.col.title': 'Title',
    'pkg.col.forms': 'Forms', 'pkg.col.by': 'Built by', 'pkg.col.at': 'Built', 'pkg.dismiss': 'I have saved the keys',
  },
});

function download(ctx, id, box) {
  const b = h('button', { type: 'button' }, ctx.t('pkg.download'));
  b.addEventListener('click', () => busy(b, box, ctx, async () => saveBlob(await ctx.api(`packages/${encodeURIComponent(id)}/file`, { as: 'blob' }), `${id}.json`)));
  return b;
}

/** The frozen forms as checkboxes in a fieldset; `chosen`: the ids to tick. Returns it and a reader. */
function formPicker(ctx, frozen, chosen) {
  const { t } = ctx;
  const boxes = frozen.map((f) => h('label', { class: 'check-row' },
    h('input', { type: 'checkbox', value: f.id, checked: chosen.includes(f.id) }), ' ',
    t('pkg.form.label', { id: f.id, blueprint: f.blueprint_name ?? f.blueprint_id, items: f.items, versions: f.versions.join(', '), at: when(f.frozen_at, ctx.lang) })));
  const set = h('fieldset', { class: 'form-picker' }, h('legend', {}, t('pkg.forms')),
    boxes.length ? boxes : h('p', { class: 'muted' }, t('pkg.forms.none')), h('p', { class: 'hint' }, t('pkg.forms.hint')));
  const read = () => boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
  return { set, read };
}

function keyBlock(ctx, label, key) {
  const { t } = ctx;
  const copy = h('button', { type: 'button', class: 'no-print' }, t('pkg.copy'));
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(`${key.code}\n${key.hex}`);
      ctx.toast(t('pkg.copied'));
    } catch (err) {
      ctx.toast(ctx.errorText(err), 'error');
    }
  });
  return h('div', {}, h('h3', {}, label),
    h('dl', { class: 'kv' }, h('dt', {}, t('pkg.code')), h('dd', { class: 'key' }, key.code), h('dt', {}, t('pkg.hex')), h('dd', { class: 'key' }, key.hex)), copy);
}

function keysOnce(ctx, built, box) {
  const { t } = ctx;
  const panel = h('section', { class: 'key-once', role: 'alert', 'aria-labelledby': 'keys-once-title' },
    h('h2', { id: 'keys-once-title' }, t('pkg.keys'), ` — ${built.id}`),
    h('p', {}, h('strong', {}, t('pkg.not_stored'))),
    keyBlock(ctx, t('pkg.content_key'), built.content_key), keyBlock(ctx, t('pkg.keys_key'), built.keys_key),
    h('div', { class: 'actions no-print' }, h('button', { type: 'button', onclick: () => window.print() }, t('pkg.print')), download(ctx, built.id, box),
      h('button', { type: 'button', onclick: () => panel.remove() }, t('pkg.dismiss'))));
  return panel;
}

registerPage({
  route: 'packages', roles: BOARD, order: 40, title: { vi: 'Gói đề', en: 'Packages' }, keepOnLangChange: true,
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const event = h('input', { type: 'text', required: true, value: ctx.query.get('event') || '' });
    const title = h('input', { type: 'text' });
    const frozen = await ctx.api('forms', { query: { status: 'frozen' } });
    const forms = formPicker(ctx, frozen, (ctx.query.get('forms') || '').split(',').map((s) => s.trim()));
    const duration = h('input', { type: 'number', min: '1', inputmode: 'numeric' });
    const build = h('button', { type: 'submit', class: 'primary' }, t('pkg.build'));
    const box = messageBox();
    const keys = h('div', {});
    const listBox = h('div', {});
    const load = async () => {
      const list = await ctx.api('packages');
      replace(listBox, list.length ? h('div', { class: 'table-scroll' }, h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['pkg.col.id', 'pkg.col.event', 'pkg.col.title', 'pkg.col.forms', 'pkg.col.by', 'pkg.col.at', 'pkg.download'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, list.map((p) => h('tr', {}, h('th', { scope: 'row', class: 'mono' }, p.id), h('td', {}, p.event_id), h('td', {}, p.title), h('td', {}, p.forms.join(', ')),
          h('td', {}, p.created_by), h('td', {}, when(p.created_at, ctx.lang)), h('td', {}, download(ctx, p.id, box)))))))
        : h('p', {}, t('pkg.none')));
    };
    const form = h('form', { class: 'panel' }, h('h2', {}, t('pkg.build')),
      h('div', { class: 'row' }, field(t('pkg.event'), event), field(t('pkg.title_field'), title), field(t('pkg.duration'), duration)),
      forms.set, h('div', { class: 'actions' }, build), box);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(build, box, ctx, async () => {
        const chosen = forms.read();
        if (!chosen.length) throw new Error(t('pkg.forms.need'));
        const body = { event_id: event.value.trim(), forms: chosen };
        if (title.value.trim()) body.title = title.value.trim();
        if (duration.value) body.duration_minutes = Number(duration.value);
        const built = await ctx.api('packages', { method: 'POST', json: body });
        replace(box);
        replace(keys, keysOnce(ctx, built, box));
        keys.querySelector('h2').setAttribute('tabindex', '-1');
        keys.querySelector('h2').focus();
        await load();
      });
    });
    el.append(form, keys, h('section', { class: 'panel' }, h('h2', {}, t('pkg.list')), listBox));
    await load();
  },
});

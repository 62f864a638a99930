// Blueprints (ma trận đề): the list, and an editor for the YAML with its errors at their line
// (`POST blueprints/check`; where the server lacks it, the errors of saving) beside the matrix as a
// grid — each topic × level cell shows what N forms ask for against the approved, calibrated
// supply, in colour and in words. Saving stores the blueprint; "Lắp đề" starts an assembly job.

import { registerPage, addStrings } from '../shell.js';
import { h, field, replace, when } from '../dom.js';
import { heatMap } from '../charts.js';
import { BOARD, LEVELS, useStyles, messageBox, showError, showOk, busy, chartText } from './common.js';

addStrings({
  vi: {
    'bp.nav': 'Ma trận đề', 'bp.title': 'Ma trận đề', 'bp.new': 'Soạn ma trận mới', 'bp.edit': 'Ma trận {name}',
    'bp.yaml': 'Nội dung ma trận (YAML)', 'bp.yaml.hint': 'Lỗi được kiểm tra khi bạn dừng gõ; bấm vào một lỗi để đến dòng đó.',
    'bp.save': 'Lưu ma trận', 'bp.saved': 'Đã lưu ma trận {id}.', 'bp.update': 'Lưu thay đổi', 'bp.updated': 'Đã lưu thay đổi của ma trận {name}.', 'bp.save_new': 'Lưu thành ma trận mới', 'bp.check': 'Kiểm tra',
    'bp.errors': 'Lỗi trong ma trận', 'bp.no_errors': 'Không có lỗi.', 'bp.line': 'Dòng {line}, cột {column}: {message}',
    'bp.grid': 'Ma trận và nguồn câu hỏi', 'bp.grid.desc': 'Mỗi ô: số câu cần cho {forms} đề / số câu đã duyệt và hiệu chỉnh trong ngân hàng.',
    'bp.grid.none': 'Lưới nguồn câu hỏi sẽ hiện khi máy chủ kiểm tra được ma trận.',
    'bp.state.ok': 'đủ', 'bp.state.tight': 'vừa đủ', 'bp.state.short': 'thiếu', 'bp.topic': 'Chủ đề',
    'bp.col.name': 'Tên', 'bp.col.subject': 'Môn', 'bp.col.by': 'Người tạo', 'bp.col.at': 'Ngày tạo', 'bp.none': 'Chưa có ma trận nào.',
    'bp.assemble': 'Lắp đề', 'bp.seed': 'Hạt giống trộn đề', 'bp.time_limit': 'Thời gian tối đa (giây)',
    'bp.level.biet': 'Biết', 'bp.level.hieu': 'Hiểu', 'bp.level.van_dung': 'Vận dụng',
    'chart.table.show': 'Xem bảng số liệu', 'chart.table.hide': 'Ẩn bảng số liệu', 'chart.legend': 'Chú thích',
  },
  en: {
    'bp.nav': 'Blueprints', 'bp.title': 'Blueprints', 'bp.new': 'Write a new blueprint', 'bp.edit': 'Blueprint {name}',
    'bp.yaml': 'Blueprint (YAML)', 'bp.yaml.hint': 'Checked when you pause typing; select an error to go to its line.',
    'bp.save': 'Save blueprint', 'bp.saved': 'Blueprint {id} saved.', 'bp.update': 'Save changes', 'bp.updated': 'Changes to blueprint {name} saved.', 'bp.save_new': 'Save as a new blueprint', 'bp.check': 'Check',
    'bp.errors': 'Errors in the blueprint', 'bp.no_errors': 'No errors.', 'bp.line': 'Line {line}, column {column}: {message}',
    'bp.grid': 'Matrix and supply', 'bp.grid.desc': 'Each cell: items needed for {forms} forms / approved, calibrated items in the bank.',
    'bp.grid.none': 'The supply grid appears when the server can check the blueprint.',
    'bp.state.ok': 'enough', 'bp.state.tight': 'tight', 'bp.state.short': 'short', 'bp.topic': 'Topic',
    'bp.col.name': 'Name', 'bp.col.subject': 'Subject', 'bp.col.by': 'Created by', 'bp.col.at': 'Created', 'bp.none': 'No blueprints yet.',
    'bp.assemble': 'Assemble', 'bp.seed': 'Shuffle seed', 'bp.time_limit': 'Time limit (seconds)',
    'bp.level.biet': 'Know', 'bp.level.hieu': 'Understand', 'bp.level.van_dung': 'Apply',
    'chart.table.show': 'Show the data table', 'chart.table.hide': 'Hide the data table', 'chart.legend': 'Legend',
  },
});

const TEMPLATE = `name: "Kiểm tra định kỳ – Toán 12"
subject: toan
duration_minutes: 45
forms: 2
versions: 2
max_overlap: 0.5
sections:
  - { kind: single_choice,    count: 6, points: 0.25 }
  - { kind: true_false_group, count: 2, points: 1.0 }
  - { kind: short_answer,     count: 2, points: 0.5 }
matrix:
  - { topic: "12.1", biet: { min: 1 }, hieu: { min: 1 } }
information:
  objective: maximin
  thetas: [-1.0, 0.0, 1.0]
`;

/** The grid of `POST blueprints/check` as a heat map: rows topic, columns level. */
export function supplyGrid(grid, t) {
  const cells = grid.cells || [];
  const topics = [...new Map(cells.map((c) => [c.topic, c.topic_name])).entries()];
  const levels = [...new Set([...LEVELS, ...cells.map((c) => c.level)])].filter((l) => cells.some((c) => c.level === l));
  const matrix = topics.map(([topic]) => levels.map((level) => {
    const mine = cells.filter((c) => c.topic === topic && c.level === level);
    if (!mine.length) return null;
    const needed = mine.reduce((s, c) => s + c.needed, 0);
    const supply = mine.reduce((s, c) => s + c.supply, 0);
    const worst = mine.some((c) => c.state === 'short') ? 'short' : mine.some((c) => c.state === 'tight') ? 'tight' : 'ok';
    return { label: `${needed} / ${supply}`, state: worst, detail: mine.map((c) => `${c.section ?? ''} ${c.per_form}/form`).join('; ') };
  }));
  return heatMap({
    title: t('bp.grid'), desc: t('bp.grid.desc', { forms: grid.forms ?? '?' }),
    rows: topics.map(([topic, name]) => (name ? `${topic} – ${name}` : topic)),
    columns: levels.map((l) => t(`bp.level.${l}`)), cells: matrix,
    words: { corner: t('bp.topic'), states: { ok: t('bp.state.ok'), tight: t('bp.state.tight'), short: t('bp.state.short') } },
    text: chartText(t),
  });
}

/** Moves the caret of `area` to the start of 1-based `line`. */
function goToLine(area, line) {
  const lines = area.value.split('\n');
  const at = lines.slice(0, Math.max(0, line - 1)).reduce((s, l) => s + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(at, at + (lines[line - 1] || '').length);
}

function errorList(errors, area, t) {
  if (!errors.length) return h('p', { class: 'ok-box' }, t('bp.no_errors'));
  return h('ul', { class: 'line-errors', 'aria-label': t('bp.errors') }, errors.map((e) => h('li', {},
    e.line ? h('button', { type: 'button', onclick: () => goToLine(area, e.line) }, t('bp.line', e)) : h('span', { class: 'error-box' }, e.message))));
}

/** Asks the server to check the YAML; `null` when the server has no check route. */
async function check(ctx, yaml) {
  try {
    return await ctx.api('blueprints/check', { method: 'POST', body: yaml, headers: { 'content-type': 'application/yaml' } });
  } catch (err) {
    if (err.status === 404 || err.status === 405) return null;
    throw err;
  }
}

/** The YAML editor with its live check and grid; `id`: the stored blueprint it edits, if any. */
function editor(el, ctx, initial, id = null) {
  const { t } = ctx;
  const area = h('textarea', { class: 'yaml-editor', spellcheck: 'false', autocomplete: 'off', value: initial });
  const errorsBox = h('div', { 'aria-live': 'polite' });
  const gridBox = h('div', {}, h('p', { class: 'muted' }, t('bp.grid.none')));
  const box = messageBox();
  let timer = null;
  const run = async () => {
    try {
      const res = await check(ctx, area.value);
      if (!res) return;
      replace(errorsBox, errorList(res.errors || [], area, t));
      replace(gridBox, res.grid && res.grid.cells && res.grid.cells.length ? supplyGrid(res.grid, t) : h('p', { class: 'muted' }, t('bp.grid.none')));
    } catch (err) {
      showError(errorsBox, ctx, err);
    }
  };
  area.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 400); });
  // The save route's 422 lists the issues ("key (line N): …"): show them by line too.
  const showSaveErrors = (err) => {
    const errors = (err.body?.errors || []).map((e) => {
      const m = /line (\d+)/.exec(e.field || e.message || '');
      return { line: m ? Number(m[1]) : null, column: 1, message: [e.field, e.message].filter(Boolean).join(' ') };
    });
    if (errors.length) replace(errorsBox, errorList(errors, area, t));
    throw err;
  };
  const yamlBody = () => ({ body: area.value, headers: { 'content-type': 'application/yaml' } });
  const saveNew = () => busy(saveNewBtn, box, ctx, async () => {
    const bp = await ctx.api('blueprints', { method: 'POST', ...yamlBody() }).catch(showSaveErrors);
    ctx.toast(t('bp.saved', { id: bp.id }));
    ctx.navigate(`blueprints/${encodeURIComponent(bp.id)}`);
  });
  // Editing a stored blueprint saves it in place (`PUT blueprints/{id}`; refused with a message
  // once a frozen form was assembled from it — then "save as new" keeps the edit).
  const update = () => busy(updateBtn, box, ctx, async () => {
    const bp = await ctx.api(`blueprints/${encodeURIComponent(id)}`, { method: 'PUT', ...yamlBody() }).catch(showSaveErrors);
    ctx.setTitle(t('bp.edit', { name: bp.name }));
    showOk(box, t('bp.updated', { name: bp.name }));
  });
  const updateBtn = id ? h('button', { type: 'button', class: 'primary', onclick: update }, t('bp.update')) : null;
  const saveNewBtn = h('button', { type: 'button', class: id ? null : 'primary', onclick: saveNew }, t(id ? 'bp.save_new' : 'bp.save'));
  const checkBtn = h('button', { type: 'button', onclick: run }, t('bp.check'));
  el.append(h('div', { class: 'board-grid' },
    h('section', { class: 'panel' }, field(t('bp.yaml'), area, t('bp.yaml.hint')), h('div', { class: 'actions' }, updateBtn, saveNewBtn, checkBtn), box, h('h2', {}, t('bp.errors')), errorsBox),
    h('section', { class: 'panel' }, h('h2', {}, t('bp.grid')), gridBox)));
  run();
  return () => clearTimeout(timer);
}

registerPage({
  route: 'blueprints', roles: BOARD, order: 30, title: { vi: 'Ma trận đề', en: 'Blueprints' }, keepOnLangChange: false,
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const list = await ctx.api('blueprints');
    const rows = list.map((b) => h('tr', {},
      h('td', {}, h('a', { href: `#/blueprints/${encodeURIComponent(b.id)}` }, b.name)), h('td', {}, b.subject),
      h('td', {}, b.created_by), h('td', {}, when(b.created_at, ctx.lang))));
    el.append(h('section', { class: 'panel' },
      list.length ? h('table', { class: 'data' }, h('thead', {}, h('tr', {}, ['bp.col.name', 'bp.col.subject', 'bp.col.by', 'bp.col.at'].map((k) => h('th', { scope: 'col' }, t(k))))), h('tbody', {}, rows))
        : h('p', {}, t('bp.none'))));
    el.append(h('h2', {}, t('bp.new')));
    return editor(el, ctx, TEMPLATE);
  },
});

registerPage({
  route: 'blueprints/:id', roles: BOARD, title: { vi: 'Ma trận đề', en: 'Blueprint' },
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const bp = await ctx.api(`blueprints/${encodeURIComponent(ctx.params.id)}`);
    ctx.setTitle(t('bp.edit', { name: bp.name }));
    const seed = h('input', { type: 'number', min: '0', value: '1', inputmode: 'numeric' });
    const limit = h('input', { type: 'number', min: '1', max: '3600', value: '60', inputmode: 'numeric' });
    const start = h('button', { type: 'button', class: 'primary' }, t('bp.assemble'));
    const box = messageBox();
    start.addEventListener('click', () => busy(start, box, ctx, async () => {
      const job = await ctx.api(`blueprints/${encodeURIComponent(bp.id)}/assemble`, { method: 'POST', json: { seed: Number(seed.value) || 1, time_limit: Number(limit.value) || 60 } });
      ctx.navigate(`assembly/${encodeURIComponent(job.id)}`);
    }));
    el.append(h('section', { class: 'panel' }, h('div', { class: 'row' }, field(t('bp.seed'), seed), field(t('bp.time_limit'), limit), start), box));
    return editor(el, ctx, bp.yaml, bp.id);
  },
});

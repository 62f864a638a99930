// Calibration (hiệu chỉnh tham số): upload a responses CSV or pick a result set imported from a
// delivery site; the run goes to the server as a background job where it offers one
// (`calibration-jobs`), else the synchronous route. Then the parameter table (a, b, c, their SEs,
// n) with a checkbox per item to adopt its new parameters (a run alone changes no item), with flags from `POST calibrations/{id}/flags` — S-X² misfit, Mantel–Haenszel DIF class B/C,
// low discrimination, extreme difficulty — the item characteristic curve of the chosen item and
// the score distribution.

import { registerPage, addStrings } from '../shell.js';
import { h, field, replace } from '../dom.js';
import { iccChart, histogram } from '../charts.js';
import { BOARD, useStyles, messageBox, busy, num, chartText, showError, showOk } from './common.js';

addStrings({
  vi: {
    'cal.source': 'Dữ liệu trả lời', 'cal.file': 'Tệp CSV trả lời', 'cal.file.hint': 'Dòng đầu là mã câu hỏi (ID hoặc ID@phiên bản); mỗi dòng sau là một thí sinh, 0/1 hoặc điểm.',
    'cal.set': 'Hoặc bộ kết quả đã nhập', 'cal.set.none': '(không chọn)', 'cal.model': 'Mô hình', 'cal.anchors': 'Neo thang đo',
    'cal.anchors.none': 'Tự do, N(0,1)', 'cal.anchors.bank': 'Giữ tham số đã có trong ngân hàng', 'cal.group': 'Cột nhóm (cho DIF, tuỳ chọn)',
    'cal.run': 'Chạy hiệu chỉnh', 'cal.running': 'Đang hiệu chỉnh… {percent}', 'cal.need_data': 'Hãy chọn một tệp CSV hoặc một bộ kết quả.',
    'cal.done': 'Lượt hiệu chỉnh {id}: {n} thí sinh, {converged}.', 'cal.converged': 'hội tụ', 'cal.not_converged': 'CHƯA hội tụ',
    'cal.stored': 'Tham số mới chỉ là đề xuất: câu hỏi giữ tham số cũ cho đến khi bạn chọn nhận. Các câu không có cảnh báo được chọn sẵn; xem xét rồi bấm “Nhận tham số đã chọn”. Các lượt cũ vẫn được giữ.',
    'cal.col.adopt': 'Nhận', 'cal.adopt.one': 'Nhận tham số mới của {id}', 'cal.adopt': 'Nhận tham số đã chọn ({n})',
    'cal.adopt.none': 'Hãy chọn ít nhất một câu hỏi.', 'cal.adopted': 'Đã nhận tham số mới cho {n} câu hỏi vào ngân hàng.', 'cal.adopted.mark': 'đã nhận',
    'cal.params': 'Tham số và cảnh báo', 'cal.col.id': 'Câu hỏi', 'cal.col.flags': 'Cảnh báo', 'cal.col.sx2': 'S-X² p', 'cal.col.dif': 'DIF',
    'cal.flag.misfit': 'không phù hợp mô hình', 'cal.flag.dif_b': 'DIF loại B', 'cal.flag.dif_c': 'DIF loại C',
    'cal.flag.low_discrimination': 'độ phân biệt thấp', 'cal.flag.extreme_difficulty': 'độ khó cực đoan', 'cal.flag.none': 'không',
    'cal.thresholds': 'Ngưỡng: S-X² p < {misfit_p}; a < {low_a}; |b| > {extreme_b}; DIF theo phân loại ETS.',
    'cal.icc': 'Đường cong đặc trưng câu hỏi', 'cal.icc.item': 'Câu hỏi', 'cal.icc.desc': 'Xác suất theo năng lực θ.',
    'cal.correct': 'P(đúng)', 'cal.category': 'Số ý đúng', 'cal.probability': 'Xác suất', 'cal.dist': 'Phân bố tổng điểm',
    'cal.dist.desc': 'Số thí sinh theo tổng điểm thô.', 'cal.score': 'Tổng điểm', 'cal.persons': 'Số thí sinh', 'cal.show_icc': 'Xem đường cong',
  },
  en: {
    'cal.source': 'Response data', 'cal.file': 'Responses CSV', 'cal.file.hint': 'First row: item ids (ID or ID@version); each further row one candidate, 0/1 or scores.',
    'cal.set': 'Or an imported result set', 'cal.set.none': '(none)', 'cal.model': 'Model', 'cal.anchors': 'Scale anchors',
    'cal.anchors.none': 'Free, N(0,1)', 'cal.anchors.bank': 'Hold the bank’s parameters', 'cal.group': 'Group column (for DIF, optional)',
    'cal.run': 'Calibrate', 'cal.running': 'Calibrating… {percent}', 'cal.need_data': 'Choose a CSV file or a result set.',
    'cal.done': 'Calibration run {id}: {n} candidates, {converged}.', 'cal.converged': 'converged', 'cal.not_converged': 'NOT converged',
    'cal.stored': 'The new parameters are candidates: items keep their parameters until you adopt them. Items without flags are ticked; review, then press “Adopt the chosen parameters”. Earlier runs are kept.',
    'cal.col.adopt': 'Adopt', 'cal.adopt.one': 'Adopt the new parameters of {id}', 'cal.adopt': 'Adopt the chosen parameters ({n})',
    'cal.adopt.none': 'Choose at least one item.', 'cal.adopted': 'The new parameters of {n} items are now in the bank.', 'cal.adopted.mark': 'adopted',
    'cal.params': 'Parameters and flags', 'cal.col.id': 'Item', 'cal.col.flags': 'Flags', 'cal.col.sx2': 'S-X² p', 'cal.col.dif': 'DIF',
    'cal.flag.misfit': 'misfit', 'cal.flag.dif_b': 'DIF class B', 'cal.flag.dif_c': 'DIF class C',
    'cal.flag.low_discrimination': 'low discrimination', 'cal.flag.extreme_difficulty': 'extreme difficulty', 'cal.flag.none': 'none',
    'cal.thresholds': 'Thresholds: S-X² p < {misfit_p}; a < {low_a}; |b| > {extreme_b}; DIF by ETS class.',
    'cal.icc': 'Item characteristic curve', 'cal.icc.item': 'Item', 'cal.icc.desc': 'Probability by ability θ.',
    'cal.correct': 'P(correct)', 'cal.category': 'Statements right', 'cal.probability': 'Probability', 'cal.dist': 'Total score distribution',
    'cal.dist.desc': 'Candidates per raw total score.', 'cal.score': 'Total score', 'cal.persons': 'Candidates', 'cal.show_icc': 'Show curve',
  },
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a calibration: a background job when the server answers 202, else the synchronous run. */
async function calibrate(ctx, query, body, onProgress) {
  const res = await ctx.api('calibrations', { method: 'POST', query, body, headers: { 'content-type': 'text/csv' }, as: 'response' });
  const answer = await res.json();
  if (res.status !== 202) return answer.run_id;
  for (;;) {
    const job = await ctx.api(`calibration-jobs/${encodeURIComponent(answer.job_id)}`);
    onProgress(job.progress ?? 0);
    if (job.status === 'done') return job.calibration_id;
    if (job.status === 'failed' || job.status === 'cancelled') throw new Error(job.error || job.status);
    await sleep(500);
  }
}

/** The item id a result column names (`ID` or `ID@version`). */
const itemOf = (column) => column.replace(/@\d+$/, '');

function resultTable(ctx, flags, showIcc, adoptable) {
  const { t } = ctx;
  const head = ['cal.col.adopt', 'cal.col.id', 'a', 'b', 'c', 'SE a', 'SE b', 'n', 'cal.col.sx2', 'cal.col.dif', 'cal.col.flags', ''].map((k) => h('th', { scope: 'col' }, k.startsWith('cal.') ? t(k) : k));
  const rows = flags.items.map((it) => {
    const p = it.irt;
    const b = p.b ?? (p.thresholds ? p.thresholds.reduce((s, x) => s + x, 0) / p.thresholds.length : null);
    const marks = it.flags.length ? it.flags.map((f) => h('span', { class: 'flag' }, t(`cal.flag.${f}`))) : h('span', { class: 'muted' }, t('cal.flag.none'));
    return h('tr', {}, h('td', {}, adoptable(it)), h('th', { scope: 'row', class: 'mono' }, it.id), h('td', { class: 'num' }, num(p.a)), h('td', { class: 'num' }, num(b)), h('td', { class: 'num' }, num(p.c)),
      h('td', { class: 'num' }, num(p.se_a)), h('td', { class: 'num' }, num(p.se_b)), h('td', { class: 'num' }, p.n ?? '–'),
      h('td', { class: 'num' }, num(it.fit?.p_value, 3)), h('td', {}, it.dif?.class ?? '–'), h('td', {}, marks),
      h('td', {}, h('button', { type: 'button', onclick: () => showIcc(it) }, t('cal.show_icc'))));
  });
  return h('div', { class: 'table-scroll' }, h('table', { class: 'data' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows)));
}

/**
 * The opt-in: a checkbox per item the run estimated (ticked when it has no flag), a button that
 * adopts the ticked ones (`POST calibrations/{id}/adopt`). Returns the cell maker and the panel.
 */
function adoption(ctx, runId, run) {
  const { t } = ctx;
  const estimated = new Map((run.items ?? []).map((i) => [i.item_id, i]));
  const boxes = new Map();
  const box = messageBox();
  const button = h('button', { type: 'button', class: 'primary' });
  const label = () => { button.textContent = t('cal.adopt', { n: [...boxes.values()].filter((c) => c.checked && !c.disabled).length }); };
  const cell = (it) => {
    const row = estimated.get(itemOf(it.id));
    if (!row) return '–';
    if (row.adopted_at) return h('span', { class: 'badge approved' }, t('cal.adopted.mark'));
    const check = h('input', { type: 'checkbox', checked: !it.flags.length, 'aria-label': t('cal.adopt.one', { id: it.id }), dataset: { item: row.item_id } });
    check.addEventListener('change', label);
    boxes.set(row.item_id, check);
    return check;
  };
  button.addEventListener('click', () => busy(button, box, ctx, async () => {
    const items = [...boxes.entries()].filter(([, c]) => c.checked && !c.disabled).map(([id]) => id);
    if (!items.length) { showError(box, ctx, new Error(t('cal.adopt.none'))); return; }
    const result = await ctx.api(`calibrations/${encodeURIComponent(runId)}/adopt`, { method: 'POST', json: { items } });
    for (const r of result.adopted) {
      const c = boxes.get(r.item_id);
      if (c) c.replaceWith(h('span', { class: 'badge approved' }, t('cal.adopted.mark')));
      boxes.delete(r.item_id);
    }
    showOk(box, t('cal.adopted', { n: result.adopted.length }));
    label();
  }));
  return { cell, panel: () => { label(); return h('div', { class: 'actions adopt' }, button, box); } };
}

function showResults(el, ctx, runId, run, flags) {
  const { t } = ctx;
  const report = run.report;
  const adopt = adoption(ctx, runId, run);
  const icc = h('div', {});
  const showIcc = (it) => {
    replace(icc, iccChart({ id: it.id, thetas: flags.thetas, curves: it.curves, text: chartText(t),
      words: { title: t('cal.icc'), desc: t('cal.icc.desc'), correct: t('cal.correct'), category: t('cal.category'), probability: t('cal.probability') } }));
  };
  replace(el,
    h('p', { class: 'ok-box', role: 'status' }, t('cal.done', { id: runId, n: report.n_persons, converged: report.converged ? t('cal.converged') : t('cal.not_converged') })),
    h('p', {}, t('cal.stored')),
    h('section', { class: 'panel' }, h('h2', {}, t('cal.params')), h('p', { class: 'muted' }, t('cal.thresholds', flags.thresholds)),
      flags.fit_note ? h('p', { class: 'warn-box' }, flags.fit_note) : null, resultTable(ctx, flags, showIcc, adopt.cell), adopt.panel()),
    h('section', { class: 'panel' }, h('h2', {}, t('cal.icc')), icc),
    h('section', { class: 'panel' }, histogram({ title: t('cal.dist'), desc: t('cal.dist.desc'), xLabel: t('cal.score'), yLabel: t('cal.persons'), text: chartText(t),
      bins: flags.score_distribution.map((s) => ({ label: String(s.score), count: s.count })) })));
  if (flags.items.length) showIcc(flags.items[0]);
}

registerPage({
  route: 'calibration', roles: BOARD, order: 50, title: { vi: 'Hiệu chỉnh tham số', en: 'Calibration' }, keepOnLangChange: true,
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const file = h('input', { type: 'file', accept: '.csv,text/csv' });
    const results = await ctx.api('results').catch(() => []);
    const sets = results.filter((r) => r.response_set_id);
    const set = h('select', {}, h('option', { value: '' }, t('cal.set.none')),
      sets.map((r) => h('option', { value: r.response_set_id, selected: r.response_set_id === ctx.query.get('response_set') }, `${r.event_id} – ${r.site_name || r.site_id} (${r.response_set_id})`)));
    const model = h('select', {}, ['2pl', '3pl', 'rasch'].map((m) => h('option', { value: m }, m.toUpperCase())));
    const anchors = h('select', {}, h('option', { value: 'none' }, t('cal.anchors.none')), h('option', { value: 'bank' }, t('cal.anchors.bank')));
    const group = h('input', { type: 'text', autocomplete: 'off' });
    const run = h('button', { type: 'submit', class: 'primary' }, t('cal.run'));
    const box = messageBox();
    const out = h('div', {});
    const form = h('form', { class: 'panel' }, h('h2', {}, t('cal.source')),
      field(t('cal.file'), file, t('cal.file.hint')), field(t('cal.set'), set),
      h('div', { class: 'row' }, field(t('cal.model'), model), field(t('cal.anchors'), anchors), field(t('cal.group'), group)),
      h('div', { class: 'actions' }, run), box);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(run, box, ctx, async () => {
        const csv = file.files[0] ? await file.files[0].text() : null;
        if (!csv && !set.value) { showError(box, ctx, new Error(t('cal.need_data'))); return; }
        let body = csv || '';
        if (csv && group.value.trim()) body = dropColumn(csv, group.value.trim());
        const query = { model: model.value, anchors: anchors.value };
        if (!csv) query.response_set = set.value;
        replace(box, h('p', {}, t('cal.running', { percent: '' })));
        const runId = await calibrate(ctx, query, body, (p) => replace(box, h('p', {}, t('cal.running', { percent: `${Math.round(100 * p)} %` }))));
        const run = await ctx.api(`calibrations/${encodeURIComponent(runId)}`);
        const fq = {};
        if (!csv) fq.response_set = set.value;
        if (group.value.trim()) fq.group = group.value.trim();
        const flags = await ctx.api(`calibrations/${encodeURIComponent(runId)}/flags`, { method: 'POST', query: fq, body: csv || '', headers: { 'content-type': 'text/csv' } });
        replace(box);
        showResults(out, ctx, runId, run, flags);
      });
    });
    el.append(form, out);
  },
});

/** The CSV without the named column (the calibration itself reads item columns only). */
export function dropColumn(csv, name) {
  const lines = csv.split(/\r?\n/);
  const header = lines[0].split(',');
  const at = header.findIndex((c) => c.trim() === name);
  if (at < 0) return csv;
  return lines.map((l) => (l ? l.split(',').filter((_, i) => i !== at).join(',') : l)).join('\n');
}

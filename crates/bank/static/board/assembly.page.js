// An assembly job: its progress while it runs, then the forms side by side — test information and
// standard-error curves of all forms on one chart (`GET assembly-jobs/{id}/overview`), counts per
// cell, pairwise overlap, expected score — or, when the blueprint cannot be met, the diagnosis in
// the board's words. Each form can be frozen; each version (mã đề) has a print preview and its
// answer key. Print views open in a new tab: the server honours the HttpOnly `khaothi_fetch`
// cookie for those GETs, so no token travels in a URL.

import { registerPage, addStrings } from '../shell.js';
import { h, replace } from '../dom.js';
import { tifChart } from '../charts.js';
import { BOARD, useStyles, messageBox, busy, num, chartText } from './common.js';

addStrings({
  vi: {
    'asm.title': 'Lắp đề {id}', 'asm.running': 'Đang lắp đề… đã chạy {seconds} giây.', 'asm.progress': 'Đang lắp đề: {percent} % — đã chạy {seconds} trên tối đa {limit} giây (bộ giải dừng sớm hơn khi tìm được lời giải tốt).', 'asm.done': 'Đã lắp xong {n} đề trong {seconds} giây.',
    'asm.failed': 'Không lắp được đề.', 'asm.infeasible': 'Ma trận không thể đáp ứng được với nguồn câu hỏi hiện có.',
    'asm.shortages': 'Thiếu câu hỏi', 'asm.conflict': 'Các yêu cầu không thể cùng thoả mãn', 'asm.notes': 'Ghi chú', 'asm.eligible': '{n} câu hỏi đủ điều kiện.',
    'asm.tif': 'Hàm thông tin của đề và sai số chuẩn', 'asm.tif.desc': 'Thông tin (đường liền) và sai số chuẩn (đường đứt) của {n} đề theo năng lực θ từ −4 đến 4.',
    'asm.information': 'Thông tin', 'asm.se': 'Sai số chuẩn',
    'asm.forms': 'Các đề', 'asm.form': 'Đề {id}', 'asm.frozen': 'Đã khoá', 'asm.freeze': 'Khoá đề', 'asm.frozen_ok': 'Đã khoá đề {id}.',
    'asm.expected': 'Điểm kỳ vọng (thí sinh trung bình): {score} / {max}', 'asm.uncalibrated': '{n} câu chưa có tham số.',
    'asm.cells': 'Số câu theo ô ma trận', 'asm.rule': 'Ô', 'asm.topic': 'Chủ đề', 'asm.count': 'Số câu', 'asm.bounds': 'Yêu cầu',
    'asm.overlap': 'Câu hỏi trùng giữa các đề', 'asm.pair': 'Cặp đề', 'asm.shared': 'Số câu trùng', 'asm.share': 'Tỉ lệ',
    'asm.versions': 'Mã đề', 'asm.print': 'In mã đề {code}', 'asm.key': 'Đáp án mã đề {code}', 'asm.sheet': 'Phiếu trả lời trắc nghiệm mã {code} (PDF)', 'asm.layout': 'layout.json của phiếu',
    'asm.package': 'Đóng gói các đề đã khoá', 'asm.back': 'Về ma trận',
  },
  en: {
    'asm.title': 'Assembly {id}', 'asm.running': 'Assembling… running for {seconds} s.', 'asm.progress': 'Assembling: {percent} % — {seconds} of at most {limit} s (the solver stops earlier once it has a good solution).', 'asm.done': '{n} forms assembled in {seconds} s.',
    'asm.failed': 'Assembly failed.', 'asm.infeasible': 'The blueprint cannot be met with the items in the bank.',
    'asm.shortages': 'Not enough items', 'asm.conflict': 'Rules that cannot all hold together', 'asm.notes': 'Notes', 'asm.eligible': '{n} eligible items.',
    'asm.tif': 'Test information and standard error', 'asm.tif.desc': 'Information (solid) and standard error (dashed) of {n} forms over ability θ from −4 to 4.',
    'asm.information': 'Information', 'asm.se': 'Standard error',
    'asm.forms': 'Forms', 'asm.form': 'Form {id}', 'asm.frozen': 'Frozen', 'asm.freeze': 'Freeze form', 'asm.frozen_ok': 'Form {id} frozen.',
    'asm.expected': 'Expected score (average candidate): {score} / {max}', 'asm.uncalibrated': '{n} items without parameters.',
    'asm.cells': 'Items per matrix cell', 'asm.rule': 'Cell', 'asm.topic': 'Topic', 'asm.count': 'Items', 'asm.bounds': 'Asked',
    'asm.overlap': 'Items shared between forms', 'asm.pair': 'Forms', 'asm.shared': 'Shared items', 'asm.share': 'Share',
    'asm.versions': 'Versions', 'asm.print': 'Print version {code}', 'asm.key': 'Answer key of {code}', 'asm.sheet': 'Answer sheet of {code} (PDF)', 'asm.layout': "the sheet's layout.json",
    'asm.package': 'Package the frozen forms', 'asm.back': 'Back to the blueprint',
  },
});

function table(headers, rows) {
  return h('div', { class: 'table-scroll' }, h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))));
}

function bounds(b) {
  if (!b) return '';
  const lo = b.min ?? b.lo;
  const hi = b.max ?? b.hi;
  if (lo !== undefined && hi !== undefined && lo !== null && hi !== null) return lo === hi ? `${lo}` : `${lo}–${hi}`;
  if (lo !== undefined && lo !== null) return `≥ ${lo}`;
  if (hi !== undefined && hi !== null) return `≤ ${hi}`;
  return '';
}

/** The diagnosis of an infeasible job, in sentences. */
function diagnosis(job, t) {
  const d = job.result || {};
  const part = (key, list) => (list && list.length ? [h('h3', {}, t(key)), h('ul', {}, list.map((f) => h('li', {}, typeof f === 'string' ? f : f.message)))] : []);
  return h('section', { class: 'panel warn-box', role: 'alert' },
    h('p', {}, h('strong', {}, t('asm.infeasible'))), job.error ? h('p', {}, job.error) : null,
    d.eligible_items !== undefined ? h('p', {}, t('asm.eligible', { n: d.eligible_items })) : null,
    part('asm.shortages', d.shortages), part('asm.conflict', d.conflict), part('asm.notes', d.notes));
}

/** A form's id without its job's prefix ("F1"), for headings and legends. */
function shortId(f, job) {
  return f.id.startsWith(`${job.id}-`) ? f.id.slice(job.id.length + 1) : f.id;
}

function formPanel(f, ctx, onFrozen, name) {
  const { t } = ctx;
  const c = f.curves;
  const box = messageBox();
  const freeze = h('button', { type: 'button', disabled: f.frozen }, f.frozen ? t('asm.frozen') : t('asm.freeze'));
  freeze.addEventListener('click', () => busy(freeze, box, ctx, async () => {
    await ctx.api(`forms/${encodeURIComponent(f.id)}/freeze`, { method: 'POST', json: {} });
    ctx.toast(t('asm.frozen_ok', { id: f.id }));
    onFrozen();
  }));
  const print = (code, answers) => `/api/v1/forms/${encodeURIComponent(f.id)}/print?version=${encodeURIComponent(code)}&answers=${answers}`;
  const sheet = (code, format) => `/api/v1/forms/${encodeURIComponent(f.id)}/answer-sheets?version=${encodeURIComponent(code)}&format=${format}`;
  return h('section', { class: 'panel', 'aria-label': t('asm.form', { id: name }) },
    h('h3', {}, t('asm.form', { id: name }), ' ', f.frozen ? h('span', { class: 'badge approved' }, t('asm.frozen')) : null),
    h('p', { class: 'muted mono' }, f.id),
    h('p', {}, t('asm.expected', { score: num(c.expected_score_population, 2), max: num(c.max_points, 2) })),
    c.uncalibrated ? h('p', { class: 'muted' }, t('asm.uncalibrated', { n: c.uncalibrated })) : null,
    h('div', { class: 'actions' }, freeze), box,
    h('h4', {}, t('asm.versions')),
    h('ul', {}, f.versions.map((code) => h('li', {},
      h('a', { href: print(code, false), target: '_blank', rel: 'noopener' }, t('asm.print', { code })), ' · ',
      h('a', { href: print(code, true), target: '_blank', rel: 'noopener' }, t('asm.key', { code })),
      // The THPT answer sheet of a frozen version (issue 22): blank, and its layout for scanners.
      f.frozen ? [' · ', h('a', { href: sheet(code, 'pdf'), download: `phieu-tra-loi-${code}.pdf`, class: 'answer-sheet' }, t('asm.sheet', { code })), ' · ',
        h('a', { href: sheet(code, 'layout'), download: `layout-${code}.json` }, t('asm.layout'))] : null))),
    h('h4', {}, t('asm.cells')),
    table([t('asm.rule'), t('asm.topic'), t('asm.bounds'), t('asm.count')], (f.cells || []).map((x) => [x.rule, x.topic, bounds(x.bounds), num(x.count, 2)])));
}

function overview(el, ctx, o, job) {
  const { t } = ctx;
  const refresh = () => ctx.navigate(`assembly/${encodeURIComponent(job.id)}`, { r: Date.now() });
  const frozen = o.forms.filter((f) => f.frozen).map((f) => f.id);
  replace(el,
    h('p', { class: 'ok-box', role: 'status' }, t('asm.done', { n: o.forms.length, seconds: num(o.elapsed_seconds, 1) })),
    h('section', { class: 'panel' }, tifChart(o.forms.map((f) => ({ ...f, id: shortId(f, job) })), { title: t('asm.tif'), desc: t('asm.tif.desc', { n: o.forms.length }), information: t('asm.information'), se: t('asm.se'), theta: 'θ' }, chartText(t))),
    o.overlap.length ? h('section', { class: 'panel' }, h('h2', {}, t('asm.overlap')),
      table([t('asm.pair'), t('asm.shared'), t('asm.share')], o.overlap.map((p) => [`${shortId({ id: p.a }, job)} – ${shortId({ id: p.b }, job)}`, String(p.shared), `${num(100 * p.proportion, 0)} %`]))) : null,
    h('h2', {}, t('asm.forms')),
    o.forms.map((f) => formPanel(f, ctx, refresh, shortId(f, job))),
    h('div', { class: 'actions' },
      frozen.length ? h('a', { class: 'button', href: `#/packages?forms=${encodeURIComponent(frozen.join(','))}` }, t('asm.package')) : null,
      h('a', { href: `#/blueprints/${encodeURIComponent(job.blueprint_id)}` }, t('asm.back'))));
}

registerPage({
  route: 'assembly/:id', roles: BOARD, title: { vi: 'Lắp đề', en: 'Assembly' },
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const id = ctx.params.id;
    ctx.setTitle(t('asm.title', { id }));
    const status = h('div', { role: 'status', 'aria-live': 'polite' });
    const progress = h('progress', { class: 'progress', 'aria-label': t('asm.title', { id }) });
    el.append(status, progress);
    let stopped = false;
    let timer = null;
    const tick = async () => {
      if (stopped) return;
      const job = await ctx.api(`assembly-jobs/${encodeURIComponent(id)}`);
      if (job.status === 'running') {
        const seconds = (Date.now() - new Date(job.created_at).getTime()) / 1000;
        // The job's progress is the share of its time limit used (the solver reports no steps).
        if (typeof job.progress === 'number' && job.time_limit) {
          progress.max = 1;
          progress.value = job.progress;
          replace(status, t('asm.progress', { percent: num(100 * job.progress, 0), seconds: num(Math.max(0, seconds), 0), limit: num(job.time_limit, 0) }));
        } else {
          replace(status, t('asm.running', { seconds: num(Math.max(0, seconds), 0) }));
        }
        timer = setTimeout(() => tick().catch((err) => replace(status, h('div', { class: 'error-box', role: 'alert' }, ctx.errorText(err)))), 700);
        return;
      }
      progress.remove();
      if (job.status === 'done') overview(el, ctx, await ctx.api(`assembly-jobs/${encodeURIComponent(id)}/overview`), job);
      else if (job.status === 'infeasible') replace(el, diagnosis(job, t));
      else replace(el, h('div', { class: 'error-box', role: 'alert' }, t('asm.failed'), ' ', job.error || ''));
    };
    await tick();
    return () => { stopped = true; clearTimeout(timer); };
  },
});

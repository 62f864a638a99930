// Tests on paper (bài kiểm tra trên giấy, issue 22 §3–4): a school's test sat on the answer sheets
// the bank printed, read back into the bank. The list opens a sitting (a frozen form and the
// test's name as printed on its sheets); a sitting's page uploads a folder of scans in batches,
// shows the flagged marks with their crop and the reader's proposal for a person to decide, and
// finalizes the scores (THPT rules) into a response set and a result file.

import { registerPage, addStrings } from '../shell.js';
import { h, field, replace, when } from '../dom.js';
import { BOARD, useStyles, messageBox, busy, showOk, showError, saveBlob } from './common.js';

addStrings({
  vi: {
    'pp.open': 'Mở bài kiểm tra trên giấy', 'pp.form': 'Đề (đã khoá)', 'pp.name': 'Tên bài kiểm tra',
    'pp.name.hint': 'Tên được in trên phiếu và trong mã QR; in phiếu của lớp ở trang của bài kiểm tra (hoặc qua API với event là tên này).',
    'pp.digits': 'Số chữ số của số báo danh', 'pp.digits.hint': '6 như phiếu THPT; nhiều hơn nếu danh sách lớp có số báo danh dài hơn khi in phiếu.',
    'pp.create': 'Mở bài kiểm tra', 'pp.created': 'Đã mở bài kiểm tra {name}.', 'pp.list': 'Các bài kiểm tra trên giấy', 'pp.none': 'Chưa có.',
    'pp.noforms': 'Chưa có đề nào được khoá: lắp đề từ một ma trận đề rồi khoá đề ở trang lắp đề.', 'pp.noforms.link': 'Đến trang Ma trận đề',
    'pp.col.name': 'Bài kiểm tra', 'pp.col.sheets': 'Số phiếu', 'pp.col.pending': 'Chờ xử lý', 'pp.col.state': 'Trạng thái', 'pp.col.at': 'Mở lúc',
    'pp.state.open': 'Đang nhận phiếu', 'pp.state.done': 'Đã chốt', 'pp.go': 'Mở {name}',
    'pp.summary': 'Đề {form} · mã đề {versions} · {sheets} phiếu đã đọc · {pending} dấu chờ xử lý · {decided} đã quyết định',
    'pp.upload': 'Tải lên bản quét', 'pp.files': 'Các tệp ảnh quét (PNG, JPEG, TIFF)', 'pp.folder': 'Hoặc cả một thư mục',
    'pp.files.hint': 'Ảnh quét 300 dpi hoặc ảnh chụp điện thoại của từng phiếu; trang gửi thành từng đợt nhỏ.',
    'pp.send': 'Đọc các bản quét', 'pp.progress': 'Đã gửi {done}/{total} tệp…', 'pp.sent': 'Đã đọc {read} phiếu; {dup} bản trùng; {bad} phiếu không đọc được.',
    'pp.nofiles': 'Chọn ít nhất một tệp ảnh.',
    'pp.col.image': 'Tệp', 'pp.col.status': 'Kết quả', 'pp.col.number': 'Số báo danh', 'pp.col.answers': 'Câu đọc được', 'pp.col.flags': 'Dấu cần xem',
    'pp.status.read': 'Đã đọc', 'pp.status.duplicate': 'Trùng', 'pp.status.unreadable': 'Không đọc được',
    'pp.queue': 'Dấu cần người quyết định', 'pp.queue.none': 'Không còn dấu nào chờ xử lý.',
    'pp.crop': 'Vùng {key} trên phiếu {image}', 'pp.sheet': 'Phiếu', 'pp.key': 'Ô', 'pp.reason': 'Lý do', 'pp.proposed': 'Máy đề xuất',
    'pp.answer': 'Quyết định', 'pp.blank': 'Không tô', 'pp.true': 'Đúng', 'pp.false': 'Sai', 'pp.statement': 'Ý {s}',
    'pp.text': 'Giá trị đọc được (để trống nếu không tô)', 'pp.note': 'Ghi chú (không bắt buộc)', 'pp.decide': 'Ghi quyết định', 'pp.ack': 'Xác nhận',
    'pp.decided': 'Đã ghi quyết định cho {key} của phiếu {image}.',
    'pp.reason.double_mark': 'Tô hai lựa chọn', 'pp.reason.faint_mark': 'Tô mờ', 'pp.reason.erasure': 'Có vết tẩy',
    'pp.reason.unreadable_qr': 'Không đọc được mã QR', 'pp.reason.qr_mismatch': 'Số tô khác mã QR', 'pp.reason.incomplete_number': 'Số tô thiếu chữ số',
    'pp.reason.invalid_short_answer': 'Câu trả lời ngắn không hợp lệ',
    'pp.final': 'Chốt kết quả', 'pp.final.hint': 'Chấm theo quy tắc THPT; kết quả thành bộ dữ liệu hiệu chỉnh và tệp kết quả trong trang Điểm thi và kết quả.',
    'pp.finalize': 'Chốt và chấm điểm', 'pp.finalized': 'Đã chốt: {n} thí sinh.', 'pp.download': 'Tải kết quả (CSV)', 'pp.calibrate': 'Hiệu chỉnh từ bộ dữ liệu này',
    'pp.print': 'In phiếu trả lời', 'pp.version': 'Mã đề', 'pp.class': 'Danh sách lớp (CSV, không bắt buộc)',
    'pp.class.hint': 'Cột so_bao_danh, ho_ten, ngay_sinh, phong: mỗi thí sinh một phiếu đã điền sẵn; để trống để in một phiếu trắng.',
    'pp.print.go': 'Tải phiếu (PDF)', 'pp.printed': 'Đã tạo tệp phiếu {file}.',
    'pp.col.score': 'Điểm (thang 10)', 'pp.col.version': 'Mã đề', 'pp.col.total': 'Tổng điểm', 'pp.closed': 'Bài kiểm tra đã chốt lúc {at} bởi {by}.',
  },
  en: {
    'pp.open': 'Open a test on paper', 'pp.form': 'Form (frozen)', 'pp.name': 'Test name',
    'pp.name.hint': 'Printed on the sheets and in their QR codes; print the class’s sheets on the test’s page (or through the API with this name as event).',
    'pp.digits': 'Digits of the candidate number', 'pp.digits.hint': '6 as on the THPT sheet; more when the class list had longer numbers when printing.',
    'pp.create': 'Open the test', 'pp.created': 'Test {name} opened.', 'pp.list': 'Tests on paper', 'pp.none': 'None yet.',
    'pp.noforms': 'No form is frozen yet: assemble forms from a blueprint, then freeze one on the assembly page.', 'pp.noforms.link': 'Go to Blueprints',
    'pp.col.name': 'Test', 'pp.col.sheets': 'Sheets', 'pp.col.pending': 'Pending', 'pp.col.state': 'State', 'pp.col.at': 'Opened',
    'pp.state.open': 'Taking sheets', 'pp.state.done': 'Finalized', 'pp.go': 'Open {name}',
    'pp.summary': 'Form {form} · versions {versions} · {sheets} sheets read · {pending} marks pending · {decided} decided',
    'pp.upload': 'Upload scans', 'pp.files': 'Scanned images (PNG, JPEG, TIFF)', 'pp.folder': 'Or a whole folder',
    'pp.files.hint': '300 dpi scans or phone photos, one sheet each; the page sends them in small batches.',
    'pp.send': 'Read the scans', 'pp.progress': 'Sent {done}/{total} files…', 'pp.sent': '{read} sheets read; {dup} duplicates; {bad} unreadable.',
    'pp.nofiles': 'Choose at least one image file.',
    'pp.col.image': 'File', 'pp.col.status': 'Outcome', 'pp.col.number': 'Candidate', 'pp.col.answers': 'Answers read', 'pp.col.flags': 'Marks to check',
    'pp.status.read': 'Read', 'pp.status.duplicate': 'Duplicate', 'pp.status.unreadable': 'Unreadable',
    'pp.queue': 'Marks for a person to decide', 'pp.queue.none': 'No mark is waiting.',
    'pp.crop': 'Region {key} of sheet {image}', 'pp.sheet': 'Sheet', 'pp.key': 'Field', 'pp.reason': 'Reason', 'pp.proposed': 'Reader proposes',
    'pp.answer': 'Decision', 'pp.blank': 'Not marked', 'pp.true': 'True', 'pp.false': 'False', 'pp.statement': 'Statement {s}',
    'pp.text': 'Value read (empty if not marked)', 'pp.note': 'Note (optional)', 'pp.decide': 'Record the decision', 'pp.ack': 'Acknowledge',
    'pp.decided': 'Decision recorded for {key} of sheet {image}.',
    'pp.reason.double_mark': 'Two marks', 'pp.reason.faint_mark': 'Faint mark', 'pp.reason.erasure': 'Erasure',
    'pp.reason.unreadable_qr': 'QR code unreadable', 'pp.reason.qr_mismatch': 'Bubbles differ from the QR code', 'pp.reason.incomplete_number': 'Number incomplete',
    'pp.reason.invalid_short_answer': 'Invalid short answer',
    'pp.final': 'Finalize', 'pp.final.hint': 'Scored by the THPT rules; the results become a calibration response set and a result file on the Sites and results page.',
    'pp.finalize': 'Finalize and score', 'pp.finalized': 'Finalized: {n} candidates.', 'pp.download': 'Download results (CSV)', 'pp.calibrate': 'Calibrate from this response set',
    'pp.print': 'Print answer sheets', 'pp.version': 'Version', 'pp.class': 'Class list (CSV, optional)',
    'pp.class.hint': 'Columns so_bao_danh, ho_ten, ngay_sinh, phong: a pre-filled sheet per candidate; leave empty for one blank sheet.',
    'pp.print.go': 'Download the sheets (PDF)', 'pp.printed': 'Sheets file {file} made.',
    'pp.col.score': 'Score (of 10)', 'pp.col.version': 'Version', 'pp.col.total': 'Total', 'pp.closed': 'Finalized at {at} by {by}.',
  },
});

/** Files per request and bytes per request (under the bank's import limit). */
const BATCH_FILES = 20;
const BATCH_BYTES = 24 * 1024 * 1024;

function table(headers, rows) {
  return h('div', { class: 'table-scroll' }, h('table', { class: 'data' }, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows)));
}

/** The batches a list of files is sent in. */
function batches(files) {
  const out = [];
  let cur = [];
  let bytes = 0;
  for (const f of files) {
    if (cur.length && (cur.length >= BATCH_FILES || bytes + f.size > BATCH_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += f.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Hundredths of a point as printed on a Vietnamese score sheet: 125 → "1,25". */
function points(hundredths) {
  return `${Math.floor(hundredths / 100)},${String(hundredths % 100).padStart(2, '0')}`;
}

/** An answer as people read it: "B", "Đ S – Đ", "-1,5", or "–". */
function shown(v, t) {
  if (v === null || v === undefined || v === '') return '–';
  if (Array.isArray(v)) return v.map((x) => (x === true ? t('pp.true') : x === false ? t('pp.false') : '–')).join(' · ');
  return String(v);
}

registerPage({
  route: 'paper', roles: BOARD, order: 62, title: { vi: 'Bài kiểm tra trên giấy', en: 'Tests on paper' }, keepOnLangChange: true,
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const [forms, sittings] = await Promise.all([ctx.api('forms'), ctx.api('paper-sittings')]);
    const frozen = forms.filter((f) => f.frozen_at);
    const form = h('select', { required: true }, frozen.map((f) => h('option', { value: f.id }, `${f.blueprint_name || ''} · ${(f.versions || []).join(', ')} · ${f.id}`)));
    const name = h('input', { type: 'text', required: true, maxlength: 120 });
    const digits = h('input', { type: 'number', min: 6, max: 10, value: '6', required: true });
    const create = h('button', { type: 'submit', class: 'primary' }, t('pp.create'));
    const box = messageBox();
    const openForm = h('form', { class: 'panel' }, h('h2', {}, t('pp.open')),
      frozen.length ? [field(t('pp.form'), form), field(t('pp.name'), name, t('pp.name.hint')), field(t('pp.digits'), digits, t('pp.digits.hint')), h('div', { class: 'actions' }, create)] : h('p', {}, t('pp.noforms'), ' ', h('a', { href: '#/blueprints' }, t('pp.noforms.link'))),
      box);
    openForm.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(create, box, ctx, async () => {
        const s = await ctx.api('paper-sittings', { method: 'POST', json: { form_id: form.value, name: name.value.trim(), candidate_digits: Number(digits.value) } });
        showOk(box, t('pp.created', { name: s.name }));
        ctx.navigate(`paper/${encodeURIComponent(s.id)}`);
      });
    });
    const list = sittings.length ? table([t('pp.col.name'), t('pp.form'), t('pp.col.sheets'), t('pp.col.pending'), t('pp.col.state'), t('pp.col.at')],
      sittings.map((s) => h('tr', {},
        h('th', { scope: 'row' }, h('a', { href: `#/paper/${encodeURIComponent(s.id)}`, 'aria-label': t('pp.go', { name: s.name }) }, s.name)),
        h('td', { class: 'mono' }, s.form_id), h('td', { class: 'num' }, String(s.sheets)), h('td', { class: 'num' }, String(s.flags_pending)),
        h('td', {}, s.finalized_at ? t('pp.state.done') : t('pp.state.open')), h('td', {}, when(s.created_at, ctx.lang))))) : h('p', {}, t('pp.none'));
    el.append(openForm, h('section', { class: 'panel' }, h('h2', {}, t('pp.list')), list));
  },
});

/** The decision control of one flag: radios (part I), a select per statement (II), text (the rest). */
function decisionControl(f, t) {
  const part = f.key.split('.')[0];
  const slug = f.id.replace(/[^A-Za-z0-9]/g, '');
  if (f.key === 'qr') return { node: null, value: () => null };
  if (part === 'I' && f.key.includes('.')) {
    const radios = ['A', 'B', 'C', 'D', ''].map((v) => {
      const id = `${slug}-${v || 'none'}`;
      const input = h('input', { type: 'radio', name: `ans-${slug}`, value: v, id, checked: v === (f.proposed ?? '') });
      return h('span', { class: 'choice' }, input, h('label', { for: id }, v || t('pp.blank')));
    });
    const fs = h('fieldset', { class: 'paper-choices', dataset: { field: 'answer' } }, h('legend', {}, t('pp.answer')), radios);
    return { node: fs, value: () => { const c = fs.querySelector('input:checked'); return c && c.value ? c.value : null; } };
  }
  if (part === 'II' && f.key.includes('.')) {
    const proposed = Array.isArray(f.proposed) ? f.proposed : [];
    const selects = ['a', 'b', 'c', 'd'].map((s, i) => {
      const p = proposed[i];
      const sel = h('select', { dataset: { statement: s } },
        h('option', { value: '', selected: p !== true && p !== false }, t('pp.blank')),
        h('option', { value: 'true', selected: p === true }, t('pp.true')),
        h('option', { value: 'false', selected: p === false }, t('pp.false')));
      return { s, sel };
    });
    const fs = h('fieldset', { class: 'paper-statements', dataset: { field: 'answer' } }, h('legend', {}, t('pp.answer')),
      selects.map(({ s, sel }) => field(t('pp.statement', { s }), sel)));
    return {
      node: fs,
      value: () => {
        const v = selects.map(({ sel }) => (sel.value === '' ? null : sel.value === 'true'));
        return v.every((x) => x === null) ? null : v;
      },
    };
  }
  const input = h('input', { type: 'text', value: typeof f.proposed === 'string' ? f.proposed : '', autocomplete: 'off', class: 'mono' });
  return { node: field(t('pp.text'), input), value: () => (input.value.trim() === '' ? null : input.value.trim()) };
}

/** One flag of the queue: the crop, what the reader proposes, the decision form. */
function flagCard(f, ctx, onDone) {
  const { t } = ctx;
  const control = decisionControl(f, t);
  const note = h('input', { type: 'text', maxlength: 1000 });
  const go = h('button', { type: 'submit', class: 'primary' }, f.key === 'qr' ? t('pp.ack') : t('pp.decide'));
  const box = messageBox();
  const reason = t(`pp.reason.${f.reason}`);
  const form = h('form', { class: 'paper-flag panel', 'aria-label': `${f.image} ${f.key}` },
    h('div', { class: 'paper-crop' }, f.crop ? h('img', { src: f.crop, alt: t('pp.crop', { key: f.key, image: f.image }) }) : null),
    h('div', { class: 'paper-facts' },
      h('dl', {},
        h('dt', {}, t('pp.sheet')), h('dd', {}, `${f.image}${f.number ? ` · ${f.number}` : ''}${f.version ? ` · ${f.version}` : ''}`),
        h('dt', {}, t('pp.key')), h('dd', { class: 'mono' }, f.key),
        h('dt', {}, t('pp.reason')), h('dd', {}, reason.startsWith('pp.') ? f.reason : reason),
        h('dt', {}, t('pp.proposed')), h('dd', { class: 'mono' }, shown(f.proposed, t))),
      control.node, field(t('pp.note'), note), h('div', { class: 'actions' }, go), box));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(go, box, ctx, async () => {
      await ctx.api(`paper-sittings/${encodeURIComponent(f.sitting)}/flags/${encodeURIComponent(f.id)}`, { method: 'POST', json: { answer: control.value(), note: note.value.trim() || null } });
      ctx.toast(t('pp.decided', { key: f.key, image: f.image }));
      await onDone();
    });
  });
  return form;
}

registerPage({
  route: 'paper/:id', roles: BOARD, title: { vi: 'Bài kiểm tra trên giấy', en: 'Test on paper' }, keepOnLangChange: true,
  async render(el, ctx) {
    useStyles();
    const { t } = ctx;
    const id = ctx.params.id;
    const path = `paper-sittings/${encodeURIComponent(id)}`;
    const summary = h('p', { class: 'paper-summary', role: 'status' });
    const queueBox = h('div', {});
    const finalBox = h('div', {});
    let sitting = null;
    const load = async () => {
      sitting = await ctx.api(path);
      if (!version.options.length) replace(version, sitting.versions.map((c) => h('option', { value: c }, c)));
      ctx.setTitle(`${t('pp.col.name')}: ${sitting.name}`);
      replace(summary, t('pp.summary', { form: sitting.form_id, versions: sitting.versions.join(', '), sheets: sitting.sheets, pending: sitting.flags_pending, decided: sitting.flags_decided }));
      const { flags } = await ctx.api(`${path}/flags`);
      replace(queueBox, flags.length ? flags.map((f) => flagCard({ ...f, sitting: id }, ctx, load)) : h('p', {}, t('pp.queue.none')));
      renderFinal();
    };
    // Upload: files or a folder, sent in batches; every outcome listed.
    const files = h('input', { type: 'file', multiple: true, accept: 'image/png,image/jpeg,image/tiff,.png,.jpg,.jpeg,.tif,.tiff' });
    const folder = h('input', { type: 'file', multiple: true, webkitdirectory: true });
    const send = h('button', { type: 'submit', class: 'primary' }, t('pp.send'));
    const upBox = messageBox();
    const outcomes = h('div', {});
    const upForm = h('form', { class: 'panel' }, h('h2', {}, t('pp.upload')), field(t('pp.files'), files, t('pp.files.hint')), field(t('pp.folder'), folder),
      h('div', { class: 'actions' }, send), upBox, outcomes);
    upForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const chosen = [...files.files, ...folder.files].filter((f) => /\.(png|jpe?g|tiff?)$/i.test(f.name));
      if (!chosen.length) { showError(upBox, ctx, new Error(t('pp.nofiles'))); return; }
      busy(send, upBox, ctx, async () => {
        const all = [];
        let done = 0;
        for (const batch of batches(chosen)) {
          const body = new FormData();
          for (const f of batch) body.append('scans', f, f.webkitRelativePath || f.name);
          const r = await ctx.api(`${path}/scans`, { method: 'POST', body });
          all.push(...r.sheets);
          done += batch.length;
          showOk(upBox, t('pp.progress', { done, total: chosen.length }));
        }
        const count = (s) => all.filter((o) => o.status === s).length;
        showOk(upBox, t('pp.sent', { read: count('read'), dup: count('duplicate'), bad: count('unreadable') }));
        replace(outcomes, table([t('pp.col.image'), t('pp.col.status'), t('pp.col.number'), t('pp.col.answers'), t('pp.col.flags')],
          all.map((o) => h('tr', {}, h('th', { scope: 'row' }, o.image), h('td', {}, [t(`pp.status.${o.status}`), o.message ? h('span', { class: 'hint' }, ` — ${o.message}`) : null]),
            h('td', { class: 'mono' }, o.number || '–'), h('td', { class: 'num' }, String(o.answers)), h('td', { class: 'num' }, String(o.flags))))));
        files.value = ''; folder.value = '';
        await load();
      });
    });
    // Print: the class's sheets (or a blank one) of a version, with the test's name on them.
    const version = h('select', {});
    const classList = h('input', { type: 'file', accept: '.csv,text/csv' });
    const printGo = h('button', { type: 'submit' }, t('pp.print.go'));
    const printBox = messageBox();
    const printForm = h('form', { class: 'panel' }, h('h2', {}, t('pp.print')), field(t('pp.version'), version), field(t('pp.class'), classList, t('pp.class.hint')),
      h('div', { class: 'actions' }, printGo), printBox);
    printForm.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(printGo, printBox, ctx, async () => {
        const query = { version: version.value, event: sitting.name };
        const file = classList.files[0];
        const blob = file
          ? await ctx.api(`forms/${encodeURIComponent(sitting.form_id)}/answer-sheets`, { method: 'POST', query, body: await file.text(), headers: { 'content-type': 'text/csv' }, as: 'blob' })
          : await ctx.api(`forms/${encodeURIComponent(sitting.form_id)}/answer-sheets`, { query, as: 'blob' });
        const name = `phieu-tra-loi-${version.value}.pdf`;
        saveBlob(blob, name);
        showOk(printBox, t('pp.printed', { file: name }));
      });
    });
    const renderFinal = (result) => {
      if (sitting.finalized_at) {
        const download = h('button', { type: 'button' }, t('pp.download'));
        download.addEventListener('click', async () => saveBlob(await ctx.api(`${path}/results.csv`, { as: 'blob' }), `ket-qua-${id}.csv`));
        replace(finalBox, h('p', {}, t('pp.closed', { at: when(sitting.finalized_at, ctx.lang), by: sitting.finalized_by })),
          result ? table([t('pp.col.number'), t('pp.col.version'), t('pp.col.total'), t('pp.col.score')],
            result.candidates.map((c) => h('tr', {}, h('th', { scope: 'row' }, c.number), h('td', {}, c.version), h('td', { class: 'num' }, `${points(c.total)} / ${points(c.max)}`), h('td', { class: 'num' }, c.score10 || '–')))) : null,
          h('div', { class: 'actions' }, download, h('a', { href: `#/calibration?response_set=${encodeURIComponent(sitting.response_set_id)}` }, t('pp.calibrate'))));
        upForm.hidden = true;
        printForm.hidden = true;
        return;
      }
      const go = h('button', { type: 'button', class: 'primary' }, t('pp.finalize'));
      const box = messageBox();
      go.addEventListener('click', () => busy(go, box, ctx, async () => {
        const r = await ctx.api(`${path}/finalize`, { method: 'POST', json: {} });
        ctx.toast(t('pp.finalized', { n: r.candidates.length }));
        sitting = await ctx.api(path);
        renderFinal(r);
      }));
      replace(finalBox, h('p', { class: 'hint' }, t('pp.final.hint')), h('div', { class: 'actions' }, go), box);
    };
    el.append(summary, printForm, upForm, h('section', { class: 'panel' }, h('h2', {}, t('pp.queue')), queueBox), h('section', { class: 'panel' }, h('h2', {}, t('pp.final')), finalBox));
    await load();
  },
});

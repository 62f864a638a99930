// "Nhập từ tệp" (#/writer/import): a file of items (JSON Lines, CSV, Excel, LaTeX, Word, QTI) is first checked by the server
// without storing anything (`POST items/import?dry_run=true`), so the writer sees every line — its
// number, id, status and messages — and what the import would create; only then "Nhập" stores it
// in the chosen mode (all-or-nothing or skip bad lines). A bad line is shown, never dropped.
// Documents (LaTeX, Word) and QTI packages do not carry every item field: the page asks for the
// subject, grade, topic and level of questions that do not give them, and for documents the id
// prefix (docs/formats.md §7), and sends them with the file.

import { registerPage, addStrings } from '../shell.js';
import { h, field, replace } from '../dom.js';

addStrings({
  vi: {
    'imp.title': 'Nhập câu hỏi từ tệp',
    'imp.file': 'Tệp câu hỏi',
    'imp.file.hint': 'JSON Lines (.jsonl), CSV hoặc Excel theo mẫu trong tài liệu trao đổi, LaTeX ex_test, đề Word (.docx) hoặc gói QTI (.zip). Chưa có gì được lưu khi xem trước.',
    'imp.format': 'Định dạng',
    'imp.format.jsonl': 'JSON Lines',
    'imp.format.csv': 'CSV (bảng tính)',
    'imp.format.xlsx': 'Excel (.xlsx, theo mẫu của ngân hàng)',
    'imp.format.tex': 'LaTeX ex_test (.tex, hoặc .zip kèm hình)',
    'imp.format.docx': 'Word (.docx, đề thi)',
    'imp.format.qti': 'QTI 2.1/3.0 (gói .zip hoặc một câu .xml)',
    'imp.doc': 'Thông tin cho các câu không tự ghi',
    'imp.doc.hint': 'Tệp Word, LaTeX và gói QTI thường không ghi môn, lớp, chủ đề, mức độ: các câu không có dòng thẻ riêng nhận giá trị này.',
    'imp.subject': 'Mã môn (vd. toan)',
    'imp.grade': 'Lớp',
    'imp.topic': 'Mã chủ đề (vd. 12.1)',
    'imp.level': 'Mức độ',
    'imp.level.none': '(không chọn)',
    'imp.level.biet': 'Biết',
    'imp.level.hieu': 'Hiểu',
    'imp.level.van_dung': 'Vận dụng',
    'imp.level.van_dung_cao': 'Vận dụng cao',
    'imp.id_prefix': 'Tiền tố mã câu (vd. DE01 → DE01-0001)',
    'imp.mode': 'Khi có dòng lỗi',
    'imp.mode.all_or_nothing': 'Không nhập gì cả (tất cả hoặc không)',
    'imp.mode.skip_bad': 'Bỏ qua dòng lỗi, nhập các dòng tốt',
    'imp.preview': 'Xem trước',
    'imp.commit': 'Nhập',
    'imp.need_file': 'Hãy chọn một tệp.',
    'imp.checking': 'Đang kiểm tra tệp…',
    'imp.summary': '{lines} dòng: {ok} hợp lệ, {warnings} có cảnh báo, {errors} lỗi.',
    'imp.would': 'Nếu nhập: {created} câu mới, {new_versions} phiên bản mới, {unchanged} không đổi, {skipped} dòng bỏ qua.',
    'imp.blocked': 'Chế độ “tất cả hoặc không”: vì có dòng lỗi, bấm Nhập sẽ không lưu gì. Sửa tệp, hoặc chọn bỏ qua dòng lỗi.',
    'imp.done': 'Đã nhập: {created} câu mới, {new_versions} phiên bản mới, {unchanged} không đổi, {skipped} dòng bỏ qua.',
    'imp.to_list': 'Xem câu hỏi của tôi',
    'imp.report': 'Báo cáo từng dòng',
    'imp.col.line': 'Dòng',
    'imp.col.id': 'Mã',
    'imp.col.status': 'Kết quả',
    'imp.col.messages': 'Ghi chú',
    'imp.status.ok': 'hợp lệ',
    'imp.status.warning': 'cảnh báo',
    'imp.status.error': 'lỗi',
    'imp.file_warning': 'Lưu ý về tệp',
  },
  en: {
    'imp.title': 'Import items from a file',
    'imp.file': 'Item file',
    'imp.file.hint': 'JSON Lines (.jsonl), CSV or Excel in the interchange layout, LaTeX ex_test, a Word paper (.docx) or a QTI package (.zip). The preview stores nothing.',
    'imp.format': 'Format',
    'imp.format.jsonl': 'JSON Lines',
    'imp.format.csv': 'CSV (spreadsheet)',
    'imp.format.xlsx': 'Excel (.xlsx, the bank’s template)',
    'imp.format.tex': 'LaTeX ex_test (.tex, or .zip with its pictures)',
    'imp.format.docx': 'Word (.docx, a paper)',
    'imp.format.qti': 'QTI 2.1/3.0 (a .zip package or one .xml item)',
    'imp.doc': 'For questions that do not say',
    'imp.doc.hint': 'Word, LaTeX and QTI packages rarely carry subject, grade, topic and level: questions without their own tag line get these.',
    'imp.subject': 'Subject code (e.g. toan)',
    'imp.grade': 'Grade',
    'imp.topic': 'Topic code (e.g. 12.1)',
    'imp.level': 'Level',
    'imp.level.none': '(none)',
    'imp.level.biet': 'Knowing (biết)',
    'imp.level.hieu': 'Understanding (hiểu)',
    'imp.level.van_dung': 'Applying (vận dụng)',
    'imp.level.van_dung_cao': 'Advanced applying (vận dụng cao)',
    'imp.id_prefix': 'Id prefix (e.g. DE01 → DE01-0001)',
    'imp.mode': 'When a line is bad',
    'imp.mode.all_or_nothing': 'Import nothing (all or nothing)',
    'imp.mode.skip_bad': 'Skip bad lines, import the good ones',
    'imp.preview': 'Preview',
    'imp.commit': 'Import',
    'imp.need_file': 'Choose a file.',
    'imp.checking': 'Checking the file…',
    'imp.summary': '{lines} lines: {ok} fine, {warnings} with warnings, {errors} with errors.',
    'imp.would': 'An import would make {created} new items, {new_versions} new versions, {unchanged} unchanged, {skipped} lines skipped.',
    'imp.blocked': 'All-or-nothing: with bad lines, Import stores nothing. Fix the file or choose to skip bad lines.',
    'imp.done': 'Imported: {created} new items, {new_versions} new versions, {unchanged} unchanged, {skipped} lines skipped.',
    'imp.to_list': 'Go to my items',
    'imp.report': 'Line by line',
    'imp.col.line': 'Line',
    'imp.col.id': 'Id',
    'imp.col.status': 'Result',
    'imp.col.messages': 'Notes',
    'imp.status.ok': 'fine',
    'imp.status.warning': 'warning',
    'imp.status.error': 'error',
    'imp.file_warning': 'About the file',
  },
});

/** The formats the import route reads, and the file endings that suggest each. */
const FORMATS = [
  { id: 'jsonl', endings: ['.jsonl', '.ndjson', '.json'], type: 'application/x-ndjson' },
  { id: 'csv', endings: ['.csv'], type: 'text/csv' },
  // Helper texconv's readers (the writers' spreadsheet template; LaTeX ex_test, alone or zipped
  // with its pictures): a server without them answers with its own message, shown as any error.
  { id: 'xlsx', endings: ['.xlsx'], type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  { id: 'tex', endings: ['.tex', '.zip'], type: 'application/octet-stream' },
  { id: 'docx', endings: ['.docx'], type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
  // A QTI package is a .zip too: the writer picks QTI for it (a .zip guesses LaTeX).
  { id: 'qti', endings: ['.xml'], type: 'application/octet-stream' },
];

/** Formats whose items may lack metadata, and those that number their questions by a prefix. */
const DOCUMENTS = ['tex', 'docx', 'qti'];
const NUMBERED = ['tex', 'docx'];
const LEVELS = ['biet', 'hieu', 'van_dung', 'van_dung_cao'];

/** The document options: their fieldset and the query they add (empty fields left out). */
function documentOptions(t) {
  const subject = h('input', { type: 'text', name: 'subject', autocomplete: 'off', pattern: '[a-z0-9_]+' });
  const grade = h('input', { type: 'number', name: 'grade', min: '1', max: '12' });
  const topic = h('input', { type: 'text', name: 'topic', autocomplete: 'off' });
  const level = h('select', { name: 'level' }, [h('option', { value: '' }, t('imp.level.none')),
    ...LEVELS.map((l) => h('option', { value: l }, t(`imp.level.${l}`)))]);
  const prefix = h('input', { type: 'text', name: 'id_prefix', autocomplete: 'off', pattern: '[A-Za-z0-9_-]{1,64}' });
  const prefixField = field(t('imp.id_prefix'), prefix);
  const box = h('fieldset', { class: 'doc-options' }, h('legend', {}, t('imp.doc')),
    h('p', { class: 'hint' }, t('imp.doc.hint')),
    h('div', { class: 'row' }, field(t('imp.subject'), subject), field(t('imp.grade'), grade)),
    h('div', { class: 'row' }, field(t('imp.topic'), topic), field(t('imp.level'), level)),
    prefixField);
  const show = (format) => {
    box.hidden = !DOCUMENTS.includes(format);
    prefixField.hidden = !NUMBERED.includes(format);
  };
  const query = (format) => {
    if (!DOCUMENTS.includes(format)) return {};
    const q = {};
    for (const [k, input] of [['subject', subject], ['grade', grade], ['topic', topic], ['level', level]]) {
      if (input.value.trim()) q[k] = input.value.trim();
    }
    if (NUMBERED.includes(format) && prefix.value.trim()) q.id_prefix = prefix.value.trim();
    return q;
  };
  return { box, show, query, inputs: [subject, grade, topic, level, prefix] };
}

function formatOf(name) {
  const lower = name.toLowerCase();
  return FORMATS.find((f) => f.endings.some((e) => lower.endsWith(e)))?.id;
}

function counts(report) {
  const c = { lines: report.lines.length, ok: 0, warnings: 0, errors: 0 };
  for (const l of report.lines) {
    if (l.status === 'ok') c.ok += 1;
    else if (l.status === 'warning') c.warnings += 1;
    else c.errors += 1;
  }
  return c;
}

/** The per-line report as a table: line, id, status, each message with its field. */
function reportTable(t, report) {
  const rows = report.lines.map((l) => h('tr', { class: `line-${l.status}` },
    h('td', { class: 'num' }, String(l.line)),
    h('td', { class: 'mono' }, l.id ?? '–'),
    h('td', {}, h('span', { class: `badge import-${l.status}` }, t(`imp.status.${l.status}`))),
    h('td', {}, l.messages.length
      ? h('ul', { class: 'plain' }, l.messages.map((m) => h('li', {}, h('span', { class: 'mono' }, m.field), ': ', m.message)))
      : '–')));
  return h('section', { class: 'panel', 'aria-labelledby': 'imp-report-h' },
    h('h2', { id: 'imp-report-h' }, t('imp.report')),
    report.file_warnings?.length ? h('p', { class: 'warn-box' }, `${t('imp.file_warning')}: ${report.file_warnings.join('; ')}`) : null,
    h('div', { class: 'table-scroll' }, h('table', { class: 'data import-report' },
      h('thead', {}, h('tr', {}, ['imp.col.line', 'imp.col.id', 'imp.col.status', 'imp.col.messages'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, rows))));
}

/** What a preview says: the line counts, what an import would store, and the report. */
function previewView(t, result, mode) {
  const c = counts(result.report);
  const blocked = mode === 'all_or_nothing' && c.errors > 0;
  return [
    h('p', { class: c.errors ? 'warn-box' : 'ok-box', role: 'status' }, t('imp.summary', c), ' ', t('imp.would', result)),
    blocked ? h('p', { class: 'warn-box' }, t('imp.blocked')) : null,
    reportTable(t, result.report),
  ];
}

registerPage({
  route: 'writer/import',
  roles: ['item_writer', 'admin'],
  title: { vi: 'Nhập câu hỏi từ tệp', en: 'Import items' },
  nav: false,
  order: 12,
  keepOnLangChange: true,
  async render(el, ctx) {
    const { t } = ctx;
    const file = h('input', { type: 'file', accept: FORMATS.flatMap((f) => f.endings).join(',') });
    const format = h('select', {}, FORMATS.map((f) => h('option', { value: f.id }, t(`imp.format.${f.id}`))));
    const modeName = 'imp-mode';
    const modes = ['all_or_nothing', 'skip_bad'].map((m, i) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name: modeName, value: m, checked: i === 0 }), ' ', t(`imp.mode.${m}`)));
    const mode = () => el.querySelector(`input[name=${modeName}]:checked`).value;
    const previewBtn = h('button', { type: 'submit', class: 'primary' }, t('imp.preview'));
    const commitBtn = h('button', { type: 'button', disabled: true }, t('imp.commit'));
    const box = h('div', { role: 'status', 'aria-live': 'polite' });
    const out = h('div', {});
    const docs = documentOptions(t);
    docs.show(format.value);
    const send = (dryRun) => {
      const f = file.files[0];
      const query = { format: format.value, mode: mode(), dry_run: dryRun ? 'true' : undefined, ...docs.query(format.value) };
      const type = FORMATS.find((x) => x.id === format.value)?.type ?? 'application/octet-stream';
      return ctx.api('items/import', { method: 'POST', query, body: f, headers: { 'content-type': type } });
    };
    const failed = (err) => {
      replace(box, h('div', { class: 'error-box', role: 'alert' }, ctx.errorText(err)));
      replace(out, err.body?.report?.lines ? reportTable(t, err.body.report) : '');
    };
    const stale = () => { commitBtn.disabled = true; replace(out); replace(box); };
    file.addEventListener('change', () => {
      const guess = file.files[0] && formatOf(file.files[0].name);
      if (guess) format.value = guess;
      docs.show(format.value);
      stale();
    });
    format.addEventListener('change', () => { docs.show(format.value); stale(); });
    for (const input of docs.inputs) input.addEventListener('change', stale);
    for (const m of modes) m.querySelector('input').addEventListener('change', () => { if (out.childElementCount) form.requestSubmit(); });
    const form = h('form', { class: 'panel' },
      field(t('imp.file'), file, t('imp.file.hint')),
      h('div', { class: 'row' }, field(t('imp.format'), format)),
      docs.box,
      h('fieldset', { class: 'radios' }, h('legend', {}, t('imp.mode')), modes),
      h('div', { class: 'actions' }, previewBtn, commitBtn), box);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!file.files[0]) { failed(new Error(t('imp.need_file'))); return; }
      stale();
      previewBtn.disabled = true;
      replace(box, h('p', {}, t('imp.checking')));
      try {
        const result = await send(true);
        replace(box);
        replace(out, ...previewView(t, result, mode()));
        commitBtn.disabled = false;
      } catch (err) {
        failed(err);
      } finally {
        previewBtn.disabled = false;
      }
    });
    commitBtn.addEventListener('click', async () => {
      commitBtn.disabled = true;
      try {
        const result = await send(false);
        replace(box, h('div', { class: 'ok-box' }, t('imp.done', result), ' ',
          h('a', { href: '#/items' }, t('imp.to_list'))));
        replace(out, reportTable(t, result.report));
      } catch (err) {
        failed(err);
      }
    });
    el.append(form, out);
  },
});

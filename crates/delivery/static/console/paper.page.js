// Paper rooms (issue 22 §3–4, docs/protocol.md "Paper rooms"): which rooms sit on paper (and the
// switch of a room mid-exam), the upload of a folder of scans — the images themselves, read by the
// server (`paper/scans`, in batches), or the JSON `khaothi omr read` wrote (the page computes each
// scan's SHA-256 itself when the JSON lacks it) — and the
// review queue of flagged marks: the crop, the proposed reading, and the person's decision; and
// the sheets held because their candidate could not be told (số báo danh, mã đề or the QR code
// flagged, or no such candidate): a person names the candidate from the crops, or rejects the sheet.

import { registerPage } from './shell.js';
import { h, field, replace, when } from './dom.js';
import { addStrings } from './i18n.js';
import { errorBox, eventPath, eventTabs, fetchLink } from './common.js';

addStrings({
  vi: {
    'tab.paper': 'Bài làm trên giấy',
    'pp.summary': 'Tổng quan', 'pp.sheets': 'Phiếu đã đọc', 'pp.pending': 'Chờ quyết định', 'pp.decided': 'Đã quyết định',
    'pp.rooms': 'Phòng thi làm bài trên giấy', 'pp.room': 'Phòng', 'pp.state': 'Hình thức',
    'pp.print': 'Phiếu trả lời để in', 'pp.print.link': 'Tải phiếu phòng {room} (PDF)',
    'pp.print.note': 'Mỗi thí sinh một phiếu A4 in sẵn số báo danh, họ tên, mã đề và mã QR, theo thứ tự chỗ ngồi; cuối tệp có 5 phiếu trống cho mỗi mã đề. In đúng kích thước (100%), không thu nhỏ.',
    'pp.on_computer': 'Trên máy', 'pp.on_paper': 'Trên giấy từ {at} ({by})',
    'pp.switch': 'Ghi nhận chuyển phòng sang làm bài trên giấy', 'pp.switch.room': 'Phòng chuyển sang giấy',
    'pp.switch.reason': 'Lý do (ghi vào biên bản)', 'pp.switch.submit': 'Chuyển sang giấy',
    'pp.switch.none': 'Mọi phòng đều đã làm bài trên giấy.',
    'pp.switched': 'Đã ghi nhận: phòng {room} làm bài trên giấy.',
    'pp.switch.note': 'Câu trả lời đã làm trên máy được giữ nguyên; phiếu của thí sinh chỉ thay các câu có tô trên giấy.',
    'pp.upload': 'Nhận phiếu trả lời đã quét',
    'pp.upload.lead': 'Chọn thư mục ảnh quét (PNG, JPEG, TIFF; mỗi tệp tối đa 25 MB): máy chủ đọc phiếu theo mẫu phiếu đã in cho kỳ thi. Nếu đã đọc bằng lệnh khaothi omr read, chọn tệp JSON kết quả cùng các ảnh. Máy chủ ghi các câu đã đọc được; câu bị đánh dấu nghi vấn chờ người quyết định bên dưới.',
    'pp.upload.reading': 'Máy chủ đang đọc ảnh {from}–{to} trên {count}…',
    'pp.upload.too_big': 'Ảnh {file} lớn hơn 25 MB, không gửi: hãy quét lại ở 300 dpi, thang xám.',
    'err.not_an_image': 'Không gửi được: có tệp không phải ảnh PNG, JPEG hay TIFF. Không phiếu nào của lần gửi này được ghi. ({message})',
    'err.image_too_large': 'Không gửi được: ảnh quá nhiều điểm ảnh. Không phiếu nào của lần gửi này được ghi. ({message})',
    'err.wrong_event': 'Không gửi được: có phiếu in cho kỳ thi khác. Không phiếu nào của lần gửi này được ghi. ({message})',
    'err.too_many_scans': 'Quá nhiều ảnh trong một lần gửi: {message}',
    'pp.folder': 'Thư mục ảnh quét', 'pp.files': 'Hoặc chọn tệp (JSON và ảnh)', 'pp.upload.submit': 'Gửi phiếu',
    'pp.upload.none': 'Chưa chọn ảnh quét (PNG, JPEG, TIFF) hay tệp JSON nào do khaothi omr read tạo ra.',
    'pp.upload.bad_json': 'Tệp {file} không phải kết quả đọc phiếu: {message}',
    'pp.upload.no_hash': 'Không tính được mã băm của ảnh {image}: hãy chọn cả ảnh quét hoặc dùng kết quả đọc có image_sha256.',
    'pp.upload.sending': 'Đang gửi {count} phiếu…',
    'pp.upload.done': 'Đã nhận {ingested} phiếu, trùng {duplicate}, từ chối {refused}.',
    'pp.image': 'Ảnh', 'pp.number': 'Số báo danh', 'pp.outcome': 'Kết quả', 'pp.why': 'Lý do',
    'pp.o.ingested': 'Đã ghi', 'pp.o.duplicate': 'Đã đọc trước đó', 'pp.o.refused': 'Từ chối',
    'pp.queue': 'Câu cần người quyết định', 'pp.queue.empty': 'Không còn câu nào chờ quyết định.',
    'pp.flag.title': 'Câu {key} · thí sinh {number}', 'pp.flag.image': 'Ảnh {image}',
    'pp.crop.alt': 'Vùng tô của câu {key} trên phiếu của thí sinh {number}', 'pp.crop.none': 'Không có ảnh cắt của vùng này.',
    'pp.reason': 'Lý do', 'pp.proposed': 'Máy đọc được', 'pp.proposed.none': 'không đọc được',
    'pp.decision': 'Quyết định', 'pp.d.accept': 'Chấp nhận cách đọc của máy', 'pp.d.set': 'Nhập đáp án', 'pp.d.blank': 'Để trống (không lấy từ phiếu)',
    'pp.value': 'Đáp án của câu {key}', 'pp.value.hint.I': 'Một chữ A, B, C hoặc D.',
    'pp.value.hint.II': 'Bốn ký tự cho các ý a–d: Đ (đúng), S (sai), - (bỏ trống). Ví dụ: ĐSĐ-',
    'pp.value.hint.III': 'Tối đa 4 ký tự từ 0–9, dấu phẩy và dấu trừ. Ví dụ: -1,5',
    'pp.value.bad': 'Đáp án không đúng dạng: {hint}',
    'pp.decide': 'Lưu quyết định', 'pp.decided.one': 'Đã lưu quyết định cho câu {key} của thí sinh {number}.',
    'pp.history': 'Các quyết định đã ghi', 'pp.key': 'Câu', 'pp.value.col': 'Đáp án ghi', 'pp.by': 'Người quyết định', 'pp.at': 'Lúc',
    'pp.r.double_mark': 'Tô hai lựa chọn', 'pp.r.faint_mark': 'Vết tô mờ', 'pp.r.erasure': 'Có vết tẩy',
    'pp.r.invalid_short_answer': 'Phần III không thành số',
    'pp.o.held': 'Chờ xác định thí sinh', 'pp.held_pending': 'Phiếu chờ xác định thí sinh',
    'pp.upload.done2': 'Đã nhận {ingested} phiếu, chờ xác định thí sinh {held}, trùng {duplicate}, từ chối {refused}.',
    'pp.held': 'Phiếu chưa xác định được thí sinh', 'pp.held.empty': 'Không còn phiếu nào chờ xác định thí sinh.',
    'pp.held.lead': 'Máy không xác định chắc chắn phiếu này của ai. Đối chiếu số báo danh, mã đề viết tay trên phiếu rồi gán phiếu cho thí sinh; phiếu được ghi như mọi phiếu khác.',
    'pp.held.title': 'Phiếu {image}', 'pp.held.crop.alt': 'Vùng {key} trên phiếu {image}',
    'pp.held.answers': 'Số câu đã đọc', 'pp.held.proposed': 'Máy đọc được', 'pp.held.message': 'Chi tiết',
    'pp.held.number': 'Số báo danh', 'pp.held.version': 'Mã đề', 'pp.held.note': 'Ghi chú (lưu cùng quyết định)',
    'pp.held.assign': 'Gán cho thí sinh này', 'pp.held.reject': 'Loại phiếu (không ghi)',
    'pp.held.assigned': 'Đã gán phiếu {image} cho thí sinh {number}.', 'pp.held.rejected': 'Đã loại phiếu {image}.',
    'pp.held.need': 'Cần nhập số báo danh và mã đề.', 'pp.held.history': 'Phiếu đã xác định',
    'pp.held.d.assign': 'Gán cho thí sinh', 'pp.held.d.reject': 'Loại',
    'pp.h.sheet_flagged': 'Số báo danh, mã đề hoặc mã QR cần người xem', 'pp.h.no_candidate': 'Không đọc được số báo danh',
    'pp.h.unknown_candidate': 'Số báo danh không có trong kỳ thi', 'pp.h.wrong_version': 'Mã đề không phải của thí sinh',
  },
  en: {
    'tab.paper': 'Paper sheets',
    'pp.summary': 'At a glance', 'pp.sheets': 'Sheets read', 'pp.pending': 'Waiting for a decision', 'pp.decided': 'Decided',
    'pp.rooms': 'Rooms on paper', 'pp.room': 'Room', 'pp.state': 'Mode',
    'pp.print': 'Answer sheets to print', 'pp.print.link': 'Download room {room} sheets (PDF)',
    'pp.print.note': "One A4 sheet per candidate in seat order, with the candidate's number, name, version and QR code printed; 5 blank sheets of each version at the end. Print at actual size (100%), not shrunk to fit.",
    'pp.on_computer': 'On computers', 'pp.on_paper': 'On paper since {at} ({by})',
    'pp.switch': 'Record a room switching to paper', 'pp.switch.room': 'Room switching to paper',
    'pp.switch.reason': 'Reason (goes into the room record)', 'pp.switch.submit': 'Switch to paper',
    'pp.switch.none': 'Every room is on paper.',
    'pp.switched': 'Recorded: room {room} is on paper.',
    'pp.switch.note': "Answers given on the computers are kept; a candidate's sheet replaces only the questions marked on paper.",
    'pp.upload': 'Read scanned answer sheets in',
    'pp.upload.lead': "Choose the folder of scans (PNG, JPEG, TIFF; at most 25 MB a file): the server reads them against the event's printed sheet. If you read them with khaothi omr read, choose its JSON with the images. The server writes what was read; flagged marks wait for a person below.",
    'pp.upload.reading': 'The server is reading images {from}–{to} of {count}…',
    'pp.upload.too_big': 'The image {file} is larger than 25 MB and was not sent: scan it again at 300 dpi in grey.',
    'err.not_an_image': 'Not sent: a file is not a PNG, JPEG or TIFF image. No sheet of this upload was written. ({message})',
    'err.image_too_large': 'Not sent: an image has too many pixels. No sheet of this upload was written. ({message})',
    'err.wrong_event': 'Not sent: a sheet was printed for another event. No sheet of this upload was written. ({message})',
    'err.too_many_scans': 'Too many images in one request: {message}',
    'pp.folder': 'Folder of scans', 'pp.files': 'Or choose files (JSON and images)', 'pp.upload.submit': 'Send the sheets',
    'pp.upload.none': 'No scan (PNG, JPEG, TIFF) and no JSON written by khaothi omr read was chosen.',
    'pp.upload.bad_json': 'The file {file} is not a sheet reading: {message}',
    'pp.upload.no_hash': 'Cannot hash the image {image}: choose the scans too, or use a reading that has image_sha256.',
    'pp.upload.sending': 'Sending {count} sheets…',
    'pp.upload.done': '{ingested} sheets written, {duplicate} duplicates, {refused} refused.',
    'pp.image': 'Image', 'pp.number': 'Number', 'pp.outcome': 'Outcome', 'pp.why': 'Why',
    'pp.o.ingested': 'Written', 'pp.o.duplicate': 'Read in before', 'pp.o.refused': 'Refused',
    'pp.queue': 'Marks for a person to decide', 'pp.queue.empty': 'Nothing is waiting for a decision.',
    'pp.flag.title': 'Question {key} · candidate {number}', 'pp.flag.image': 'Image {image}',
    'pp.crop.alt': "The marks of question {key} on candidate {number}'s sheet", 'pp.crop.none': 'No crop of this region.',
    'pp.reason': 'Reason', 'pp.proposed': 'The reader proposes', 'pp.proposed.none': 'nothing readable',
    'pp.decision': 'Decision', 'pp.d.accept': "Accept the reader's reading", 'pp.d.set': 'Enter the answer', 'pp.d.blank': 'Leave blank (nothing from the sheet)',
    'pp.value': 'The answer to question {key}', 'pp.value.hint.I': 'One letter A, B, C or D.',
    'pp.value.hint.II': 'Four characters for statements a–d: Đ or T (true), S or F (false), - (blank). E.g. ĐSĐ-',
    'pp.value.hint.III': 'Up to 4 characters from 0–9, comma and minus. E.g. -1,5',
    'pp.value.bad': 'The answer is not well formed: {hint}',
    'pp.decide': 'Save the decision', 'pp.decided.one': 'Decision saved for question {key} of candidate {number}.',
    'pp.history': 'Decisions made', 'pp.key': 'Question', 'pp.value.col': 'Answer written', 'pp.by': 'Decided by', 'pp.at': 'At',
    'pp.r.double_mark': 'Two marks', 'pp.r.faint_mark': 'Faint mark', 'pp.r.erasure': 'Erased mark',
    'pp.r.invalid_short_answer': 'Part III is not a number',
    'pp.o.held': 'Waiting for its candidate', 'pp.held_pending': 'Sheets waiting for their candidate',
    'pp.upload.done2': '{ingested} sheets written, {held} waiting for their candidate, {duplicate} duplicates, {refused} refused.',
    'pp.held': 'Sheets whose candidate is not known', 'pp.held.empty': 'No sheet is waiting for its candidate.',
    'pp.held.lead': 'The reader could not tell whose sheet this is. Check the số báo danh and mã đề written on the sheet, then assign it to the candidate; it is then read in like any sheet.',
    'pp.held.title': 'Sheet {image}', 'pp.held.crop.alt': 'The {key} region of sheet {image}',
    'pp.held.answers': 'Questions read', 'pp.held.proposed': 'The reader read', 'pp.held.message': 'Detail',
    'pp.held.number': 'Candidate number', 'pp.held.version': 'Version (mã đề)', 'pp.held.note': 'Note (kept with the decision)',
    'pp.held.assign': 'Assign to this candidate', 'pp.held.reject': 'Reject the sheet (nothing written)',
    'pp.held.assigned': 'Sheet {image} assigned to candidate {number}.', 'pp.held.rejected': 'Sheet {image} rejected.',
    'pp.held.need': 'Enter the candidate number and the version.', 'pp.held.history': 'Sheets decided',
    'pp.held.d.assign': 'Assigned', 'pp.held.d.reject': 'Rejected',
    'pp.h.sheet_flagged': 'Number, version or QR code needs a person', 'pp.h.no_candidate': 'No candidate number read',
    'pp.h.unknown_candidate': 'No such candidate in the event', 'pp.h.wrong_version': "Not the candidate's version",
  },
});

/** The part (`I`, `II`, `III`) of a key such as `II.3`. */
export function partOf(key) {
  return String(key).split('.')[0];
}

/** A websocket answer for people: `B`, `Đ S – Đ` (Vietnamese) or `T F – T`, `-1,5`. */
export function answerText(v, lang) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) {
    const [yes, no] = lang === 'vi' ? ['Đ', 'S'] : ['T', 'F'];
    return v.map((x) => (x === true ? yes : x === false ? no : '–')).join(' ');
  }
  return String(v);
}

/** What a person typed for `set`, as the websocket's value for the key's part; `null` if malformed. */
export function parseValue(key, text) {
  const s = String(text).trim();
  switch (partOf(key)) {
    case 'I':
      return /^[A-Da-d]$/.test(s) ? s.toUpperCase() : null;
    case 'II': {
      const chars = [...s.replace(/\s+/g, '').toUpperCase()];
      if (chars.length !== 4) return null;
      const value = chars.map((c) => ('ĐDT'.includes(c) ? true : 'SF'.includes(c) ? false : '-–_'.includes(c) ? null : undefined));
      return value.includes(undefined) ? null : value;
    }
    default:
      return /^[0-9,.-]{1,4}$/.test(s) ? s : null;
  }
}

/** SHA-256 of a file, hex, or `null` where the browser offers no digest (plain http off localhost). */
async function sha256(file) {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function reasonText(t, reason) {
  const key = `pp.r.${reason}`;
  const s = t(key);
  return s === key ? reason : s;
}

function summaryPanel(ctx, sum) {
  const { t } = ctx;
  const stat = (label, n, id) => h('div', { class: 'paper-stat' }, h('span', { class: 'muted' }, label), h('strong', { id }, String(n)));
  return h('section', { class: 'panel', 'aria-labelledby': 'h-paper-summary' }, h('h2', { id: 'h-paper-summary' }, t('pp.summary')),
    h('div', { class: 'paper-stats' }, stat(t('pp.sheets'), sum.sheets, 'paper-sheets'), stat(t('pp.pending'), sum.pending, 'paper-pending'),
      stat(t('pp.decided'), sum.decided, 'paper-decided'), stat(t('pp.held_pending'), sum.held_pending ?? 0, 'paper-held-pending')));
}

function roomsPanel(ctx, id, sum, redraw) {
  const { t } = ctx;
  const table = h('table', { class: 'data', id: 'paper-rooms' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('pp.room')), h('th', { scope: 'col' }, t('pp.state')), h('th', { scope: 'col' }, t('pp.print')))),
    h('tbody', {}, sum.rooms.map((r) => h('tr', { dataset: { room: r.name } }, h('th', { scope: 'row' }, r.name),
      h('td', {}, r.on_paper ? t('pp.on_paper', { at: when(r.switched_at, ctx.lang), by: r.switched_by }) : t('pp.on_computer')),
      h('td', {}, fetchLink(`/api/v1/${eventPath(id, `rooms/${encodeURIComponent(r.id)}/answer-sheets`)}?blank=5`, t('pp.print.link', { room: r.name }),
        { download: `phieu-tra-loi-${r.name}.pdf`, id: `print-${r.name}` }))))));
  const computers = sum.rooms.filter((r) => !r.on_paper);
  let form;
  if (!computers.length) form = h('p', { class: 'muted' }, t('pp.switch.none'));
  else {
    const room = h('select', { id: 'switch-room' }, computers.map((r) => h('option', { value: r.id }, r.name)));
    const reason = h('input', { id: 'switch-reason', maxlength: '500', autocomplete: 'off' });
    const out = h('div', { 'aria-live': 'polite' });
    form = h('form', { novalidate: true, id: 'switch-form' }, h('h3', {}, t('pp.switch')), h('p', { class: 'hint' }, t('pp.switch.note')),
      h('div', { class: 'row' }, field(t('pp.switch.room'), room), field(t('pp.switch.reason'), reason),
        h('button', { type: 'submit', id: 'switch-submit' }, t('pp.switch.submit'))), out);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const name = room.selectedOptions[0]?.textContent || '';
      try {
        await ctx.api(eventPath(id, `rooms/${encodeURIComponent(room.value)}/paper`), { method: 'POST', json: reason.value.trim() ? { reason: reason.value.trim() } : {} });
        ctx.toast(t('pp.switched', { room: name }));
        await redraw('switch-room');
      } catch (err) {
        replace(out, errorBox(ctx.errorText(err)));
      }
    });
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'h-paper-rooms' }, h('h2', { id: 'h-paper-rooms' }, t('pp.rooms')),
    h('p', { class: 'hint' }, t('pp.print.note')), table, form);
}

/** The sheets of every chosen reader JSON, each with its scan's hash (computed when missing). */
async function readings(t, files) {
  const images = new Map(files.filter((f) => !f.name.toLowerCase().endsWith('.json')).map((f) => [f.name, f]));
  const sheets = [];
  const problems = [];
  for (const f of files.filter((x) => x.name.toLowerCase().endsWith('.json'))) {
    let doc;
    try {
      doc = JSON.parse(await f.text());
      if (!Array.isArray(doc.sheets)) throw new Error('no "sheets"');
    } catch (err) {
      problems.push(t('pp.upload.bad_json', { file: f.name, message: err.message }));
      continue;
    }
    for (const s of doc.sheets) {
      if (!s.image_sha256) {
        const image = images.get(String(s.image || '').split('/').pop());
        s.image_sha256 = image ? await sha256(image) : null;
        if (!s.image_sha256) {
          problems.push(t('pp.upload.no_hash', { image: s.image }));
          continue;
        }
      }
      sheets.push(s);
    }
  }
  return { sheets, problems };
}

function outcomeTable(t, outcomes) {
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('pp.outcome') },
    h('table', { class: 'data', id: 'upload-outcomes' },
      h('thead', {}, h('tr', {}, ['pp.image', 'pp.number', 'pp.outcome', 'pp.why'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, outcomes.map((o) => h('tr', { dataset: { status: o.status } }, h('td', { class: 'mono' }, o.image), h('td', { class: 'mono' }, o.number || ''),
        h('td', {}, t(`pp.o.${o.status}`)), h('td', {}, o.message || ''))))));
}

/** Most files and bytes in one request of scans (the server takes 50 files, 25 MB each). */
const SCAN_BATCH_FILES = 50;
const SCAN_BATCH_BYTES = 48 * 1024 * 1024;
const SCAN_FILE_BYTES = 25 * 1024 * 1024;

function isScan(f) {
  return /\.(png|jpe?g|tiff?)$/i.test(f.name);
}

/** The images in requests of at most 50 files and 48 MB; too large files left out as problems. */
function scanBatches(t, images) {
  const batches = [];
  const problems = [];
  let batch = [];
  let bytes = 0;
  for (const f of images) {
    if (f.size > SCAN_FILE_BYTES) {
      problems.push(t('pp.upload.too_big', { file: f.webkitRelativePath || f.name }));
      continue;
    }
    if (batch.length && (batch.length === SCAN_BATCH_FILES || bytes + f.size > SCAN_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(f);
    bytes += f.size;
  }
  if (batch.length) batches.push(batch);
  return { batches, problems };
}

/** Sends the scans themselves, read by the server; the outcomes of every batch sent. */
async function sendScans(ctx, id, batches, out) {
  const outcomes = [];
  const count = batches.reduce((n, b) => n + b.length, 0);
  for (const batch of batches) {
    const from = outcomes.length + 1;
    replace(out, h('p', { class: 'muted', role: 'status' }, ctx.t('pp.upload.reading', { from, to: from + batch.length - 1, count })));
    const body = new FormData();
    for (const f of batch) body.append('scans', f, f.webkitRelativePath || f.name);
    const done = await ctx.api(eventPath(id, 'paper/scans'), { method: 'POST', body });
    outcomes.push(...done.sheets);
  }
  return outcomes;
}

function uploadPanel(ctx, id, redraw) {
  const { t } = ctx;
  const folder = h('input', { id: 'paper-folder', type: 'file', webkitdirectory: '', multiple: true });
  const files = h('input', { id: 'paper-files', type: 'file', multiple: true, accept: '.json,application/json,image/png,image/jpeg,image/tiff' });
  const out = h('div', { id: 'upload-out', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary', id: 'upload-sheets' }, t('pp.upload.submit'));
  const form = h('form', { novalidate: true }, h('p', { class: 'hint' }, t('pp.upload.lead')),
    h('div', { class: 'row' }, field(t('pp.folder'), folder), field(t('pp.files'), files)), button, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = [...folder.files, ...files.files];
    // With a reader's JSON the page sends the readings; with images alone, the images themselves.
    const withJson = chosen.some((f) => f.name.toLowerCase().endsWith('.json'));
    const { sheets, problems } = withJson ? await readings(t, chosen) : { sheets: [], problems: [] };
    const { batches, problems: tooBig } = withJson ? { batches: [], problems: [] } : scanBatches(t, chosen.filter(isScan));
    problems.push(...tooBig);
    if (!sheets.length && !batches.length) {
      replace(out, errorBox([...problems, t('pp.upload.none')].join(' ')));
      return;
    }
    if (sheets.length) replace(out, h('p', { class: 'muted' }, t('pp.upload.sending', { count: sheets.length })));
    button.disabled = true;
    const outcomes = [];
    try {
      for (let i = 0; i < sheets.length; i += 200) {
        const done = await ctx.api(eventPath(id, 'paper/sheets'), { method: 'POST', json: { sheets: sheets.slice(i, i + 200) } });
        outcomes.push(...done.sheets);
      }
      outcomes.push(...await sendScans(ctx, id, batches, out));
      const count = (s) => outcomes.filter((o) => o.status === s).length;
      const summary = t('pp.upload.done2', { ingested: count('ingested'), held: count('held'), duplicate: count('duplicate'), refused: count('refused') });
      await redraw();
      replace(document.getElementById('upload-out'), h('p', { class: count('refused') ? 'warn-box' : 'ok-box', role: 'status', id: 'upload-summary' }, summary),
        problems.length ? errorBox(problems.join(' ')) : null, outcomeTable(t, outcomes));
    } catch (err) {
      // A batch refused whole (a file named in the message); the batches before it were read in.
      if (outcomes.length) await redraw();
      replace(document.getElementById('upload-out'), errorBox(ctx.errorText(err)), outcomes.length ? outcomeTable(t, outcomes) : null);
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'h-paper-upload' }, h('h2', { id: 'h-paper-upload' }, t('pp.upload')), form);
}

/** One flagged mark with its crop, proposed reading and the decision form. */
function flagCard(ctx, id, f, redraw) {
  const { t } = ctx;
  const part = partOf(f.key);
  const hint = t(`pp.value.hint.${part}`);
  const name = `decision-${f.id}`;
  const hasProposal = f.proposed !== null && f.proposed !== undefined;
  const radio = (value, label, attrs = {}) => {
    const input = h('input', { type: 'radio', name, value, id: `${name}-${value}`, ...attrs });
    return h('div', { class: 'check' }, input, h('label', { for: input.id }, label));
  };
  const value = h('input', { id: `value-${f.id}`, class: 'paper-value', autocomplete: 'off', spellcheck: 'false' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, class: 'flag-form' },
    h('fieldset', {}, h('legend', {}, t('pp.decision')),
      radio('accept', t('pp.d.accept'), hasProposal ? { checked: true } : { disabled: true }),
      radio('set', t('pp.d.set'), hasProposal ? {} : { checked: true }),
      field(t('pp.value', { key: f.key }), value, hint),
      radio('blank', t('pp.d.blank'))),
    h('button', { type: 'submit', id: `decide-${f.id}` }, t('pp.decide')), out);
  value.addEventListener('input', () => { form.querySelector(`#${name}-set`).checked = true; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const decision = form.querySelector(`input[name="${name}"]:checked`)?.value;
    const body = { decision };
    if (decision === 'set') {
      const parsed = parseValue(f.key, value.value);
      if (parsed === null) {
        value.setAttribute('aria-invalid', 'true');
        replace(out, errorBox(t('pp.value.bad', { hint })));
        value.focus();
        return;
      }
      body.value = parsed;
    }
    try {
      await ctx.api(eventPath(id, `paper/flags/${f.id}/decision`), { method: 'POST', json: body });
      ctx.toast(t('pp.decided.one', { key: f.key, number: f.number }));
      await redraw('h-paper-queue');
    } catch (err) {
      replace(out, errorBox(ctx.errorText(err)));
    }
  });
  const crop = f.crop
    ? h('img', { src: f.crop, class: 'paper-crop', alt: t('pp.crop.alt', { key: f.key, number: f.number }) })
    : h('p', { class: 'muted' }, t('pp.crop.none'));
  const titleId = `flag-${f.id}-title`;
  return h('article', { class: 'flag-card', 'aria-labelledby': titleId, dataset: { flag: String(f.id), key: f.key, number: f.number } },
    h('h3', { id: titleId }, t('pp.flag.title', { key: f.key, number: f.number })),
    h('div', { class: 'flag-body' }, h('div', { class: 'flag-crop' }, crop),
      h('div', {}, h('dl', { class: 'flag-facts' },
        h('dt', {}, t('pp.reason')), h('dd', {}, reasonText(t, f.reason)),
        h('dt', {}, t('pp.proposed')), h('dd', { class: 'mono proposed' }, hasProposal ? answerText(f.proposed, ctx.lang) : t('pp.proposed.none')),
        h('dt', {}, t('pp.image')), h('dd', { class: 'mono' }, f.sheet_id ? `${f.image} · ${f.sheet_id}` : f.image)),
      form)));
}

function decidedTable(ctx, decided) {
  const { t } = ctx;
  if (!decided.length) return null;
  const text = (f) => (f.decision === 'blank' ? t('pp.d.blank') : answerText(f.value, ctx.lang));
  return h('div', {}, h('h3', {}, t('pp.history')),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('pp.history') },
      h('table', { class: 'data', id: 'decided-flags' },
        h('thead', {}, h('tr', {}, ['pp.number', 'pp.key', 'pp.reason', 'pp.decision', 'pp.value.col', 'pp.by', 'pp.at'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, decided.map((f) => h('tr', { dataset: { flag: String(f.id) } }, h('td', { class: 'mono' }, f.number), h('td', {}, f.key),
          h('td', {}, reasonText(t, f.reason)), h('td', {}, t(`pp.d.${f.decision}`)), h('td', { class: 'mono' }, text(f)),
          h('td', {}, f.decided_by || ''), h('td', {}, when(f.decided_at, ctx.lang))))))));
}

function queuePanel(ctx, id, flags, redraw) {
  const { t } = ctx;
  const pending = flags.filter((f) => !f.decision);
  const decided = flags.filter((f) => f.decision);
  return h('section', { class: 'panel', 'aria-labelledby': 'h-paper-queue' }, h('h2', { id: 'h-paper-queue', tabindex: '-1' }, t('pp.queue')),
    pending.length ? h('div', { id: 'flag-list' }, pending.map((f) => flagCard(ctx, id, f, redraw))) : h('p', { class: 'ok-box', id: 'queue-empty' }, t('pp.queue.empty')),
    decidedTable(ctx, decided));
}

/** One held sheet: its crops, what the reader read, and the form naming its candidate. */
function heldCard(ctx, id, s, redraw) {
  const { t } = ctx;
  const number = h('input', { id: `held-number-${s.id}`, class: 'mono', value: s.proposed_number || '', autocomplete: 'off', spellcheck: 'false', maxlength: '32' });
  const version = h('input', { id: `held-version-${s.id}`, class: 'mono', value: s.proposed_version || '', autocomplete: 'off', spellcheck: 'false', maxlength: '32' });
  const note = h('input', { id: `held-note-${s.id}`, maxlength: '500', autocomplete: 'off' });
  const out = h('div', { 'aria-live': 'polite' });
  const send = async (body, done) => {
    try {
      const v = await ctx.api(eventPath(id, `paper/held/${encodeURIComponent(s.id)}/decision`), { method: 'POST', json: body });
      ctx.toast(t(done, { image: s.image, number: v.number || '' }));
      await redraw('h-paper-held');
    } catch (err) {
      replace(out, errorBox(ctx.errorText(err)));
    }
  };
  const reject = h('button', { type: 'button', id: `held-reject-${s.id}` }, t('pp.held.reject'));
  reject.addEventListener('click', () => send({ decision: 'reject', ...(note.value.trim() ? { note: note.value.trim() } : {}) }, 'pp.held.rejected'));
  const form = h('form', { novalidate: true, class: 'flag-form' },
    h('div', { class: 'row' }, field(t('pp.held.number'), number), field(t('pp.held.version'), version)), field(t('pp.held.note'), note),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: `held-assign-${s.id}` }, t('pp.held.assign')), reject), out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!number.value.trim() || !version.value.trim()) {
      replace(out, errorBox(t('pp.held.need')));
      (number.value.trim() ? version : number).focus();
      return;
    }
    const body = { decision: 'assign', number: number.value.trim(), version: version.value.trim() };
    if (note.value.trim()) body.note = note.value.trim();
    send(body, 'pp.held.assigned');
  });
  const crops = s.crops.map((c) => (c.crop
    ? h('figure', {}, h('img', { src: c.crop, class: 'paper-crop', alt: t('pp.held.crop.alt', { key: c.key, image: s.image }) }),
      h('figcaption', { class: 'muted' }, `${c.key} · ${reasonText(t, c.reason)}${c.detail ? ` · ${c.detail}` : ''}`))
    : h('p', { class: 'muted' }, `${c.key} · ${reasonText(t, c.reason)} · ${t('pp.crop.none')}`)));
  const read = [s.proposed_number, s.proposed_version].filter(Boolean).join(' · ') || t('pp.proposed.none');
  const titleId = `held-${s.id}-title`;
  return h('article', { class: 'held-card', 'aria-labelledby': titleId, dataset: { held: s.id, reason: s.reason } },
    h('h3', { id: titleId }, t('pp.held.title', { image: s.image })),
    h('div', { class: 'flag-body' }, h('div', { class: 'flag-crop' }, crops.length ? crops : h('p', { class: 'muted' }, t('pp.crop.none'))),
      h('div', {}, h('dl', { class: 'flag-facts' },
        h('dt', {}, t('pp.reason')), h('dd', {}, t(`pp.h.${s.reason}`)),
        h('dt', {}, t('pp.held.message')), h('dd', {}, s.message),
        h('dt', {}, t('pp.held.proposed')), h('dd', { class: 'mono' }, read),
        h('dt', {}, t('pp.held.answers')), h('dd', {}, String(s.answers))),
      form)));
}

function heldPanel(ctx, id, held, redraw) {
  const { t } = ctx;
  const pending = held.filter((s) => !s.decision);
  const decided = held.filter((s) => s.decision);
  const history = decided.length
    ? h('div', {}, h('h3', {}, t('pp.held.history')),
      h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('pp.held.history') },
        h('table', { class: 'data', id: 'decided-held' },
          h('thead', {}, h('tr', {}, ['pp.image', 'pp.decision', 'pp.number', 'pp.held.note', 'pp.by', 'pp.at'].map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', {}, decided.map((s) => h('tr', { dataset: { held: s.id } }, h('td', { class: 'mono' }, s.image), h('td', {}, t(`pp.held.d.${s.decision}`)),
            h('td', { class: 'mono' }, s.number || ''), h('td', {}, s.note || ''), h('td', {}, s.decided_by || ''), h('td', {}, when(s.decided_at, ctx.lang))))))))
    : null;
  return h('section', { class: 'panel', 'aria-labelledby': 'h-paper-held' }, h('h2', { id: 'h-paper-held', tabindex: '-1' }, t('pp.held')),
    pending.length ? [h('p', { class: 'hint' }, t('pp.held.lead')), h('div', { id: 'held-list' }, pending.map((s) => heldCard(ctx, id, s, redraw)))]
      : h('p', { class: 'ok-box', id: 'held-empty' }, t('pp.held.empty')),
    history);
}

registerPage({
  route: 'events/:id/paper',
  roles: ['exam_board', 'admin'],
  title: { vi: 'Bài làm trên giấy', en: 'Paper sheets' },
  async render(el, ctx) {
    const id = ctx.params.id;
    const draw = async (focus) => {
      const [ev, sum, { flags }, { held }] = await Promise.all([
        ctx.api(eventPath(id)), ctx.api(eventPath(id, 'paper')), ctx.api(eventPath(id, 'paper/flags'), { query: { state: 'all' } }),
        ctx.api(eventPath(id, 'paper/held'), { query: { state: 'all' } }),
      ]);
      ctx.setTitle(`${ev.title} · ${ctx.t('tab.paper')}`);
      const upload = document.getElementById('upload-out');
      replace(el, eventTabs(id, 'paper'), summaryPanel(ctx, sum), h('div', { class: 'console-grid' }, uploadPanel(ctx, id, draw), roomsPanel(ctx, id, sum, draw)),
        heldPanel(ctx, id, held, draw), queuePanel(ctx, id, flags, draw));
      if (upload) replace(document.getElementById('upload-out'), ...upload.childNodes);
      if (focus) document.getElementById(focus)?.focus();
    };
    await draw();
  },
});

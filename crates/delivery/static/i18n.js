// Vietnamese (default) and English strings, and the switch between them. Elements name their text
// with data-i18n="key" (text), data-i18n-placeholder, data-i18n-title, data-i18n-label (aria-label);
// `apply()` fills them in. Other modules add their own strings with `addStrings`.

const DICT = {
  vi: {
    'lang.switch': 'English',
    'lang.switch.title': 'Switch to English',
    'large.toggle': 'Chữ lớn',
    'large.title': 'Phóng to chữ',
    'fullscreen': 'Toàn màn hình',
    'brand': 'Khảo thí',
    'login.title': 'Đăng nhập bài thi',
    'login.number': 'Số báo danh',
    'login.code': 'Mã đăng nhập',
    'login.code.hint': 'Mã gồm 10 ký tự trên phiếu của phòng thi, ví dụ ABCDE-12345.',
    'login.event': 'Mã kỳ thi',
    'login.submit': 'Vào thi',
    'login.connecting': 'Đang kết nối…',
    'login.err.login_failed': 'Số báo danh hoặc mã đăng nhập không đúng. Hãy kiểm tra lại trên phiếu.',
    'login.err.event_not_open': 'Bài thi chưa mở. Hãy chờ cán bộ coi thi thông báo rồi thử lại.',
    'login.err.admit_required': 'Bạn đã bắt đầu làm bài trên máy khác. Hãy báo cán bộ coi thi cho phép máy này rồi đăng nhập lại.',
    'login.err.rate_limited': 'Nhập sai quá nhiều lần. Hãy chờ vài phút hoặc báo cán bộ coi thi.',
    'login.err.event_required': 'Số báo danh này có trong nhiều kỳ thi: hãy nhập thêm mã kỳ thi.',
    'login.err.absent': 'Bạn đang được ghi vắng thi. Hãy báo cán bộ coi thi.',
    'login.err.seb_required': 'Bài thi này phải làm trong Safe Exam Browser, mở bằng tệp cấu hình (.seb) của kỳ thi. Hãy giơ tay báo cán bộ coi thi hoặc kỹ thuật viên phòng máy.',
    'login.err.seb_mismatch': 'Safe Exam Browser trên máy này chưa chạy đúng cấu hình (tệp .seb) của kỳ thi. Đừng tự sửa: hãy giơ tay báo cán bộ coi thi hoặc kỹ thuật viên phòng máy.',
    'login.err.resume_failed': 'Phiên làm bài đã được mở ở máy khác hoặc đã hết hiệu lực. Hãy đăng nhập lại bằng mã trên phiếu.',
    'login.err.unreachable': 'Không kết nối được máy chủ thi. Hãy kiểm tra mạng hoặc báo cán bộ coi thi.',
    'login.err.login_timeout': 'Đăng nhập quá lâu. Hãy thử lại.',
    'login.err.other': 'Không đăng nhập được: {message}',
    'login.err.empty': 'Hãy nhập số báo danh và mã đăng nhập.',
    'loading': 'Đang tải đề thi… {n}/{total}',
    'part': 'Phần {n}',
    'part.0': 'Phần I',
    'part.1': 'Phần II',
    'part.2': 'Phần III',
    'question': 'Câu {n}',
    'question.of': 'Câu {n} / {total}',
    'kind.single_choice': 'Chọn một phương án đúng (phím A–D).',
    'kind.true_false_group': 'Mỗi ý a)–d) chọn Đúng hoặc Sai (phím A–D chọn ý, T = Đúng, S = Sai).',
    'kind.short_answer': 'Điền đáp án ngắn: tối đa 4 ký tự gồm chữ số, dấu phẩy, dấu chấm, dấu trừ.',
    'tf.true': 'Đúng',
    'tf.false': 'Sai',
    'sa.label': 'Đáp án',
    'sa.hint': 'Ví dụ: 12 · 1,5 · -2 · 0,25 (Enter: lưu và sang câu sau)',
    'sa.invalid': 'Chỉ được dùng chữ số, dấu phẩy, dấu chấm, dấu trừ (tối đa 4 ký tự).',
    'save.none': 'Chưa trả lời',
    'save.saving': 'Đang lưu…',
    'save.queued': 'Chưa lưu — sẽ gửi khi có kết nối',
    'save.saved': 'Đã lưu ✓',
    'save.cleared': 'Đã xoá câu trả lời ✓',
    'save.refused': 'Không lưu được: {message}',
    'nav.title': 'Danh sách câu hỏi',
    'nav.prev': '← Câu trước',
    'nav.next': 'Câu sau →',
    'nav.flag': 'Đánh dấu xem lại',
    'nav.unflag': 'Bỏ đánh dấu',
    'nav.clear': 'Xoá câu trả lời',
    'nav.help': 'Phím tắt',
    'legend.answered': 'Đã trả lời',
    'legend.unanswered': 'Chưa trả lời',
    'legend.flagged': 'Cần xem lại',
    'legend.pending': 'Chưa lưu',
    'legend.partial': 'Làm một phần (Phần II)',
    'legend.partial.count': '{n}/{total} ý',
    'fs.prompt': 'Bài thi nên làm ở chế độ toàn màn hình.',
    'fs.again': 'Vào lại toàn màn hình',
    'progress': 'Đã trả lời {answered}/{total}',
    'progress.pending': '{n} câu chưa lưu',
    'submit': 'Nộp bài',
    'submit.title': 'Nộp bài?',
    'submit.unanswered': 'Còn {n} câu chưa trả lời:',
    'submit.all_answered': 'Bạn đã trả lời tất cả các câu.',
    'submit.flagged': 'Các câu đang đánh dấu xem lại:',
    'submit.pending': '{n} câu trả lời chưa được máy chủ lưu; chúng sẽ được gửi trước khi nộp.',
    'submit.warning': 'Sau khi nộp, bạn không thể sửa bài.',
    'submit.cancel': 'Quay lại làm bài',
    'submit.confirm': 'Nộp bài',
    'submit.waiting': 'Đang gửi các câu trả lời còn lại…',
    'submit.offline': 'Đang mất kết nối: bài sẽ được nộp ngay khi kết nối lại.',
    'submit.failed': 'Chưa nộp được bài: {message}',
    'clock.label': 'Thời gian còn lại',
    'clock.over': 'Hết giờ',
    'conn.online': 'Đã kết nối',
    'conn.offline': 'Mất kết nối',
    'banner.offline': 'Mất kết nối với máy chủ — đang kết nối lại (lần {n})… Thời gian vẫn được tính. Câu trả lời được giữ lại và sẽ gửi khi có kết nối.',
    'banner.time_over': 'Đã hết giờ làm bài. Bài đang được nộp.',
    'banner.error': '{message}',
    'paused.title': 'Bài thi đang tạm dừng',
    'paused.text': 'Cán bộ coi thi đã tạm dừng bài thi. Đồng hồ đã dừng; hãy chờ.',
    'paused.reason': 'Lý do: {reason}',
    'resumed': 'Bài thi tiếp tục.',
    'time.extended': 'Thời gian làm bài đã được điều chỉnh.',
    'final.submitted': 'Bạn đã nộp bài',
    'final.time_over': 'Hết giờ — bài đã được nộp tự động',
    'final.terminated': 'Bài thi đã bị đình chỉ',
    'final.already': 'Bài thi này đã được nộp trước đó.',
    'final.answered': 'Số câu đã trả lời: {answered}/{total}',
    'final.answered_server': 'Số câu máy chủ đã lưu: {answered}',
    'final.score': 'Điểm: {total} / {max}',
    'final.reason': 'Lý do: {reason}',
    'final.leave': 'Bạn có thể rời máy theo hướng dẫn của cán bộ coi thi.',
    'superseded.title': 'Bài thi đã được mở ở trình duyệt khác',
    'superseded.text': 'Trang này đã đóng để tránh làm bài ở hai nơi. Nếu đó không phải bạn, hãy báo cán bộ coi thi.',
    'superseded.again': 'Đăng nhập lại trên máy này',
    'help.title': 'Phím tắt',
    'help.close': 'Đóng',
    'help.keys': 'A–D: chọn phương án (Phần I) hoặc chọn ý a)–d) (Phần II)|T hoặc Đ: Đúng, S hoặc F: Sai (Phần II)|← → hoặc PageUp/PageDown: câu trước / câu sau|Home / End: câu đầu / câu cuối|M: đánh dấu xem lại|Delete: xoá câu trả lời|Enter (trong ô đáp án): lưu và sang câu sau|?: mở bảng này',
    'integrity.note': 'Việc rời khỏi trang, thoát toàn màn hình hay dán nội dung được ghi lại.',
    'candidate.who': '{name} · SBD {number} · Ghế {seat}',
  },
  en: {
    'lang.switch': 'Tiếng Việt',
    'lang.switch.title': 'Chuyển sang tiếng Việt',
    'large.toggle': 'Large text',
    'large.title': 'Make the text larger',
    'fullscreen': 'Full screen',
    'brand': 'Khảo thí',
    'login.title': 'Sign in to the test',
    'login.number': 'Candidate number (số báo danh)',
    'login.code': 'Login code',
    'login.code.hint': 'The 10-character code on the room sheet, e.g. ABCDE-12345.',
    'login.event': 'Exam event id',
    'login.submit': 'Start',
    'login.connecting': 'Connecting…',
    'login.err.login_failed': 'Wrong candidate number or login code. Check the sheet.',
    'login.err.event_not_open': 'The test is not open yet. Wait for the proctor and try again.',
    'login.err.admit_required': 'You already started on another computer. Ask the proctor to admit this one, then sign in again.',
    'login.err.rate_limited': 'Too many wrong attempts. Wait a few minutes or ask the proctor.',
    'login.err.event_required': 'This number is in several exam events: enter the event id too.',
    'login.err.absent': 'You are marked absent. Ask the proctor.',
    'login.err.seb_required': 'This test must be taken in Safe Exam Browser, started with the exam\'s configuration file (.seb). Ask the proctor or the lab technician.',
    'login.err.seb_mismatch': 'Safe Exam Browser on this computer does not run the exam\'s configuration (.seb file). Ask the proctor or the lab technician.',
    'login.err.resume_failed': 'Your session was opened elsewhere or has expired. Sign in again with the code on the sheet.',
    'login.err.unreachable': 'Cannot reach the exam server. Check the network or ask the proctor.',
    'login.err.login_timeout': 'Signing in took too long. Try again.',
    'login.err.other': 'Cannot sign in: {message}',
    'login.err.empty': 'Enter your candidate number and login code.',
    'loading': 'Loading the test… {n}/{total}',
    'part': 'Part {n}',
    'part.0': 'Part I',
    'part.1': 'Part II',
    'part.2': 'Part III',
    'question': 'Question {n}',
    'question.of': 'Question {n} of {total}',
    'kind.single_choice': 'Choose one option (keys A–D).',
    'kind.true_false_group': 'Mark each statement a)–d) true or false (A–D picks a statement, T = true, S or F = false).',
    'kind.short_answer': 'Short answer: up to 4 characters — digits, comma, point, minus.',
    'tf.true': 'True',
    'tf.false': 'False',
    'sa.label': 'Answer',
    'sa.hint': 'For example: 12 · 1,5 · -2 · 0,25 (Enter: save and go to the next question)',
    'sa.invalid': 'Only digits, comma, point and minus (at most 4 characters).',
    'save.none': 'Not answered',
    'save.saving': 'Saving…',
    'save.queued': 'Not saved yet — will be sent when the connection is back',
    'save.saved': 'Saved ✓',
    'save.cleared': 'Answer cleared ✓',
    'save.refused': 'Not saved: {message}',
    'nav.title': 'Questions',
    'nav.prev': '← Previous',
    'nav.next': 'Next →',
    'nav.flag': 'Flag for review',
    'nav.unflag': 'Remove flag',
    'nav.clear': 'Clear answer',
    'nav.help': 'Keys',
    'legend.answered': 'Answered',
    'legend.unanswered': 'Not answered',
    'legend.flagged': 'Flagged',
    'legend.pending': 'Not saved',
    'legend.partial': 'Partly answered (part II)',
    'legend.partial.count': '{n} of {total} statements',
    'fs.prompt': 'The test should be taken in full screen.',
    'fs.again': 'Back to full screen',
    'progress': 'Answered {answered}/{total}',
    'progress.pending': '{n} not saved yet',
    'submit': 'Submit',
    'submit.title': 'Submit the test?',
    'submit.unanswered': '{n} questions are not answered:',
    'submit.all_answered': 'You answered every question.',
    'submit.flagged': 'Flagged for review:',
    'submit.pending': '{n} answers are not saved by the server yet; they are sent before submitting.',
    'submit.warning': 'After submitting you cannot change your answers.',
    'submit.cancel': 'Back to the test',
    'submit.confirm': 'Submit',
    'submit.waiting': 'Sending the remaining answers…',
    'submit.offline': 'Disconnected: the test is submitted as soon as the connection is back.',
    'submit.failed': 'Not submitted yet: {message}',
    'clock.label': 'Time left',
    'clock.over': 'Time is up',
    'conn.online': 'Connected',
    'conn.offline': 'Disconnected',
    'banner.offline': 'Disconnected from the server — reconnecting (attempt {n})… The time keeps running. Your answers are kept and sent when the connection is back.',
    'banner.time_over': 'Time is up. The test is being submitted.',
    'banner.error': '{message}',
    'paused.title': 'The test is paused',
    'paused.text': 'The proctor paused the test. The clock is stopped; please wait.',
    'paused.reason': 'Reason: {reason}',
    'resumed': 'The test goes on.',
    'time.extended': 'Your time was adjusted.',
    'final.submitted': 'Your test is submitted',
    'final.time_over': 'Time is up — the test was submitted automatically',
    'final.terminated': 'The test was ended by the proctor',
    'final.already': 'This test was already submitted.',
    'final.answered': 'Questions answered: {answered}/{total}',
    'final.answered_server': 'Answers saved by the server: {answered}',
    'final.score': 'Score: {total} / {max}',
    'final.reason': 'Reason: {reason}',
    'final.leave': 'You may leave the computer as the proctor instructs.',
    'superseded.title': 'The test was opened in another browser',
    'superseded.text': 'This page is closed so the test is not taken in two places. If that was not you, tell the proctor.',
    'superseded.again': 'Sign in again on this computer',
    'help.title': 'Keyboard',
    'help.close': 'Close',
    'help.keys': 'A–D: choose an option (part I) or a statement a)–d) (part II)|T: true, S or F: false (part II)|← → or PageUp/PageDown: previous / next question|Home / End: first / last question|M: flag for review|Delete: clear the answer|Enter (in the answer box): save and go to the next question|?: open this list',
    'integrity.note': 'Leaving the page, leaving full screen and pasting are recorded.',
    'candidate.who': '{name} · No. {number} · Seat {seat}',
  },
};

const STORE_KEY = 'khaothi:lang';
const listeners = [];
let lang = readStored() || 'vi';

function readStored() {
  try {
    const v = localStorage.getItem(STORE_KEY);
    return v === 'vi' || v === 'en' ? v : null;
  } catch {
    return null;
  }
}

/** Adds strings (`{vi: {...}, en: {...}}`) of another page. */
export function addStrings(more) {
  for (const l of Object.keys(more)) Object.assign(DICT[l], more[l]);
}

/** The text of `key` in the current language with `{name}` placeholders filled in. */
export function t(key, params = {}) {
  const s = DICT[lang][key] ?? DICT.vi[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

export function currentLang() {
  return lang;
}

export function setLang(l) {
  lang = l === 'en' ? 'en' : 'vi';
  try {
    localStorage.setItem(STORE_KEY, lang);
  } catch {
    /* storage may be disabled: the switch still works for this page */
  }
  apply(document);
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.push(fn);
}

/** Fills every data-i18n* element under `root`. */
export function apply(root) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}

/** Wires the language and large-text buttons every page has (ids btn-lang, btn-large). */
export function wireCommonButtons() {
  const langBtn = document.getElementById('btn-lang');
  langBtn?.addEventListener('click', () => setLang(lang === 'vi' ? 'en' : 'vi'));
  const large = document.getElementById('btn-large');
  let on = false;
  try {
    on = localStorage.getItem('khaothi:large') === '1';
  } catch {
    /* default size */
  }
  const show = () => {
    document.documentElement.classList.toggle('large-text', on);
    large?.setAttribute('aria-pressed', String(on));
  };
  large?.addEventListener('click', () => {
    on = !on;
    try {
      localStorage.setItem('khaothi:large', on ? '1' : '0');
    } catch {
      /* not remembered */
    }
    show();
  });
  show();
  apply(document);
}

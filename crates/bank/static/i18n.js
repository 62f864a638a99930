// Vietnamese (default) and English strings of the bank's pages, and the switch between them
// (remembered in localStorage — a preference, never a credential). The shell's strings live here;
// each page module adds its own with `addStrings({vi: {…}, en: {…}})` beside its code.
// Error codes of our API have a sentence each (`err.<code>`); any other error shows the server's
// own message, so a new code is never a blank.

const STORE_KEY = 'khaothi:bank-lang';

const DICT = {
  vi: {
    'brand': 'Khảo thí · Ngân hàng câu hỏi',
    'lang.switch': 'English',
    'lang.switch.title': 'Switch to English',
    'skip': 'Bỏ qua đến nội dung chính',
    'nav.label': 'Các trang',
    'login.title': 'Đăng nhập',
    'login.lead': 'Ngân hàng câu hỏi dành cho người soạn, người duyệt, hội đồng thi và quản trị viên.',
    'login.username': 'Tên đăng nhập',
    'login.password': 'Mật khẩu',
    'login.submit': 'Đăng nhập',
    'login.busy': 'Đang đăng nhập…',
    'login.empty': 'Hãy nhập tên đăng nhập và mật khẩu.',
    'logout': 'Đăng xuất',
    'logout.done': 'Bạn đã đăng xuất.',
    'session.expired': 'Phiên làm việc đã hết hạn. Hãy đăng nhập lại.',
    'who': '{username} · {role}',
    'role.admin': 'Quản trị viên',
    'role.item_writer': 'Người soạn câu hỏi',
    'role.reviewer': 'Người duyệt',
    'role.exam_board': 'Hội đồng thi',
    'role.proctor': 'Cán bộ coi thi',
    'role.candidate': 'Thí sinh',
    'home.none': 'Vai trò của bạn chưa có trang nào trong ứng dụng này.',
    'route.unknown': 'Không có trang này. Hãy chọn một trang ở thanh trên.',
    'route.forbidden': 'Vai trò của bạn không được mở trang này.',
    'page.failed': 'Trang không hiển thị được: {message}',
    'loading': 'Đang tải…',
    'close': 'Đóng',
    'cancel': 'Huỷ',
    'save': 'Lưu',
    'err.network': 'Không kết nối được máy chủ ngân hàng câu hỏi. Hãy kiểm tra mạng rồi thử lại.',
    'err.bad_response': 'Máy chủ trả lời không đúng dạng (mã {status}).',
    'err.login_failed': 'Tên đăng nhập hoặc mật khẩu không đúng.',
    'err.rate_limited': 'Đăng nhập sai quá nhiều lần. Hãy chờ vài phút rồi thử lại.',
    'err.unauthorized': 'Bạn cần đăng nhập.',
    'err.invalid_token': 'Phiên làm việc đã hết hạn. Hãy đăng nhập lại.',
    'err.forbidden': 'Vai trò của bạn không được làm việc này.',
    'err.not_allowed': 'Quy trình không cho phép việc này: {message}',
    'err.not_found': 'Không tìm thấy: {message}',
    'err.conflict': 'Xung đột: {message}',
    'err.invalid': 'Dữ liệu chưa hợp lệ: {message}',
    'err.rejected': 'Tệp bị từ chối: {message}',
    'err.payload_too_large': 'Tệp hoặc nội dung quá lớn: {message}',
    'err.unsupported_media_type': 'Sai loại tệp: {message}',
    'err.internal': 'Máy chủ gặp lỗi nội bộ. Hãy thử lại; nếu vẫn lỗi, báo quản trị viên.',
    'err.other': '{message}',
  },
  en: {
    'brand': 'Khảo thí · Item bank',
    'lang.switch': 'Tiếng Việt',
    'lang.switch.title': 'Chuyển sang tiếng Việt',
    'skip': 'Skip to main content',
    'nav.label': 'Pages',
    'login.title': 'Sign in',
    'login.lead': 'The item bank for item writers, reviewers, exam boards and administrators.',
    'login.username': 'Username',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.busy': 'Signing in…',
    'login.empty': 'Enter your username and password.',
    'logout': 'Sign out',
    'logout.done': 'You have signed out.',
    'session.expired': 'Your session has expired. Please sign in again.',
    'who': '{username} · {role}',
    'role.admin': 'Administrator',
    'role.item_writer': 'Item writer',
    'role.reviewer': 'Reviewer',
    'role.exam_board': 'Exam board',
    'role.proctor': 'Proctor',
    'role.candidate': 'Candidate',
    'home.none': 'Your role has no pages in this application yet.',
    'route.unknown': 'There is no such page. Choose one in the bar above.',
    'route.forbidden': 'Your role may not open this page.',
    'page.failed': 'The page could not be shown: {message}',
    'loading': 'Loading…',
    'close': 'Close',
    'cancel': 'Cancel',
    'save': 'Save',
    'err.network': 'The item bank server cannot be reached. Check the network and try again.',
    'err.bad_response': 'The server answered in an unexpected form (status {status}).',
    'err.login_failed': 'Wrong username or password.',
    'err.rate_limited': 'Too many failed sign-ins. Wait a few minutes and try again.',
    'err.unauthorized': 'You need to sign in.',
    'err.invalid_token': 'Your session has expired. Please sign in again.',
    'err.forbidden': 'Your role may not do this.',
    'err.not_allowed': 'The workflow does not allow this: {message}',
    'err.not_found': 'Not found: {message}',
    'err.conflict': 'Conflict: {message}',
    'err.invalid': 'Not valid yet: {message}',
    'err.rejected': 'File refused: {message}',
    'err.payload_too_large': 'The file or content is too large: {message}',
    'err.unsupported_media_type': 'Wrong kind of file: {message}',
    'err.internal': 'The server had an internal error. Try again; if it persists, tell the administrator.',
    'err.other': '{message}',
  },
};

let lang = readLang();
const listeners = [];

function readLang() {
  try {
    const saved = localStorage.getItem(STORE_KEY);
    return saved === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}

/** Adds a page module's strings; later keys override earlier ones. */
export function addStrings(strings) {
  for (const l of Object.keys(DICT)) Object.assign(DICT[l], strings[l] || {});
}

/** The string `key` in the current language with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const s = DICT[lang][key] ?? DICT.vi[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** Whether `key` has a string (pages use it to choose between a sentence of ours and the server's). */
export function has(key) {
  return key in DICT[lang] || key in DICT.vi;
}

export function getLang() {
  return lang;
}

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'vi';
  try {
    localStorage.setItem(STORE_KEY, lang);
  } catch {
    /* storage disabled: the switch still works for this visit */
  }
  apply(document);
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.push(fn);
}

/** Fills every data-i18n* element under `root` (text, placeholder, title, aria-label). */
export function apply(root) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}

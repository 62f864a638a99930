// What the console's pages share: the event's three tabs (before, start, end), links a page cannot
// add a header to (downloads, print views: the HttpOnly `khaothi_fetch` cookie set at sign-in
// authenticates those GETs), the package refusals in words and the status names.

import { h } from './dom.js';
import { addStrings, t } from './i18n.js';
import './strings.js';

addStrings({
  vi: {
    'tab.prepare': 'Trước giờ thi', 'tab.start': 'Bắt đầu và theo dõi', 'tab.end': 'Kết thúc và kết quả', 'tab.paper': 'Bài làm trên giấy',
    'tabs.label': 'Các bước của kỳ thi',
    'st.not_started': 'Chưa vào thi', 'st.in_progress': 'Đang làm bài', 'st.paused': 'Tạm dừng',
    'st.submitted': 'Đã nộp bài', 'st.terminated': 'Đình chỉ', 'st.absent': 'Vắng thi',
    'ev.created': 'Mới tạo', 'ev.packaged': 'Đã nhập gói đề', 'ev.open': 'Đã mở đề', 'ev.scored': 'Đã công bố đáp án',
    'pkg.signature': 'Gói đề không được ký bằng khóa của Hội đồng: chữ ký không khớp khóa công khai đã ghim trên máy chủ này (gói đã bị sửa hoặc do người khác ký).',
    'pkg.malformed': 'Tệp này không phải gói đề hợp lệ (hỏng hoặc sai loại tệp): {message}',
    'pkg.event': 'Gói đề này dành cho kỳ thi khác: {message}',
    'pkg.no_key': 'Máy chủ điểm thi chưa được ghim khóa công khai của Hội đồng, nên chưa nhận được gói đề nào.',
    'pkg.started': 'Kỳ thi đã bắt đầu: không thể thay gói đề.',
    'pkg.wrong_key': 'Khóa không mở được {section} của gói đề: sai khóa (hoặc gói đề đã bị sửa). Hãy kiểm tra lại khóa Hội đồng gửi.',
    'pkg.section.content': 'phần đề thi', 'pkg.section.keys': 'phần đáp án',
    'open.new': '(mở thẻ mới)', 'end.site_record': 'Biên bản điểm thi',
  },
  en: {
    'tab.prepare': 'Before the exam', 'tab.start': 'Start and watch', 'tab.end': 'End and results', 'tab.paper': 'Paper sheets',
    'tabs.label': "The event's steps",
    'st.not_started': 'Not started', 'st.in_progress': 'In progress', 'st.paused': 'Paused',
    'st.submitted': 'Submitted', 'st.terminated': 'Terminated', 'st.absent': 'Absent',
    'ev.created': 'Created', 'ev.packaged': 'Package imported', 'ev.open': 'Unlocked', 'ev.scored': 'Keys released',
    'pkg.signature': "The package is not signed with the board's key: the signature does not match the board public key pinned on this server (altered, or signed by someone else).",
    'pkg.malformed': 'This file is not a valid package (damaged or the wrong file): {message}',
    'pkg.event': 'This package is for another event: {message}',
    'pkg.no_key': "This server has no pinned board public key, so it cannot accept packages yet.",
    'pkg.started': 'The event has started: its package cannot be replaced.',
    'pkg.wrong_key': 'The key does not open the {section} of the package: wrong key (or the package was altered). Check the key the board sent.',
    'pkg.section.content': 'content', 'pkg.section.keys': 'keys section',
    'open.new': '(opens a new tab)', 'end.site_record': "The site's record",
  },
});

/** The tab bar of an event's pages; `current` is 'prepare', 'start', 'end' or 'paper'. */
export function eventTabs(id, current) {
  const e = encodeURIComponent(id);
  const tabs = [['prepare', `#/events/${e}`], ['start', `#/events/${e}/start`], ['end', `#/events/${e}/end`], ['paper', `#/events/${e}/paper`]];
  return h('nav', { class: 'tabs', 'aria-label': t('tabs.label') },
    tabs.map(([k, href]) => h('a', { href, 'aria-current': k === current ? 'page' : null }, t(`tab.${k}`))));
}

/**
 * A link to a GET the browser sends itself (cookie-authenticated): a download (`download`: true,
 * or the file name to save as) or a print view.
 */
export function fetchLink(href, label, { download = false, newTab = false, id } = {}) {
  const name = typeof download === 'string' ? download : '';
  const a = h('a', { href, id, class: 'button-link', download: download ? name : null }, label);
  if (newTab) {
    a.target = '_blank';
    a.rel = 'noopener';
    a.append(h('span', { class: 'visually-hidden' }, ` ${t('open.new')}`));
  }
  return a;
}

/** The sentence for a refused package import, unlock or key release (the server's words mapped). */
export function refusalText(err, ctx) {
  const m = String(err?.message || '');
  if (err?.code === 'package_refused') {
    if (m.includes('signature does not verify')) return t('pkg.signature');
    if (m.includes('malformed') || m.includes('not UTF-8')) return t('pkg.malformed', { message: m });
    if (m.includes('this package is for event')) return t('pkg.event', { message: m });
    const section = /the key does not open the (\w+) section/.exec(m);
    if (section) return t('pkg.wrong_key', { section: t(`pkg.section.${section[1]}`) });
  }
  if (err?.code === 'not_allowed' && m.includes('board_public_key')) return t('pkg.no_key');
  if (err?.code === 'conflict' && m.includes('has started')) return t('pkg.started');
  return ctx.errorText(err);
}

/** A status word in the page's language (the API's snake_case names). */
export function statusText(kind, status) {
  const key = `${kind}.${status}`;
  const s = t(key);
  return s === key ? status : s;
}

/** `api` of an event: `ev(ctx, id, 'rooms')` → `/api/v1/events/<id>/rooms`. */
export function eventPath(id, rest = '') {
  return `events/${encodeURIComponent(id)}${rest ? `/${rest}` : ''}`;
}

/** An error box (role=alert) holding `text`, or nothing. */
export function errorBox(text) {
  return text ? h('p', { class: 'error-box', role: 'alert' }, text) : null;
}

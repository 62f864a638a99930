// The console's words over the bank's shell strings (the shell, sign-in and error sentences are
// the bank's `i18n.js`; what differs on the delivery server is said here), and the delivery API's
// error codes in words. Imported by common.js, so by every page module; it relabels the static
// parts of console.html once its strings are in.

import { addStrings, apply } from './i18n.js';

addStrings({
  vi: {
    'brand': 'Khảo thí · Điều hành điểm thi',
    'login.lead': 'Bàn điều hành của điểm thi: dành cho Hội đồng thi và lãnh đạo điểm thi (tài khoản như của API).',
    'home.none': 'Bàn điều hành dành cho Hội đồng thi. Cán bộ coi thi dùng trang /proctor.',
    'err.network': 'Không kết nối được máy chủ điểm thi. Hãy kiểm tra mạng rồi thử lại.',
    'err.invalid_id': 'Mã kỳ thi gồm 1–64 ký tự A–Z a–z 0–9 - _ .',
    'err.invalid_room': 'Phòng thi cần có tên và từ 1 đến 10000 chỗ ngồi.',
    'err.invalid_csv': 'Tệp không phải danh sách thí sinh dạng CSV: {message}',
    'err.bad_release_key': 'Mã khóa không đúng dạng: {message}',
    'err.package_refused': 'Gói đề bị từ chối: {message}',
    'err.keys_not_released': 'Chưa công bố đáp án: hãy nhập khóa đáp án ở mục Kết thúc.',
    'err.upload_failed': 'Gửi kết quả lên ngân hàng không thành công: {message}',
    'err.bank_not_allowed': 'Điểm thi chỉ được gửi kết quả tới ngân hàng đã cấu hình (để trống ô địa chỉ để dùng ngân hàng đó): {message}',
    'err.no_bank_configured': 'Máy chủ điểm thi chưa được cấu hình địa chỉ ngân hàng câu hỏi (bank_url): {message}',
    'err.unknown_site': 'Ngân hàng câu hỏi chưa đăng ký khóa của điểm thi này: {message}',
    'err.result_refused': 'Ngân hàng từ chối tệp kết quả: {message}',
    'err.chain_broken': 'Chuỗi ghi nhận bài làm bị đứt: {message}',
    'err.weak_password': 'Mật khẩu cần ít nhất 10 ký tự.',
    'err.invalid_role': 'Tài khoản ở điểm thi là cán bộ coi thi hoặc Hội đồng thi.',
    'err.invalid_format': 'Định dạng không hỗ trợ: {message}',
    'err.busy': 'Máy chủ đang bận. Hãy thử lại sau ít giây.',
    'err.invalid_layout': 'Sơ đồ phòng không hợp lệ: {message}',
  },
  en: {
    'brand': 'Khảo thí · Test site console',
    'login.lead': "The test site's console for the exam board and the site's head (the API's accounts).",
    'home.none': 'The console is for the exam board. Proctors use the /proctor page.',
    'err.network': 'The test site server cannot be reached. Check the network and try again.',
    'err.invalid_id': 'An event id is 1–64 characters from A–Z a–z 0–9 - _ .',
    'err.invalid_room': 'A room has a name and 1–10000 seats.',
    'err.invalid_csv': 'The file is not a candidate CSV: {message}',
    'err.bad_release_key': 'The key is not well formed: {message}',
    'err.package_refused': 'Package refused: {message}',
    'err.keys_not_released': 'The keys are not released yet: enter the keys code under End.',
    'err.upload_failed': 'The upload to the bank failed: {message}',
    'err.bank_not_allowed': 'Results go only to the bank configured for this site (leave the address empty to use it): {message}',
    'err.no_bank_configured': "This site's server has no item bank address configured (bank_url): {message}",
    'err.unknown_site': "The bank has not registered this site's key: {message}",
    'err.result_refused': 'The bank refused the result file: {message}',
    'err.chain_broken': 'The answer log chain is broken: {message}',
    'err.weak_password': 'A password has at least 10 characters.',
    'err.invalid_role': 'Site accounts are proctors or exam board members.',
    'err.invalid_format': 'Unsupported format: {message}',
    'err.busy': 'The server is busy. Try again in a few seconds.',
    'err.invalid_layout': 'The room layout does not fit: {message}',
  },
});

apply(document);

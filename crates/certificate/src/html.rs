//! The printable certificate: one A4 page in Vietnamese with the scores, the QR code (SVG, inline)
//! and the certificate string in full, for a verifier without a camera. Self-contained (its own
//! `<style>`, no script, nothing loaded), so the bank can serve it under the Print policy and the
//! CLI can write it to a file that prints anywhere.

use crate::claims::Claims;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A score in hundredths with the Vietnamese decimal comma (`825` → `8,25`).
pub fn score_text(hundredths: u32) -> String {
    format!("{},{:02}", hundredths / 100, hundredths % 100)
}

/// A UTC date `dd/mm/yyyy` from seconds since 1970 (civil-from-days, Howard Hinnant's algorithm).
pub fn date_text(unix: i64) -> String {
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{d:02}/{m:02}/{y}")
}

const STYLE: &str = "@page{size:A4;margin:18mm}body{font-family:'Times New Roman',serif;color:#000;max-width:174mm;margin:0 auto;padding:6mm 0}\
header{text-align:center}header p{margin:0}.nation{font-weight:bold}.motto{font-weight:bold;text-decoration:underline}\
h1{text-align:center;font-size:20pt;margin:10mm 0 2mm}.issuer{text-align:center;margin:0 0 8mm}\
dl{display:grid;grid-template-columns:45mm 1fr;gap:2mm 4mm;font-size:13pt}dt{font-weight:bold}dd{margin:0}\
table{border-collapse:collapse;width:100%;margin:6mm 0;font-size:13pt}th,td{border:1px solid #000;padding:2mm 3mm;text-align:left}\
td.score{text-align:right;font-weight:bold}.verify{display:grid;grid-template-columns:62mm 1fr;gap:6mm;align-items:start;margin-top:6mm}\
.verify svg{width:60mm;height:60mm}.code{font-family:monospace;font-size:7pt;word-break:break-all}.small{font-size:10pt}";

/// The certificate page. `qr_svg` is the QR of `text` ([`crate::qr::Matrix::svg`]); `id` the
/// certificate id.
pub fn certificate_html(claims: &Claims, text: &str, id: &str, qr_svg: &str) -> String {
    let mut rows = String::new();
    for r in &claims.results {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"score\">{}</td></tr>",
            esc(&r.subject),
            esc(&r.event),
            score_text(r.score)
        ));
    }
    let dob = claims
        .date_of_birth
        .as_ref()
        .map(|d| format!("<dt>Ngày sinh</dt><dd>{}</dd>", esc(d)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Giấy chứng nhận kết quả thi — {sbd}</title><style>{STYLE}</style></head><body>\
<header><p class=\"nation\">CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM</p><p class=\"motto\">Độc lập – Tự do – Hạnh phúc</p></header>\
<main><h1>GIẤY CHỨNG NHẬN KẾT QUẢ THI</h1><p class=\"issuer\">{issuer}</p>\
<dl><dt>Số báo danh</dt><dd>{sbd}</dd><dt>Họ và tên</dt><dd>{name}</dd>{dob}<dt>Ngày cấp</dt><dd>{date}</dd></dl>\
<table><caption class=\"small\">Điểm theo thang 10</caption><thead><tr><th scope=\"col\">Môn thi</th><th scope=\"col\">Kỳ thi</th><th scope=\"col\">Điểm</th></tr></thead><tbody>{rows}</tbody></table>\
<section class=\"verify\" aria-label=\"Kiểm tra giấy chứng nhận\">{qr_svg}<div><p><strong>Kiểm tra tính xác thực:</strong> quét mã QR hoặc dán chuỗi dưới đây vào trang kiểm tra giấy chứng nhận của hội đồng thi, \
hoặc dùng lệnh <code>khaothi certificate verify</code> với danh sách khoá công khai của hội đồng. Chữ ký số (Ed25519) bảo đảm nội dung không bị sửa.</p>\
<p class=\"small\">Mã giấy chứng nhận: <code>{id}</code></p><p class=\"code\">{text}</p></div></section></main></body></html>\n",
        sbd = esc(&claims.candidate),
        issuer = esc(&claims.issuer),
        name = esc(&claims.name),
        date = date_text(claims.issued_at),
        text = esc(text),
        id = esc(id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_scores_read_the_vietnamese_way() {
        assert_eq!(date_text(0), "01/01/1970");
        assert_eq!(date_text(1_782_950_400), "02/07/2026");
        assert_eq!(score_text(825), "8,25");
        assert_eq!(score_text(1000), "10,00");
        assert_eq!(score_text(5), "0,05");
    }
}

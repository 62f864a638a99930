//! The room's sheets of login codes (issue 15, item 9): what the room sheet route answers.
//!
//! - `format=slips`: one slip per candidate to cut and hand out — name, số báo danh, seat, room,
//!   the login code and the address to open — ten to an A4 page with dashed cut lines. A slip
//!   carries nothing another candidate could use: the code is the candidate's own, and the
//!   version (mã đề) is not on it.
//! - `format=table`: the proctor's table, all candidates of the room one row each, with the
//!   version and a column to sign, and the proctors' signature blocks.
//! - `format=text`: the same table as plain text; JSON otherwise ([`RoomSheet`]).
//!
//! The printed pages are whole documents with their own inline style (as the biên bản): nothing
//! else loads or runs, so their Content-Security-Policy allows no script at all. Staff open them
//! from the proctor page (or the console) in a new tab, where no `Authorization` header can be
//! added: the route accepts the `khaothi_fetch` cookie on this GET (`CurrentUserOrCookie`).

use std::fmt::Write as _;

use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::event_time::EventZone;
use crate::proctor::record::{esc, subject_name};

/// Slips on one A4 page: two columns of five.
pub const SLIPS_PER_PAGE: usize = 10;

/// The printed sheets' policy: their inline style, nothing else.
pub const PRINTED_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// One line of a room sheet.
#[derive(Serialize, ToSchema)]
pub struct SheetRow {
    pub seat: i32,
    pub number: String,
    pub full_name: String,
    /// `yyyy-mm-dd` as imported.
    pub date_of_birth: String,
    pub version: String,
    /// The candidate's login code.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoomSheet {
    pub event: String,
    pub room: String,
    pub room_id: String,
    pub candidates: Vec<SheetRow>,
}

/// What a printed sheet says about its room, beside the rows.
pub struct SheetHeading<'a> {
    pub event_id: &'a str,
    pub title: &'a str,
    pub subject: &'a str,
    pub room: &'a str,
    pub site: &'a str,
    /// The address candidates open (the candidate page).
    pub url: &'a str,
    pub printed_at: DateTime<Utc>,
    pub zone: &'a EventZone,
}

/// The candidate page's address as the staff reached this server: the request's `Host` (a lab
/// reaches the server by the name or address the proctor's computer used), `https` behind a TLS
/// proxy that says so.
pub fn candidate_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if khaothi_auth::cookie::is_https(headers) { "https" } else { "http" };
    format!("{scheme}://{host}/")
}

/// A printed sheet as the response: HTML with [`PRINTED_CSP`].
pub fn printed(html: String) -> Response {
    ([(header::CONTENT_SECURITY_POLICY, PRINTED_CSP)], Html(html)).into_response()
}

/// A stored `yyyy-mm-dd` as `dd/mm/yyyy`, escaped.
fn date_vi(d: &str) -> String {
    match d.split('-').collect::<Vec<_>>()[..] {
        [y, m, day] => esc(&format!("{day}/{m}/{y}")),
        _ => esc(d),
    }
}

/// A4 portrait; on screen each page is drawn as a sheet of paper.
const COMMON_STYLE: &str = "@page{size:A4 portrait;margin:10mm}\
*{box-sizing:border-box}\
body{font-family:'Times New Roman','Noto Serif','DejaVu Serif',serif;color:#000;background:#e8e8e8;margin:0;padding:1em 0}\
.page{background:#fff;width:210mm;min-height:297mm;margin:0 auto 1em;padding:10mm;box-shadow:0 0 4px #999}\
.hint{font-family:sans-serif;font-size:11pt;text-align:center;margin:0 0 1em}\
.code{font-family:'DejaVu Sans Mono','Noto Sans Mono','Courier New',monospace;font-weight:700;letter-spacing:.06em;white-space:nowrap}\
@media print{body{background:#fff;padding:0}.page{width:auto;min-height:0;margin:0;padding:0;box-shadow:none;break-after:page}\
.page:last-child{break-after:auto}.hint{display:none}}";

/// A slip is 95 × 53 mm (two columns of five on A4 within 10 mm margins); its lines fit that box.
const SLIP_STYLE: &str = ".pagehead{font-size:10pt;display:flex;justify-content:space-between;margin-bottom:3mm}\
.slips{display:grid;grid-template-columns:1fr 1fr;grid-auto-rows:53mm;border-top:1px dashed #000;border-left:1px dashed #000}\
.slip{position:relative;border-right:1px dashed #000;border-bottom:1px dashed #000;padding:3mm 4mm 2mm;font-size:10.5pt;line-height:1.3;break-inside:avoid}\
.cut{position:absolute;top:-.6em;left:3mm;background:#fff;padding:0 1mm;font-family:'DejaVu Sans',sans-serif;font-size:10pt;line-height:1.1}\
.slip .ev{font-size:9pt;display:flex;justify-content:space-between;gap:2mm;border-bottom:1px solid #000;padding-bottom:.8mm;margin-bottom:1.2mm}\
.slip .ev span:first-child{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.slip .ev span:last-child{white-space:nowrap}\
.slip .name{font-size:12.5pt;font-weight:700;text-transform:uppercase;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}\
.slip dl{display:flex;flex-wrap:wrap;gap:0 4mm;margin:.5mm 0;font-size:9.5pt}.slip dl div{display:flex;gap:1.2mm;white-space:nowrap}\
.slip dt{font-style:italic}.slip dd{margin:0;font-weight:700}\
.slip .login{display:flex;align-items:center;gap:2mm;margin:1.2mm 0}\
.slip .code{flex:1;font-size:16pt;text-align:center;border:1.5px solid #000;border-radius:2mm;padding:.6mm 0}\
.slip .url{font-size:9.5pt;margin:0}.slip .url b{font-family:'DejaVu Sans Mono',monospace;word-break:break-all}\
.slip .keep{font-size:8.5pt;font-style:italic;margin:.3mm 0 0}";

const TABLE_STYLE: &str = ".head{width:100%;border:none}.head td{border:none;text-align:center;vertical-align:top;font-size:11pt;padding:0}\
.head b{display:block}h1{text-align:center;font-size:14pt;margin:5mm 0 1mm}.sub{text-align:center;margin:0 0 3mm;font-size:11.5pt}\
table.grid{border-collapse:collapse;width:100%}.grid th,.grid td{border:1px solid #000;padding:1.2mm 2mm;font-size:11pt;text-align:left;vertical-align:middle}\
.grid th{background:#eee}.grid tr{break-inside:avoid}.grid td.num{text-align:right;font-variant-numeric:tabular-nums}\
.grid td.code{font-size:12.5pt}.grid td.nowrap,.grid td.code{white-space:nowrap}.grid td.name{min-width:45mm}.grid td.sig{width:28mm}.note{font-size:10pt;font-style:italic;margin:2mm 0}\
.sign{width:100%;border:none;margin-top:8mm;break-inside:avoid}.sign td{border:none;text-align:center;vertical-align:top;width:50%;height:30mm;font-size:11.5pt}";

fn document_start(h: &mut String, title: &str, style: &str) {
    let _ = write!(
        h,
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <style>{COMMON_STYLE}{style}</style></head><body><main>",
        title = esc(title)
    );
}

/// The slips to cut: [`SLIPS_PER_PAGE`] to a page, in seat order.
pub fn slips_html(head: &SheetHeading, rows: &[SheetRow]) -> String {
    let mut h = String::new();
    document_start(&mut h, &format!("Phiếu đăng nhập — phòng {}", head.room), SLIP_STYLE);
    let _ = write!(
        h,
        "<p class=\"hint\">Phiếu đăng nhập của {n} thí sinh phòng {room}: in trên giấy A4 (Ctrl+P), cắt theo đường nét đứt, \
         phát tận tay từng thí sinh.</p>",
        n = rows.len(),
        room = esc(head.room)
    );
    let pages = rows.chunks(SLIPS_PER_PAGE).count().max(1);
    if rows.is_empty() {
        h.push_str("<section class=\"page\"><p>Phòng thi chưa có thí sinh.</p></section>");
    }
    for (i, page) in rows.chunks(SLIPS_PER_PAGE).enumerate() {
        let _ = write!(
            h,
            "<section class=\"page\" aria-label=\"Trang {n}/{pages}\"><div class=\"pagehead\"><span>Phiếu đăng nhập — {title} — phòng {room}</span><span>Trang {n}/{pages}</span></div><div class=\"slips\">",
            n = i + 1,
            title = esc(head.title),
            room = esc(head.room)
        );
        for row in page {
            slip(&mut h, head, row);
        }
        h.push_str("</div></section>");
    }
    h.push_str("</main></body></html>");
    h
}

/// One slip: the exam and room, the candidate, the code, where to type it.
fn slip(h: &mut String, head: &SheetHeading, row: &SheetRow) {
    let _ = write!(
        h,
        "<article class=\"slip\" data-number=\"{number}\"><span class=\"cut\" aria-hidden=\"true\">✂</span>\
         <div class=\"ev\"><span>{title} · Môn {subject}</span><span>Phòng <b>{room}</b> · Ghế <b>{seat}</b></span></div>\
         <div class=\"name\">{name}</div>\
         <dl><div><dt>Số báo danh</dt><dd>{number}</dd></div><div><dt>Ngày sinh</dt><dd>{dob}</dd></div></dl>\
         <div class=\"login\"><span>Mã đăng nhập:</span><span class=\"code\">{code}</span></div>\
         <p class=\"url\">Mở trình duyệt, vào <b>{url}</b>, nhập số báo danh và mã đăng nhập.</p>\
         <p class=\"keep\">Giữ kín mã này; không đưa cho người khác.</p></article>",
        number = esc(&row.number),
        title = esc(head.title),
        subject = esc(subject_name(head.subject)),
        room = esc(head.room),
        seat = row.seat,
        name = esc(&row.full_name),
        dob = date_vi(&row.date_of_birth),
        code = esc(&row.code),
        url = esc(head.url),
    );
}

/// The proctor's table: every candidate of the room, one row each, to check identities, hand
/// out slips and collect signatures.
pub fn table_html(head: &SheetHeading, rows: &[SheetRow]) -> String {
    let mut h = String::new();
    document_start(&mut h, &format!("Danh sách thí sinh — phòng {}", head.room), TABLE_STYLE);
    let _ = write!(
        h,
        "<p class=\"hint\">Danh sách của cán bộ coi thi: in trên giấy A4 (Ctrl+P). Tài liệu có mã đăng nhập của cả phòng — giữ kín.</p>\
         <section class=\"page\"><table class=\"head\"><tr><td><b>HỘI ĐỒNG THI: {title}</b><b>ĐIỂM THI: {site}</b></td>\
         <td><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><b>Độc lập – Tự do – Hạnh phúc</b></td></tr></table>\
         <h1>DANH SÁCH THÍ SINH VÀ MÃ ĐĂNG NHẬP</h1>\
         <p class=\"sub\">Kỳ thi: <b>{title}</b> (mã {event}) · Môn thi: <b>{subject}</b> · Phòng thi: <b>{room}</b> · {n} thí sinh<br>\
         Địa chỉ làm bài: <b class=\"code\">{url}</b> · In lúc {at} ({zone})</p>\
         <table class=\"grid\"><thead><tr><th>STT</th><th>Ghế</th><th>Số báo danh</th><th>Họ và tên</th><th>Ngày sinh</th>\
         <th>Mã đề</th><th>Mã đăng nhập</th><th>Chữ ký thí sinh</th></tr></thead><tbody>",
        title = esc(head.title),
        site = esc(head.site),
        event = esc(head.event_id),
        subject = esc(subject_name(head.subject)),
        room = esc(head.room),
        n = rows.len(),
        url = esc(head.url),
        at = head.zone.full(head.printed_at),
        zone = esc(&head.zone.label()),
    );
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(
            h,
            "<tr data-number=\"{number}\"><td class=\"num\">{n}</td><td class=\"num\">{seat}</td><td class=\"nowrap\">{number}</td><td class=\"name\">{name}</td>\
             <td class=\"nowrap\">{dob}</td><td>{version}</td><td class=\"code\">{code}</td><td class=\"sig\"></td></tr>",
            n = i + 1,
            seat = r.seat,
            number = esc(&r.number),
            name = esc(&r.full_name),
            dob = date_vi(&r.date_of_birth),
            version = esc(&r.version),
            code = esc(&r.code),
        );
    }
    if rows.is_empty() {
        h.push_str("<tr><td colspan=\"8\">Phòng thi chưa có thí sinh.</td></tr>");
    }
    h.push_str(
        "</tbody></table><p class=\"note\">Mã đăng nhập không phân biệt chữ hoa, chữ thường; chữ O đọc là số 0, chữ I và L đọc là số 1. \
         Thí sinh quên phiếu: đọc mã từ danh sách này sau khi đối chiếu giấy tờ tùy thân.</p>\
         <table class=\"sign\"><tr><td><b>CÁN BỘ COI THI 1</b><br><i>(Ký, ghi rõ họ tên)</i></td>\
         <td><b>CÁN BỘ COI THI 2</b><br><i>(Ký, ghi rõ họ tên)</i></td></tr></table></section></main></body></html>",
    );
    h
}

/// The same table as plain text (`format=text`).
pub fn table_text(event_id: &str, title: &str, room: &str, rows: &[SheetRow]) -> String {
    let mut t = format!("{event_id} — {title}\nPhòng thi / Room: {room}\n\n");
    t.push_str("Ghế  Số báo danh  Họ và tên                       Ngày sinh   Mã đăng nhập\n");
    for c in rows {
        let _ =
            writeln!(t, "{} {:<12} {:<31} {:<11} {}", c.seat, c.number, c.full_name, c.date_of_birth, c.code);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> Vec<SheetRow> {
        (1..=n)
            .map(|i| SheetRow {
                seat: i as i32,
                number: format!("TS{i:04}"),
                full_name: if i == 1 { "Lê <Thị> & An".into() } else { format!("Thí sinh {i}") },
                date_of_birth: "2008-03-09".into(),
                version: "0101".into(),
                code: format!("ABCDE-{i:05}"),
            })
            .collect()
    }

    fn heading(zone: &EventZone) -> SheetHeading<'_> {
        SheetHeading {
            event_id: "E1",
            title: "Thi thử Toán",
            subject: "toan",
            room: "P001",
            site: "THPT Chu Văn An",
            url: "http://10.0.0.5:8081/",
            printed_at: "2026-12-04T23:39:58Z".parse().unwrap(),
            zone,
        }
    }

    #[test]
    fn slips_are_one_per_candidate_ten_to_a_page_without_the_version() {
        let zone = EventZone::default();
        let html = slips_html(&heading(&zone), &rows(23));
        assert_eq!(html.matches("<article class=\"slip\"").count(), 23);
        assert_eq!(html.matches("<section class=\"page\"").count(), 3);
        assert!(html.contains("Trang 3/3"));
        assert!(html.contains("ABCDE-00023") && html.contains("TS0023") && html.contains("Ghế <b>23</b>"));
        assert!(
            html.contains("http://10.0.0.5:8081/")
                && html.contains("Môn Toán")
                && html.contains("09/03/2008")
        );
        assert!(html.contains("Lê &lt;Thị&gt; &amp; An"), "names are escaped");
        assert!(!html.contains("0101"), "a slip does not tell the candidate's version");
        assert!(!html.contains("<script"));
    }

    #[test]
    fn the_table_has_every_candidate_and_the_time_in_the_event_zone() {
        let zone = EventZone::default();
        let html = table_html(&heading(&zone), &rows(3));
        assert_eq!(html.matches("<tr data-number=").count(), 3);
        assert!(html.contains("06:39:58 05/12/2026"), "24-hour, the event's zone");
        assert!(html.contains("<td class=\"code\">ABCDE-00002</td>") && html.contains("<td>0101</td>"));
        assert!(html.contains("CÁN BỘ COI THI 2"));
        let empty = table_html(&heading(&zone), &[]);
        assert!(empty.contains("chưa có thí sinh"));
    }

    #[test]
    fn the_candidate_url_follows_the_host_and_the_proxy() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "10.1.2.3:8081".parse().unwrap());
        assert_eq!(candidate_url(&h), "http://10.1.2.3:8081/");
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert_eq!(candidate_url(&h), "https://10.1.2.3:8081/");
    }
}

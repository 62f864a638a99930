//! The biên bản (end-of-room record): the room, its proctors, every candidate with status, times
//! and answered count, and every incident and action in time order. Printable HTML in Vietnamese
//! laid out as the official record, A4 (times in the event's zone, `event_time`, 24-hour), or
//! `?format=json` (RFC 3339 UTC).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use khaothi_auth::CurrentUser;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::load_event;
use crate::access::require_room;
use crate::error::ApiResult;
use crate::event_time::EventZone;
use crate::json::{Path, Query};
use crate::proctor::roster::{self, entry_json};
use crate::session::{SessionStatus, SubmitReason};
use crate::state::AppState;
use crate::store::{
    self,
    entity::{staff, staff_room},
};

#[derive(Deserialize)]
pub struct RecordQuery {
    #[serde(default)]
    pub format: Option<String>,
}

/// `GET /api/v1/events/{e}/rooms/{room}/record[?format=json]` (board or the room's proctor).
pub async fn room_record(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((event_id, room_ref)): Path<(String, String)>,
    Query(q): Query<RecordQuery>,
) -> ApiResult<Response> {
    let e = load_event(&s, &event_id).await?;
    let r = crate::access::find_room(&s, &event_id, &room_ref).await?;
    require_room(&s, &user, &r.id, "read this room's record").await?;
    let cands = roster::room_candidates(&s, &r.id).await?;
    let seats = roster::seats(&s, &cands).await?;
    let log = roster::room_log(&s, &r.id).await?;
    let bound: Vec<String> = staff_room::Entity::find()
        .filter(staff_room::Column::RoomId.eq(&r.id))
        .all(&s.db.read)
        .await?
        .into_iter()
        .map(|b| b.staff_id)
        .collect();
    let mut proctors: Vec<Value> = staff::Entity::find()
        .filter(staff::Column::Id.is_in(bound))
        .all(&s.db.read)
        .await?
        .iter()
        .map(|p| json!({"username": p.username, "display_name": p.display_name, "role": p.role}))
        .collect();
    proctors.sort_by(|a, b| a["username"].as_str().cmp(&b["username"].as_str()));
    let acted: BTreeSet<&str> = log.iter().map(|l| l.actor.as_str()).collect();
    let mut summary: BTreeMap<String, usize> = BTreeMap::new();
    let candidates: Vec<Value> = cands
        .iter()
        .zip(seats)
        .map(|(c, mut seat)| {
            *summary.entry(seat["status"].as_str().unwrap_or_default().to_string()).or_default() += 1;
            seat["date_of_birth"] = json!(c.date_of_birth);
            seat["started_at"] = json!(c.started_at);
            seat["submitted_at"] = json!(c.submitted_at);
            seat["credited_seconds"] = json!(c.credited_seconds);
            seat["paused_ms"] = json!(c.paused_ms);
            seat
        })
        .collect();
    summary.insert("candidates".into(), candidates.len());
    let now = Utc::now();
    let record = json!({
        "event": {"id": e.id, "title": e.title, "subject": e.subject, "status": e.status,
                  "duration_seconds": e.duration_seconds},
        "room": {"id": r.id, "name": r.name, "seats": r.seats},
        "generated_at": now,
        "site": s.config.site_name,
        "time_zone": s.config.event_time_zone,
        "generated_by": user.username(),
        "proctors": proctors,
        "acted": acted,
        "summary": summary,
        "candidates": candidates,
        "log": log.iter().map(entry_json).collect::<Vec<_>>(),
    });
    store::audit(&s.writer, Some(&event_id), user.username(), "room_record_printed", json!({"room": r.name}))
        .await?;
    if q.format.as_deref() == Some("json") {
        return Ok(axum::Json(record).into_response());
    }
    // A printed document: its own inline style, nothing else loads or runs.
    let csp = (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    Ok(([csp], Html(html(&record, &s.config.zone()))).into_response())
}

pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A stored `yyyy-mm-dd` as `dd/mm/yyyy` (as written on Vietnamese papers).
fn date_vi(v: &Value) -> String {
    let d = v.as_str().unwrap_or_default();
    match d.split('-').collect::<Vec<_>>()[..] {
        [y, m, day] => esc(&format!("{day}/{m}/{y}")),
        _ => esc(d),
    }
}

fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok())
}

/// A stored time in the event's zone, `HH:MM:SS dd/mm/yyyy` (empty when unset).
fn time_of(v: &Value, zone: &EventZone) -> String {
    parse_time(v).map(|t| zone.full(t)).unwrap_or_default()
}

fn status_vi(s: &Value) -> &'static str {
    match serde_json::from_value::<SessionStatus>(s.clone()) {
        Ok(SessionStatus::NotStarted) => "Chưa vào thi",
        Ok(SessionStatus::InProgress) => "Đang làm bài",
        Ok(SessionStatus::Paused) => "Tạm dừng",
        Ok(SessionStatus::Submitted) => "Đã nộp bài",
        Ok(SessionStatus::Terminated) => "Đình chỉ thi",
        Ok(SessionStatus::Absent) => "Vắng thi",
        Err(_) => "—",
    }
}

fn action_vi(a: &str) -> &'static str {
    match a {
        "admit" => "Cho phép đăng nhập",
        "pause" => "Tạm dừng",
        "resume" => "Cho làm tiếp",
        "extend" => "Cộng thêm giờ",
        "terminate" => "Đình chỉ thi",
        "move_seat" => "Đổi chỗ ngồi",
        "absent" => "Ghi vắng thi",
        "note" => "Ghi nhận sự việc",
        "paper" => "Chuyển sang làm bài trên giấy",
        _ => "Khác",
    }
}

fn reason_vi(r: &str) -> &str {
    match SubmitReason::from_stored(r) {
        Some(SubmitReason::Candidate) => "thí sinh nộp",
        Some(SubmitReason::TimeOver) => "hết giờ",
        Some(SubmitReason::Terminated) => "đình chỉ",
        None if r == crate::paper::ingest::HANDED_IN => "nộp phiếu trả lời giấy",
        None => r,
    }
}

/// The printable biên bản of the JSON record, laid out as the official record of a THPT exam
/// room: quốc hiệu and tiêu ngữ beside the council's name, the title, the exam (môn, buổi thi),
/// the counts, the proctors, every candidate, the incidents in time order, and the signature
/// blocks side by side. Times are the event's ([`EventZone`]), 24-hour. A4 portrait in print.
fn html(r: &Value, zone: &EventZone) -> String {
    let mut h = String::new();
    heading(&mut h, r, zone);
    exam_lines(&mut h, r, zone);
    summary(&mut h, r);
    proctors(&mut h, r);
    candidates_table(&mut h, r, zone);
    log_table(&mut h, r, zone);
    signatures(&mut h);
    h
}

/// A4, serif, black on white: what a council files. `break-inside: avoid` keeps a row whole.
const STYLE: &str = "@page{size:A4 portrait;margin:15mm 15mm 15mm 20mm}\
body{font-family:'Times New Roman','Noto Serif',serif;font-size:13pt;margin:1.5em auto;max-width:190mm;color:#000;background:#fff}\
.head{width:100%;border:none;margin:0}.head td{border:none;text-align:center;vertical-align:top;width:42%;padding:0;font-size:12pt}.head td+td{width:58%}\
.head b{display:block}.motto{display:inline-block;border-bottom:1px solid #000;font-weight:700}\
.place{font-style:italic;margin-top:.6em}h1{text-align:center;font-size:15pt;margin:1.2em 0 .2em}\
.sub{text-align:center;margin:0 0 1em}h2{font-size:13pt;margin:1em 0 .3em}\
table.grid{border-collapse:collapse;width:100%;margin:.4em 0}.grid th,.grid td{border:1px solid #000;padding:2px 5px;font-size:11pt;text-align:left;vertical-align:top}.grid td.num{text-align:right}\
.grid tr{break-inside:avoid}.counts td{font-size:12pt}.num{text-align:right;font-variant-numeric:tabular-nums}\
.sign{width:100%;border:none;margin-top:2em;break-inside:avoid}.sign td{border:none;text-align:center;vertical-align:top;width:33%;height:9em}\
.zone{font-size:10pt;color:#333}@media print{body{margin:0;max-width:none}}";

/// Quốc hiệu and tiêu ngữ on the right, the Hội đồng thi / Điểm thi on the left, the title.
fn heading(h: &mut String, r: &Value, zone: &EventZone) {
    let when = parse_time(&r["generated_at"]).map(|t| zone.date_words(t)).unwrap_or_default();
    let _ = write!(
        h,
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Biên bản phòng thi {room}</title><style>{STYLE}</style></head><body>
<table class="head"><tr><td><b>HỘI ĐỒNG THI: {title}</b><b>ĐIỂM THI: {site}</b><span class="motto">PHÒNG THI SỐ {room}</span></td>
<td><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><span class="motto">Độc lập – Tự do – Hạnh phúc</span><div class="place">……………, {when}</div></td></tr></table>
<h1>BIÊN BẢN PHÒNG THI</h1>
<p class="sub">Phòng thi số <b>{room}</b> — {seats} chỗ ngồi</p>
"#,
        room = text(&r["room"]["name"]),
        title = text(&r["event"]["title"]),
        site = text(&r["site"]),
        seats = r["room"]["seats"],
    );
}

/// Môn, buổi thi (morning or afternoon of the first start), duration, when and by whom printed.
fn exam_lines(h: &mut String, r: &Value, zone: &EventZone) {
    let first_start =
        r["candidates"].as_array().into_iter().flatten().filter_map(|c| parse_time(&c["started_at"])).min();
    let session = first_start.map_or_else(
        || "chưa bắt đầu".to_string(),
        |t| {
            let hour: u32 = zone.hm(t)[..2].parse().unwrap_or(0);
            format!("{} ngày {}", if hour < 12 { "Sáng" } else { "Chiều" }, zone.date(t))
        },
    );
    let minutes = r["event"]["duration_seconds"].as_i64().map(|s| s / 60);
    let _ = write!(
        h,
        "<p>Kỳ thi: <b>{title}</b> (mã {event})<br>Môn thi: <b>{subject}</b>; buổi thi: <b>{session}</b>{duration}<br>\
         Biên bản lập lúc {at}, người lập: {by}. <span class=\"zone\">Giờ ghi trong biên bản: {zone_label}, 24 giờ.</span></p>",
        title = text(&r["event"]["title"]),
        event = text(&r["event"]["id"]),
        subject = esc(subject_name(r["event"]["subject"].as_str().unwrap_or_default())),
        duration = minutes.map(|m| format!("; thời gian làm bài: <b>{m} phút</b>")).unwrap_or_default(),
        at = time_of(&r["generated_at"], zone),
        by = text(&r["generated_by"]),
        zone_label = esc(&zone.label()),
    );
}

/// The subject's name as printed on THPT papers (the code when it is not a THPT subject).
pub(crate) fn subject_name(code: &str) -> &str {
    match code {
        "toan" => "Toán",
        "ngu_van" => "Ngữ văn",
        "vat_ly" => "Vật lí",
        "hoa_hoc" => "Hóa học",
        "sinh_hoc" => "Sinh học",
        "lich_su" => "Lịch sử",
        "dia_ly" => "Địa lí",
        "gdktpl" => "Giáo dục kinh tế và pháp luật",
        "tin_hoc" => "Tin học",
        "cong_nghe" => "Công nghệ",
        "tieng_anh" => "Tiếng Anh",
        other => other,
    }
}

/// The room's proctors, and anyone else who acted in the room.
fn proctors(h: &mut String, r: &Value) {
    h.push_str("<h2>Cán bộ coi thi</h2><ol>");
    for p in r["proctors"].as_array().into_iter().flatten() {
        let _ = write!(h, "<li>{} ({})</li>", text(&p["display_name"]), text(&p["username"]));
    }
    let others: Vec<String> = r["acted"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| !r["proctors"].as_array().into_iter().flatten().any(|p| p["username"] == **a))
        .map(text)
        .collect();
    if !others.is_empty() {
        let _ = write!(h, "<li>Có thao tác trong phòng: {}</li>", others.join(", "));
    }
    h.push_str("</ol>");
}

/// The counts a council adds up: on the list, present, absent, violations (đình chỉ), and by
/// status.
fn summary(h: &mut String, r: &Value) {
    let sm = &r["summary"];
    let count = |k: &str| sm[k].as_u64().unwrap_or(0);
    let present = count("submitted") + count("terminated") + count("in_progress") + count("paused");
    let absent = count("absent") + count("not_started");
    let warned = r["candidates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["flags"].as_u64().unwrap_or(0) > 0)
        .count();
    let _ = write!(
        h,
        "<table class=\"grid counts\"><tr><th>Số thí sinh theo danh sách</th><th>Có mặt</th><th>Vắng</th><th>Vi phạm (đình chỉ thi)</th><th>Có cảnh báo của hệ thống</th><th>Đã nộp bài</th></tr>\
         <tr><td class=\"num\">{}</td><td class=\"num\">{present}</td><td class=\"num\">{absent}</td><td class=\"num\">{}</td><td class=\"num\">{warned}</td><td class=\"num\">{}</td></tr></table>",
        count("candidates"),
        count("terminated"),
        count("submitted"),
    );
}

/// Signature blocks side by side: both proctors and the head of the exam site.
fn signatures(h: &mut String) {
    h.push_str(
        "<table class=\"sign\"><tr><td><b>CÁN BỘ COI THI 1</b><br><i>(Ký, ghi rõ họ tên)</i></td>\
         <td><b>CÁN BỘ COI THI 2</b><br><i>(Ký, ghi rõ họ tên)</i></td>\
         <td><b>TRƯỞNG ĐIỂM THI</b><br><i>(Ký, ghi rõ họ tên, đóng dấu)</i></td></tr></table></body></html>",
    );
}

/// One row per candidate: seat, who, version, status, times, answered count, extra time, flags.
fn candidates_table(h: &mut String, r: &Value, zone: &EventZone) {
    h.push_str("<h2>Danh sách thí sinh</h2><table class=\"grid\"><tr><th>Ghế</th><th>Số báo danh</th><th>Họ và tên</th><th>Ngày sinh</th><th>Mã đề</th><th>Trạng thái</th><th>Bắt đầu</th><th>Kết thúc</th><th>Số câu đã làm</th><th>Cộng giờ (phút)</th><th>Cảnh báo</th><th>Ghi chú</th></tr>");
    for c in r["candidates"].as_array().into_iter().flatten() {
        let mut note = Vec::new();
        if let Some(why) = c["submit_reason"].as_str() {
            note.push(format!("Kết thúc: {}", esc(reason_vi(why))));
        }
        if let Some(t) = c["terminate_reason"].as_str() {
            note.push(format!("Lý do đình chỉ: {}", esc(t)));
        }
        let paused = c["paused_ms"].as_i64().unwrap_or(0);
        if paused > 0 {
            note.push(format!("Tạm dừng tổng cộng {} giây", paused / 1000));
        }
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            c["seat"],
            text(&c["number"]),
            text(&c["full_name"]),
            date_vi(&c["date_of_birth"]),
            text(&c["version"]),
            status_vi(&c["status"]),
            time_of(&c["started_at"], zone),
            time_of(&c["submitted_at"], zone),
            c["answered"],
            c["item_count"],
            c["extra_minutes"],
            c["flags"],
            note.join("; ")
        );
    }
}

/// The room log in time order.
fn log_table(h: &mut String, r: &Value, zone: &EventZone) {
    h.push_str("</table><h2>Diễn biến và sự việc (theo thời gian)</h2>");
    let log = r["log"].as_array().cloned().unwrap_or_default();
    if log.is_empty() {
        h.push_str("<p>Không có sự việc nào được ghi nhận.</p>");
    } else {
        h.push_str("<table class=\"grid\"><tr><th>Thời gian</th><th>Người thực hiện</th><th>Thao tác</th><th>Số báo danh</th><th>Nội dung</th></tr>");
        for l in &log {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                time_of(&l["at"], zone),
                text(&l["by"]),
                action_vi(l["action"].as_str().unwrap_or_default()),
                text(&l["number"]),
                text(&l["detail"])
            );
        }
        h.push_str("</table>");
    }
}

/// A JSON string of the record, escaped for HTML (other values: empty).
fn text(v: &Value) -> String {
    esc(v.as_str().unwrap_or_default())
}

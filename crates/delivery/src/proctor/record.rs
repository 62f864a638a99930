//! The biên bản (end-of-room record): the room, its proctors, every candidate with status, times
//! and answered count, and every incident and action in time order. Printable HTML in Vietnamese
//! (times in Vietnam's time, UTC+7, which has no daylight saving), or `?format=json` (UTC).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, FixedOffset, Utc};
use khaothi_auth::CurrentUser;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::load_event;
use crate::access::require_room;
use crate::error::ApiResult;
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
    Ok(Html(html(&record)).into_response())
}

fn esc(s: &str) -> String {
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

/// A stored time in Vietnam's time, `HH:MM:SS dd/mm/yyyy`.
fn vn_time(v: &Value) -> String {
    let Some(t) = v.as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok()) else { return String::new() };
    let vn = FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
    t.with_timezone(&vn).format("%H:%M:%S %d/%m/%Y").to_string()
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
        _ => "Khác",
    }
}

fn reason_vi(r: &str) -> &str {
    match SubmitReason::from_stored(r) {
        Some(SubmitReason::Candidate) => "thí sinh nộp",
        Some(SubmitReason::TimeOver) => "hết giờ",
        Some(SubmitReason::Terminated) => "đình chỉ",
        None => r,
    }
}

/// The printable biên bản of the JSON record: heading, proctors, counts, candidates, the log,
/// and room for the proctors' signatures.
fn html(r: &Value) -> String {
    let mut h = String::new();
    heading(&mut h, r);
    proctors(&mut h, r);
    summary(&mut h, r);
    candidates_table(&mut h, r);
    log_table(&mut h, r);
    h.push_str(
        "<div class=\"sign\"><div>CÁN BỘ COI THI 1<br><i>(Ký, ghi rõ họ tên)</i></div><div>CÁN BỘ COI THI 2<br><i>(Ký, ghi rõ họ tên)</i></div></div></body></html>",
    );
    h
}

/// The page's head and the record's title lines (event, room, when and by whom).
fn heading(h: &mut String, r: &Value) {
    let _ = write!(
        h,
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Biên bản phòng thi {room}</title>
<style>body{{font-family:"Times New Roman",serif;margin:2em;color:#000}}h1{{text-align:center;font-size:1.4em}}
table{{border-collapse:collapse;width:100%;margin:1em 0}}th,td{{border:1px solid #000;padding:3px 6px;font-size:.9em;text-align:left;vertical-align:top}}
.sign{{display:flex;justify-content:space-around;margin-top:3em;text-align:center}}.sign div{{width:40%;min-height:6em}}
@media print{{body{{margin:0}}}}</style></head><body>
<h1>BIÊN BẢN PHÒNG THI</h1>
<p>Kỳ thi: <b>{title}</b> ({event})<br>Phòng thi: <b>{room}</b> — {seats} chỗ ngồi<br>Lập lúc: {at} (giờ Việt Nam), người lập: {by}</p>
"#,
        room = text(&r["room"]["name"]),
        title = text(&r["event"]["title"]),
        event = text(&r["event"]["id"]),
        seats = r["room"]["seats"],
        at = vn_time(&r["generated_at"]),
        by = text(&r["generated_by"]),
    );
}

/// The room's proctors, and anyone else who acted in the room.
fn proctors(h: &mut String, r: &Value) {
    h.push_str("<h2>Cán bộ coi thi</h2><ul>");
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
    h.push_str("</ul>");
}

/// The count of candidates by status.
fn summary(h: &mut String, r: &Value) {
    let sm = &r["summary"];
    let count = |k: &str| sm[k].as_u64().unwrap_or(0);
    let _ = write!(
        h,
        "<p>Tổng số thí sinh: <b>{}</b>; đã nộp bài: {}; đình chỉ: {}; vắng: {}; đang làm bài: {}; tạm dừng: {}; chưa vào thi: {}.</p>",
        count("candidates"),
        count("submitted"),
        count("terminated"),
        count("absent"),
        count("in_progress"),
        count("paused"),
        count("not_started")
    );
}

/// One row per candidate: seat, who, version, status, times, answered count, extra time, flags.
fn candidates_table(h: &mut String, r: &Value) {
    h.push_str("<h2>Danh sách thí sinh</h2><table><tr><th>Ghế</th><th>Số báo danh</th><th>Họ và tên</th><th>Ngày sinh</th><th>Mã đề</th><th>Trạng thái</th><th>Bắt đầu</th><th>Kết thúc</th><th>Số câu đã làm</th><th>Cộng giờ (phút)</th><th>Cảnh báo</th><th>Ghi chú</th></tr>");
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
            text(&c["date_of_birth"]),
            text(&c["version"]),
            status_vi(&c["status"]),
            vn_time(&c["started_at"]),
            vn_time(&c["submitted_at"]),
            c["answered"],
            c["item_count"],
            c["extra_minutes"],
            c["flags"],
            note.join("; ")
        );
    }
}

/// The room log in time order.
fn log_table(h: &mut String, r: &Value) {
    h.push_str("</table><h2>Diễn biến và sự việc (theo thời gian)</h2>");
    let log = r["log"].as_array().cloned().unwrap_or_default();
    if log.is_empty() {
        h.push_str("<p>Không có sự việc nào được ghi nhận.</p>");
    } else {
        h.push_str("<table><tr><th>Thời gian</th><th>Người thực hiện</th><th>Thao tác</th><th>Số báo danh</th><th>Nội dung</th></tr>");
        for l in &log {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                vn_time(&l["at"]),
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

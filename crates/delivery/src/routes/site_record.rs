//! The biên bản of the whole test site (issue 13): one page the site's head signs at the end of the
//! exam, beside each room's own record ([`crate::proctor::record`]). It sums the rooms — seats,
//! candidates, who sat, submitted, was absent or stopped, how many log entries — and names when the
//! content was unlocked and the keys released. Printable HTML (opened by the console in a new tab
//! through the `khaothi_fetch` cookie, as a GET cannot carry the bearer header) or JSON.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use khaothi_auth::CurrentUserOrCookie;
use serde_json::json;

use crate::access::load_event;
use crate::error::ApiResult;
use crate::event_time::EventZone;
use crate::json::{Path, Query};
use crate::proctor::record::RecordQuery;
use crate::routes::BOARD;
use crate::routes::overview::{RoomCounts, RoomOverview};
use crate::state::AppState;
use crate::store;

/// The site's biên bản (board): printable HTML in Vietnamese, or JSON with `format=json`.
#[utoipa::path(get, path = "/api/v1/events/{event}/record", tag = "events", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"),
        ("format" = Option<String>, Query, description = "`json` for JSON; printable HTML otherwise")),
    responses((status = 200, body = String, content_type = "text/html", description = "The site's biên bản (JSON with `format=json`)"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn site_record(
    state: State<AppState>,
    CurrentUserOrCookie(user): CurrentUserOrCookie,
    Path(id): Path<String>,
    Query(q): Query<RecordQuery>,
) -> ApiResult<Response> {
    user.require(BOARD, "read the site's record")?;
    let e = load_event(&state, &id).await?;
    let axum::Json(overview) =
        super::overview::overview(state.clone(), user.clone(), Path(id.clone())).await?;
    let s = &state.0;
    store::audit(&s.writer, Some(&id), user.username(), "site_record_printed", json!({})).await?;
    let record = json!({
        "event": {"id": e.id, "title": e.title, "subject": e.subject, "status": e.status,
                  "package_id": e.package_id, "unlocked_at": e.unlocked_at, "keys_released_at": e.keys_released_at},
        "site": s.config.site_name,
        "generated_at": Utc::now(),
        "generated_by": user.username(),
        "rooms": overview.rooms,
        "total": overview.total,
    });
    if q.format.as_deref() == Some("json") {
        return Ok(axum::Json(record).into_response());
    }
    let zone = s.config.zone();
    let page = Page { title: &e.title, site: &s.config.site_name, zone: &zone };
    let times = [("Mở khóa đề", e.unlocked_at), ("Công bố đáp án", e.keys_released_at)];
    let html = page.html(&overview.rooms, &overview.total, &times);
    // A printed document: its own inline style, nothing else loads or runs.
    let csp = (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    Ok(([csp], Html(html)).into_response())
}

const STYLE: &str = "@page{size:A4 portrait;margin:15mm}body{font-family:'Times New Roman','Noto Serif',serif;\
font-size:13pt;margin:1.5em auto;max-width:190mm;color:#000;background:#fff}h1{text-align:center;font-size:15pt}\
.sub{text-align:center}table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #000;\
padding:2px 6px;font-size:11pt;text-align:left}td.num,th.num{text-align:right}tfoot td{font-weight:700}\
.sign{border:none;margin-top:2em}.sign td{border:none;text-align:center;width:50%;height:8em;vertical-align:top}";

struct Page<'a> {
    title: &'a str,
    site: &'a str,
    zone: &'a EventZone,
}

impl Page<'_> {
    fn html(
        &self,
        rooms: &[RoomOverview],
        total: &RoomCounts,
        times: &[(&str, Option<chrono::DateTime<Utc>>)],
    ) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Biên bản điểm thi</title><style>{STYLE}</style></head><body>
<p><b>HỘI ĐỒNG THI: {title}</b><br><b>ĐIỂM THI: {site}</b></p><h1>BIÊN BẢN ĐIỂM THI</h1><p class="sub">{when}</p><ul>"#,
            title = esc(self.title),
            site = esc(self.site),
            when = esc(&self.zone.date_words(Utc::now())),
        );
        for (label, at) in times {
            let at = at.map(|t| self.zone.full(t)).unwrap_or_else(|| "chưa".into());
            let _ = write!(h, "<li>{label}: {}</li>", esc(&at));
        }
        h.push_str(
            "</ul><table><thead><tr><th>Phòng thi</th><th class=num>Chỗ ngồi</th><th class=num>Thí sinh</th>\
             <th class=num>Đã nộp bài</th><th class=num>Vắng thi</th><th class=num>Đình chỉ</th>\
             <th class=num>Chưa thi / đang thi</th><th class=num>Ghi nhận trong nhật ký</th></tr></thead><tbody>",
        );
        for r in rooms {
            row(&mut h, &esc(&r.name), Some(r.seats), &r.counts);
        }
        h.push_str("</tbody><tfoot>");
        row(&mut h, "Cộng", Some(rooms.iter().map(|r| r.seats).sum()), total);
        h.push_str(
            "</tfoot></table><table class=sign><tr><td><b>ĐẠI DIỆN HỘI ĐỒNG THI</b><br>(Ký, ghi rõ họ tên)</td>\
             <td><b>TRƯỞNG ĐIỂM THI</b><br>(Ký, ghi rõ họ tên)</td></tr></table></body></html>",
        );
        h
    }
}

fn row(h: &mut String, name: &str, seats: Option<i32>, c: &RoomCounts) {
    let sitting = c.not_started + c.in_progress + c.paused;
    let _ = write!(
        h,
        "<tr><td>{name}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td>\
         <td class=num>{}</td><td class=num>{sitting}</td><td class=num>{}</td></tr>",
        seats.unwrap_or_default(),
        c.candidates,
        c.submitted,
        c.absent,
        c.terminated,
        c.incidents
    );
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_the_totals_row_is_there() {
        let zone = EventZone::default();
        let page = Page { title: "Thi <b>thử</b>", site: "Trường & lớp", zone: &zone };
        let room = RoomOverview {
            id: "r1".into(),
            name: "<script>alert(1)</script>".into(),
            seats: 30,
            layout: None,
            counts: RoomCounts { candidates: 30, submitted: 28, absent: 2, ..Default::default() },
        };
        let total = RoomCounts { candidates: 30, submitted: 28, absent: 2, ..Default::default() };
        let html = page.html(&[room], &total, &[("Mở khóa đề", None)]);
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("Thi &lt;b&gt;thử&lt;/b&gt;") && html.contains("Trường &amp; lớp"));
        assert!(html.contains("<td>Cộng</td><td class=num>30</td><td class=num>30</td><td class=num>28</td><td class=num>2</td>"), "{html}");
        assert!(html.contains("Mở khóa đề: chưa"));
    }
}

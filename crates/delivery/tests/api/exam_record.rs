//! The biên bản as the official record (issue 15 item 10) and the event's time zone in what
//! people read (item 8): quốc hiệu, tiêu ngữ, Hội đồng thi / Điểm thi / phòng thi, môn, buổi thi,
//! counts, incidents, signature blocks side by side, A4; times 24-hour in the event's zone, JSON
//! in UTC; an unknown zone refused at start.

use chrono::{DateTime, Utc};
use khaothi_delivery::{Application, DeliveryConfig};
use khaothi_loadtest::candidate::some_answer;
use serde_json::json;

use crate::both_backends;
use crate::common::*;
use crate::exam::{exam, set_up};

async fn record_html(app: &TestApp) -> (String, String) {
    let res = app
        .board
        .http
        .get(format!("{}/api/v1/events/E1/rooms/P001/record", app.url))
        .bearer_auth(&app.board.token)
        .send()
        .await
        .unwrap();
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    (res.text().await.unwrap(), csp)
}

async fn the_record_reads_as_the_official_biên_bản(b: Backend) {
    let app = TestApp::spawn(b).await;
    let exam = exam(&app.signer, "E1");
    let list = set_up(&app, &exam, "E1", 3, 3).await;
    // One submits, one is terminated, one never comes.
    let mut s = app.socket().await;
    let w = s.login(&list[0].0, &list[0].1).await.unwrap();
    let it = &w["items"][0];
    s.answer(1, it["id"].as_str().unwrap(), some_answer(it, 0)).await.unwrap();
    s.send(json!({"type": "submit"})).await.unwrap();
    s.expect("submitted", SECS).await.unwrap();
    let mut t = app.socket().await;
    t.login(&list[1].0, &list[1].1).await.unwrap();
    app.board
        .post(
            &format!("/api/v1/events/E1/candidates/{}/terminate", list[1].0),
            json!({"reason": "Sử dụng điện thoại"}),
        )
        .await
        .unwrap();

    let (html, csp) = record_html(&app).await;
    // Kept for a look in a browser (CI keeps target/tmp as an artefact).
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bien-ban-{b:?}.html")),
        &html,
    );
    for want in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập – Tự do – Hạnh phúc",
        "HỘI ĐỒNG THI: Thi thử",
        "ĐIỂM THI:",
        "PHÒNG THI SỐ P001",
        "BIÊN BẢN PHÒNG THI",
        "Môn thi: <b>Toán</b>",
        "buổi thi: <b>",
        "thời gian làm bài: <b>90 phút</b>",
        "Có mặt",
        "Vắng",
        "Vi phạm (đình chỉ thi)",
        "Sử dụng điện thoại",
        "CÁN BỘ COI THI 1",
        "CÁN BỘ COI THI 2",
        "TRƯỞNG ĐIỂM THI",
        "size:A4",
        "Asia/Ho_Chi_Minh (UTC+07:00)",
    ] {
        assert!(html.contains(want), "the biên bản lacks {want:?}");
    }
    // Counts: 3 on the list, 2 present, 1 absent, 1 violation, 1 submitted.
    assert!(
        html.contains(
            "<td class=\"num\">3</td><td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">1</td>"
        ),
        "counts row"
    );
    // The signature blocks are one row, side by side.
    let row = html.split("class=\"sign\"").nth(1).unwrap();
    assert_eq!(row.split("</tr>").next().unwrap().matches("<td>").count(), 3);
    assert!(!html.contains(" AM") && !html.contains(" PM"), "12-hour time in the biên bản");
    assert!(csp.contains("default-src 'none'") && !csp.contains("script"), "{csp}");

    // Times: the JSON keeps UTC; the page shows the same instant in Hà Nội's time, 24-hour.
    let record = app.board.get("/api/v1/events/E1/rooms/P001/record?format=json").await.unwrap();
    let started =
        record["candidates"].as_array().unwrap().iter().find(|c| c["number"] == list[0].0.as_str()).unwrap()
            ["started_at"]
            .as_str()
            .unwrap()
            .to_string();
    assert!(started.ends_with('Z') || started.ends_with("+00:00"), "{started}");
    let t: DateTime<Utc> = started.parse().unwrap();
    let local = t
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap())
        .format("%H:%M:%S %d/%m/%Y")
        .to_string();
    assert!(html.contains(&local), "{local} (UTC {started}) not in the biên bản");
    assert_eq!(record["time_zone"], "Asia/Ho_Chi_Minh");
}
both_backends!(the_record_reads_as_the_official_biên_bản);

async fn the_event_zone_is_configurable(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.event_time_zone = "UTC".into()).await;
    let exam = exam(&app.signer, "E1");
    let list = set_up(&app, &exam, "E1", 1, 1).await;
    let mut s = app.socket().await;
    s.login(&list[0].0, &list[0].1).await.unwrap();
    let record = app.board.get("/api/v1/events/E1/rooms/P001/record?format=json").await.unwrap();
    let t: DateTime<Utc> = record["candidates"][0]["started_at"].as_str().unwrap().parse().unwrap();
    let (html, _) = record_html(&app).await;
    assert!(html.contains(&t.format("%H:%M:%S %d/%m/%Y").to_string()), "UTC time in the biên bản");
    assert!(html.contains("UTC (UTC+00:00)"));
}
both_backends!(the_event_zone_is_configurable);

#[tokio::test]
async fn an_unknown_zone_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = DeliveryConfig {
        data_dir: dir.path().to_path_buf(),
        listen: "127.0.0.1:0".parse().unwrap(),
        event_time_zone: "Europe/Atlantis".into(),
        ..DeliveryConfig::default()
    };
    let err = Application::build(config).await.err().expect("refused");
    assert!(err.0.contains("event_time_zone") && err.0.contains("Asia/Ho_Chi_Minh"), "{}", err.0);
}

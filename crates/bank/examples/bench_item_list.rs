//! Benchmark of the item list at scale (issue 12, docs/benchmarks.md): generates a bank of N items
//! in a fresh SQLite file, starts the real server on port 0 and times list calls over HTTP
//! (filters, full text, the last page by number and by cursor), then times, in the same run and on
//! the same database, the store's indexed list against the old `LIKE` + `COUNT` search, and the
//! editor's draft preview.
//!
//! `cargo run --release -p khaothi-bank --example bench_item_list -- --items 100000 [--calls 100]`

use std::time::{Duration, Instant};

use khaothi_bank::{Application, BankConfig};
use khaothi_domain::{ItemRecord, ReviewStatus};
use khaothi_store::audit::Actor;
use khaothi_store::items::{self, ItemFilter, Visibility};
use khaothi_store::search::{self, PageStart};
use khaothi_store::{DEFAULT_ORG, TransactionTrait};
use serde_json::{Value, json};

const WORDS: &[&str] = &[
    "hàm",
    "số",
    "đồng",
    "biến",
    "nghịch",
    "khoảng",
    "cực",
    "trị",
    "giá",
    "trị",
    "lớn",
    "nhất",
    "tích",
    "phân",
    "nguyên",
    "hàm",
    "mặt",
    "phẳng",
    "đường",
    "thẳng",
    "mặt",
    "cầu",
    "xác",
    "suất",
    "biến",
    "cố",
    "độ",
    "lệch",
    "chuẩn",
    "phương",
    "sai",
    "lôgarit",
    "lũy",
    "thừa",
    "vectơ",
    "tọa",
    "độ",
    "khối",
    "chóp",
    "lăng",
    "trụ",
    "thể",
    "tích",
    "diện",
    "tích",
    "tiệm",
    "cận",
    "đồ",
    "thị",
    "điểm",
    "uốn",
    "dao",
    "động",
    "điều",
    "hòa",
    "sóng",
    "cơ",
    "điện",
    "xoay",
    "chiều",
    "ester",
    "lipid",
    "glucose",
    "polymer",
    "kim",
    "loại",
    "ăn",
    "mòn",
];

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A deterministic pseudo-random stream (xorshift), so every run generates the same bank.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn sentence(&mut self, words: usize) -> String {
        (0..words).map(|_| WORDS[self.next(WORDS.len())]).collect::<Vec<_>>().join(" ")
    }
}

fn record(n: usize, rng: &mut Rng) -> Value {
    let subjects = ["toan", "vat_ly", "hoa_hoc"];
    let levels = ["biet", "hieu", "van_dung", "van_dung_cao"];
    let statuses = ["approved", "approved", "approved", "draft", "in_review", "retired"];
    let topic = format!("12.{}.{}", 1 + rng.next(7), 1 + rng.next(5));
    let mut r = json!({
        "id": format!("B{n:06}"), "subject": subjects[n % 3], "grade": 12, "topic": topic,
        "level": levels[rng.next(4)], "status": statuses[rng.next(statuses.len())],
        "stem": format!("{} $x^{}$ {}?", rng.sentence(12), 1 + rng.next(9), rng.sentence(6)),
    });
    if n % 4 == 3 {
        r["kind"] = json!("short_answer");
        r["answer"] = json!(format!("{}", rng.next(999)));
    } else {
        r["kind"] = json!("single_choice");
        r["options"] = json!([rng.sentence(3), rng.sentence(3), rng.sentence(3), rng.sentence(3)]);
        r["key"] = json!("A");
    }
    r
}

async fn generate(db: &khaothi_store::DatabaseConnection, n: usize) {
    let actor = Actor { org_id: DEFAULT_ORG.into(), username: "writer".into(), role: "item_writer".into() };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
        let txn = db.begin().await.expect("a transaction");
        for &i in chunk {
            let rec: ItemRecord = serde_json::from_value(record(i, &mut rng)).expect("a record");
            let status = rec.status.unwrap_or(ReviewStatus::Draft);
            let (mut item, _) = rec.into_item().expect("a valid item");
            item.status = status;
            items::create(&txn, &actor, &item).await.expect("stored");
        }
        txn.commit().await.expect("committed");
    }
    println!("generated {n} items in {:.1} s", started.elapsed().as_secs_f64());
}

/// p50 and p95 of `calls` runs of `f`, in milliseconds.
async fn time<F, Fut>(calls: usize, mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut t: Vec<Duration> = Vec::with_capacity(calls);
    for _ in 0..calls {
        let s = Instant::now();
        f().await;
        t.push(s.elapsed());
    }
    t.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(t[calls / 2]), ms(t[(calls * 95).div_ceil(100) - 1]))
}

#[tokio::main]
async fn main() {
    let n = arg("--items", 100_000);
    let calls = arg("--calls", 100);
    let dir = std::env::temp_dir().join(format!("khaothi-bench-item-list-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a data directory");
    let config = BankConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.clone(),
        demo: true,
        database_url: Some(khaothi_store::sqlite_url(&dir.join("bank.db"))),
        ..BankConfig::default()
    };
    let db = khaothi_store::connect(config.database_url.as_deref().unwrap()).await.expect("the database");
    khaothi_store::migrate_bank(&db).await.expect("migrated");
    generate(&db, n).await;
    let app = Application::build(config).await.expect("the bank starts");
    let base = format!("http://{}", app.addr);
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let token = login(&client, &base).await;
    http_rows(&client, &base, &token, n, calls).await;
    store_rows(&db, calls).await;
    preview_row(&client, &base, &token, calls).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn login(client: &reqwest::Client, base: &str) -> String {
    let body: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": "khaothi-demo"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("a token");
    body["access_token"].as_str().expect("an access token").to_string()
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> Value {
    let r = client.get(url).bearer_auth(token).send().await.expect("a response");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    r.json().await.expect("JSON")
}

async fn http_rows(client: &reqwest::Client, base: &str, token: &str, n: usize, calls: usize) {
    let last_page = n.div_ceil(50);
    let first = get(client, &format!("{base}/api/v1/items?per_page=50&page={}", last_page - 1), token).await;
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_string();
    let ham = get(client, &format!("{base}/api/v1/items?per_page=50&q=ham"), token).await;
    let ham_cursor = ham["next_cursor"].as_str().unwrap_or_default().to_string();
    let cases = [
        ("first page, no filter", "per_page=50".to_string()),
        ("subject + level + status", "subject=toan&level=hieu&status=approved".into()),
        ("topic prefix + kind", "topic=12.3&kind=short_answer".into()),
        ("q= one common word", "q=ham".into()),
        ("q= two words, diacritics off", "q=tiem%20can%20do%20thi".into()),
        ("q= + subject + status", "q=xac%20suat&subject=toan&status=approved".into()),
        ("last page by number", format!("per_page=50&page={last_page}")),
        ("last page by cursor", format!("per_page=50&after={cursor}")),
        // What the list page asks after the first page: the next page, without counts.
        ("q= one common word, counts=false", "q=ham&counts=false".into()),
        (
            "q= one common word, 2nd page by cursor, counts=false",
            format!("q=ham&counts=false&after={ham_cursor}"),
        ),
        ("q= two words, counts=false", "q=tiem%20can%20do%20thi&counts=false".into()),
    ];
    println!("\nHTTP GET /api/v1/items (admin), {calls} calls each: p50 / p95 ms, total");
    for (name, query) in cases {
        let url = format!("{base}/api/v1/items?{query}");
        let total = get(client, &url, token).await["total"].clone();
        let (p50, p95) = time(calls, || async {
            get(client, &url, token).await;
        })
        .await;
        println!("| {name} | {p50:.1} | {p95:.1} | {total} |");
    }
}

async fn store_rows(db: &khaothi_store::DatabaseConnection, calls: usize) {
    let filters = [
        ("no filter", ItemFilter::default()),
        ("q=ham", ItemFilter { q: Some("ham".into()), ..Default::default() }),
        ("q=tiem can do thi", ItemFilter { q: Some("tiem can do thi".into()), ..Default::default() }),
        (
            "subject+level+status",
            ItemFilter {
                subject: Some("toan".into()),
                level: Some("hieu".into()),
                status: Some("approved".into()),
                ..Default::default()
            },
        ),
    ];
    println!("\nstore, first page of 50 with its counts: indexed list vs old LIKE + COUNT (p50 / p95 ms)");
    for (name, f) in filters {
        let (ip50, ip95) = time(calls, || async {
            search::list(db, DEFAULT_ORG, &Visibility::All, &f, PageStart::Offset(0), 50)
                .await
                .expect("list");
        })
        .await;
        let (lp50, lp95) = time(calls.min(20), || async {
            items::search(db, DEFAULT_ORG, &Visibility::All, &f, 0, 50).await.expect("search");
        })
        .await;
        println!("| {name} | {ip50:.1} / {ip95:.1} | {lp50:.1} / {lp95:.1} |");
    }
}

async fn preview_row(client: &reqwest::Client, base: &str, token: &str, calls: usize) {
    let item = json!({
        "id": "TOAN12-BENCH", "subject": "toan", "grade": 12, "topic": "12.2.2", "level": "van_dung",
        "kind": "true_false_group",
        "stem": "Cho hàm số $f(x) = \\dfrac{x^2 - 2x + 3}{x - 1}$ và tích phân $I = \\int_0^{\\pi/2} \\sin^2 x \\, \\mathrm{d}x$. Xét các mệnh đề sau.",
        "statements": [
            {"text": "$f'(x) = \\dfrac{x^2 - 2x - 1}{(x-1)^2}$ với mọi $x \\neq 1$.", "level": "biet"},
            {"text": "Đồ thị hàm số có tiệm cận xiên $y = x - 1$.", "level": "hieu"},
            {"text": "$I = \\dfrac{\\pi}{4}$.", "level": "van_dung"},
            {"text": "$\\lim_{x \\to +\\infty} \\left( f(x) - x \\right) = -1$.", "level": "van_dung"}
        ],
        "keys": [true, true, true, true]
    });
    let url = format!("{base}/api/v1/items/preview");
    let (p50, p95) = time(calls, || async {
        let r = client.post(&url).bearer_auth(token).json(&item).send().await.expect("a response");
        assert!(r.status().is_success());
        let _: Value = r.json().await.expect("JSON");
    })
    .await;
    println!(
        "\nPOST /api/v1/items/preview (a true/false group with 6 formulas): p50 {p50:.1} ms, p95 {p95:.1} ms"
    );
}

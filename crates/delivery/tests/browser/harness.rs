//! The delivery's parts of a browser test: the delivery server as its own process (so it can be
//! killed with SIGKILL and started again on the same data and port), an exam event, the
//! candidate's page steps, and waits and screenshots bound to this crate's screenshot directory.
//! Chromium, ChromeDriver, axe and the page helpers are the shared harness's
//! (`khaothi_testkit::browser`), re-exported here.

use std::collections::BTreeMap;
use std::process::{Child, Command};
use std::time::Duration;

use khaothi_loadtest::board::{BoardClient, EventSetup};
use khaothi_loadtest::candidate::CandidateSocket;
use khaothi_package::BoardSigningKey;
use rand::SeedableRng;
use serde_json::Value;

use khaothi_testkit::process::{example_binary, spawn_listening};

pub use khaothi_testkit::browser::{
    Browser, Client, Key, Locator, SERIAL, WAIT, click_css, free_port, js, press_key, programs,
    screenshot_dir, type_into,
};

/// Screenshots of these tests: `target/screenshots/` itself (the group-less directory).
pub const SHOTS: &str = "";

/// The delivery server as a child process on a fixed port and data directory.
pub struct Server {
    child: Option<Child>,
    /// More configuration for the process, as `KHAOTHI__DELIVERY__…` variables.
    env: Vec<(String, String)>,
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub key: BoardSigningKey,
    pub base: String,
}

impl Server {
    pub fn start() -> Self {
        Self::start_with(Vec::new())
    }

    /// A server with more configuration (e.g. `KHAOTHI__DELIVERY__BANK_URL`).
    pub fn start_with(env: Vec<(String, String)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = BoardSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(7));
        let port = free_port();
        let mut s = Self { child: None, env, dir, port, key, base: format!("http://127.0.0.1:{port}") };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let mut command = Command::new(example_binary("khaothi-delivery", "delivery_server"));
        command
            .env("KHAOTHI__DELIVERY__LISTEN", format!("127.0.0.1:{}", self.port))
            .env("KHAOTHI__DELIVERY__DATA_DIR", self.dir.path())
            .env("KHAOTHI__DELIVERY__DEMO", "true")
            .env("KHAOTHI__DELIVERY__BOARD_PUBLIC_KEY", self.key.public().to_string())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        let (child, _) = spawn_listening(&mut command, "the delivery server");
        self.child = Some(child);
    }

    /// SIGKILL: no shutdown code runs, like a power cut for the process.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// SIGSTOP: the process is frozen — its sockets stay open but nothing answers, as with a hung
    /// server or a dead network path. `thaw` (SIGCONT) lets it run on.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().expect("the server runs").id().to_string();
        let status = Command::new("kill").args([sig, &pid]).status().expect("kill runs");
        assert!(status.success(), "kill {sig} {pid}");
    }

    /// SIGTERM, as systemd stops a service: the server drains (docs/protocol.md §7) and exits; how
    /// long that took.
    pub fn terminate(&mut self) -> Duration {
        let started = std::time::Instant::now();
        self.signal("-TERM");
        let mut c = self.child.take().expect("the server runs");
        c.wait().unwrap();
        started.elapsed()
    }

    /// Starts the stopped server again on the same port and data directory.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the server still runs");
        self.spawn();
    }

    /// Starts the server again on the same port and data directory.
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    pub async fn board(&self) -> BoardClient {
        BoardClient::login(&self.base, "board", "khaothi-demo").await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.thaw(); // a frozen process would not die until continued
        }
        self.kill9();
    }
}

/// A small THPT-shaped test: part I single choice, part II true/false groups, part III short
/// answers, with formulas (MathML) in stems and options.
pub fn items() -> Vec<khaothi_domain::Item> {
    let lines = [
        r#"{"id":"SC1","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Hàm số $y = x^3 - 3x$ đồng biến trên khoảng nào?","options":["$(-1;1)$","$(1;+\\infty)$","$(-\\infty;1)$","$(-2;2)$"],"key":"B"}"#,
        r#"{"id":"SC2","subject":"toan","grade":12,"topic":"12.1.2","level":"biet","kind":"single_choice","stem":"Giá trị của $\\frac{1}{2} + \\frac{1}{3}$ là","options":["$\\frac{5}{6}$","$\\frac{2}{5}$","$1$","$\\frac{1}{6}$"],"key":"A"}"#,
        r#"{"id":"SC3","subject":"toan","grade":12,"topic":"12.1.3","level":"biet","kind":"single_choice","stem":"Căn bậc hai số học của $16$ là","options":["$2$","$4$","$8$","$-4$"],"key":"B"}"#,
        r#"{"id":"TF1","subject":"toan","grade":12,"topic":"12.1.4","level":"hieu","kind":"true_false_group","stem":"Cho hàm số $f(x) = x^2 - 4x + 3$.","statements":["$f(1) = 0$","$f$ đồng biến trên $\\mathbb{R}$","Đồ thị cắt trục tung tại điểm $(0;3)$","$f(x) \\ge -1$ với mọi $x$"],"keys":[true,false,true,true]}"#,
        r#"{"id":"TF2","subject":"toan","grade":12,"topic":"12.1.4","level":"hieu","kind":"true_false_group","stem":"Xét dãy số $u_n = 2n + 1$.","statements":["$u_1 = 3$","Dãy số giảm","$u_{10} = 21$","Tổng $5$ số hạng đầu bằng $35$"],"keys":[true,false,true,true]}"#,
        r#"{"id":"SA1","subject":"toan","grade":12,"topic":"12.1.5","level":"van_dung","kind":"short_answer","stem":"Tính $\\int_0^1 3x^2 \\, dx$.","answer":"1"}"#,
        r#"{"id":"SA2","subject":"toan","grade":12,"topic":"12.1.5","level":"van_dung","kind":"short_answer","stem":"Nghiệm dương của $2x^2 - 3x = 0$ là (viết dạng thập phân)","answer":"1,5"}"#,
    ];
    lines
        .iter()
        .map(|l| khaothi_domain::ItemRecord::from_json_line(l).unwrap().into_item().unwrap().0)
        .collect()
}

pub struct Exam {
    pub event: String,
    pub room: String,
    /// `(number, full_name, code)` of each candidate.
    pub candidates: Vec<(String, String, String)>,
    /// The release key of the package's keys (scoring, results).
    pub keys_key: String,
}

/// An unlocked event of `candidates` candidates in one room `P001`, 60 minutes.
pub async fn set_up_exam(server: &Server, event: &str, candidates: usize) -> Exam {
    let board = server.board().await;
    let pkg =
        khaothi_loadtest::demo::demo_package(&items(), event, "Thi thử Toán", 60, 2, &server.key, 3).unwrap();
    let key = pkg.content_key.to_hex();
    let list = board
        .set_up_event(&EventSetup {
            event_id: event,
            title: "Thi thử Toán",
            package: &pkg.bytes,
            content_key: Some(&key),
            candidates,
            room_size: candidates + 2,
            number_prefix: "TS",
            score_at_submit: false,
            duration_seconds: None,
        })
        .await
        .unwrap();
    Exam { event: event.into(), room: "P001".into(), candidates: list, keys_key: pkg.keys_key.to_hex() }
}

/// Polls `condition` (a JavaScript expression) until it is true; on a time-out saves a screenshot
/// named after `what` and fails saying what was awaited.
pub async fn wait_for(c: &Client, condition: &str, what: &str) {
    wait_for_within(c, condition, what, WAIT).await
}

pub async fn wait_for_within(c: &Client, condition: &str, what: &str, limit: Duration) {
    khaothi_testkit::browser::wait_until(c, condition, what, limit, SHOTS).await
}

/// Saves `target/screenshots/<name>.png`; a window that gives none (an alert open) is passed over.
pub async fn screenshot(c: &Client, name: &str) {
    khaothi_testkit::browser::try_screenshot(c, SHOTS, name).await;
}

/// Signs a candidate in on the page at `/` and waits for the first question.
pub async fn candidate_login(c: &Client, base: &str, number: &str, code: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    wait_for(c, "!document.getElementById('view-login').hidden", "the login form").await;
    type_into(c, "#login-number", number).await;
    type_into(c, "#login-code", code).await;
    click_css(c, "#login-submit").await;
    wait_for(
        c,
        "!document.getElementById('view-test').hidden && document.getElementById('q-title').dataset.item",
        "the first question",
    )
    .await;
}

/// The current question's item id and kind.
pub async fn current_item(c: &Client) -> (String, String) {
    let v = js(c, "return [document.getElementById('q-title').dataset.item, document.getElementById('q-answer').dataset.kind]").await;
    (v[0].as_str().unwrap().to_string(), v[1].as_str().unwrap().to_string())
}

/// Waits until the current question `item` shows the save mark `state`.
pub async fn wait_save_state(c: &Client, item: &str, state: &str) {
    let cond = format!(
        "document.getElementById('save-state').dataset.item === '{item}' && document.getElementById('save-state').dataset.state === '{state}'"
    );
    wait_for(c, &cond, &format!("{item} {state}")).await;
}

/// Milliseconds left on the page's clock.
pub async fn page_remaining_ms(c: &Client) -> i64 {
    wait_for(c, "document.getElementById('clock').dataset.ms !== ''", "the clock").await;
    let v = js(c, "return Number(document.getElementById('clock').dataset.ms)").await;
    v.as_f64().unwrap() as i64
}

/// The candidate's answers as the server stored them, read back the way a browser would: a login
/// (by `code`, allowed once the test is submitted) or a resume (by `token`, which supersedes the
/// page). The results API only opens after the keys' release, so this is what a test can compare
/// while the exam runs.
pub async fn saved_answers(server: &Server, number: &str, cred: Credential<'_>) -> BTreeMap<String, Value> {
    let url = format!("ws://127.0.0.1:{}/ws/candidate", server.port);
    let mut s = CandidateSocket::connect(&url).await.unwrap();
    let w = match cred {
        Credential::Code(code) => s.login(number, code).await,
        Credential::Token(token) => s.resume(number, token).await,
    }
    .unwrap_or_else(|e| panic!("read back {number}'s answers: {e}"));
    w["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["item"].as_str().unwrap().to_string(), a["value"].clone()))
        .collect()
}

pub enum Credential<'a> {
    Code(&'a str),
    Token(&'a str),
}

/// The candidate's row of `GET /api/v1/events/{e}/candidates` (status, remaining time).
pub async fn candidate_row(server: &Server, event: &str, number: &str) -> Value {
    let list = server.board().await.get(&format!("/api/v1/events/{event}/candidates")).await.unwrap();
    list["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number)
        .cloned()
        .expect("candidate listed")
}

//! A real browser for page tests: Chromium under ChromeDriver (fantoccini), 1366×768 windows with
//! fresh profiles, screenshots into `target/screenshots/<group>/`, an axe-core scan (vendored in
//! `vendor/axe-core`, injected through WebDriver, never served) and the page's uncaught errors read
//! from Chromium's console log, so a test fails on a script error it did not look for; DevTools
//! commands through ChromeDriver ([`Browser::cdp`]: the viewport, printing to PDF); and the page
//! helpers both services' tests use: waits on a CSS selector ([`wait_for`]) or on a script's
//! condition ([`wait_until`], which saves a screenshot and the page's text when it times out),
//! keys pressed as a keyboard does ([`press_key`]), clicks and typing by selector.
//!
//! The one harness of the bank's and the delivery's browser tests: each adds only its own server
//! process and sign-in steps.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::{Client, ClientBuilder, Locator, elements::Element, key::Key};
use serde_json::{Value, json};

/// Generous: the CI machine has two cores shared with other work.
pub const WAIT: Duration = Duration::from_secs(45);

/// One browser test at a time (lock it first in every test): Chromium is heavy on a two-core
/// machine. One lock a test binary, as each binary links its own copy.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// axe-core's built script (MPL-2.0, see vendor/axe-core/LICENSE).
const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .chain([PathBuf::from("/usr/bin")])
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
}

/// Chromium and ChromeDriver, or `None` when `KHAOTHI_SKIP_BROWSER=1` says to skip. Missing
/// programs fail the test: CI installs them (Debian's `chromium` and `chromium-driver`).
pub fn programs() -> Option<(PathBuf, PathBuf)> {
    if std::env::var("KHAOTHI_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("KHAOTHI_SKIP_BROWSER=1: browser test skipped");
        return None;
    }
    let chromium = find_program("KHAOTHI_CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_program("KHAOTHI_CHROMEDRIVER", &["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        (c, d) => panic!(
            "the browser tests need Chromium and ChromeDriver (found chromium: {c:?}, chromedriver: {d:?}); \
             install Debian's `chromium` and `chromium-driver`, point KHAOTHI_CHROMIUM / KHAOTHI_CHROMEDRIVER \
             at them, or set KHAOTHI_SKIP_BROWSER=1 to skip"
        ),
    }
}

/// A free TCP port on the loopback interface (the servers' and ChromeDriver's).
pub use crate::process::free_port;

/// `target/screenshots/<group>/` (not committed; CI keeps it as an artefact). An empty group is
/// `target/screenshots/` itself, where the delivery's tests (the first written) keep theirs.
pub fn screenshot_dir(group: &str) -> PathBuf {
    // target/<profile>/deps/<test binary> → target
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe.ancestors().nth(3).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("target"));
    let dir = target.join("screenshots").join(group);
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    dir
}

/// ChromeDriver on a free port and the Chromium sessions it started (ended on drop).
pub struct Browser {
    child: Child,
    pub url: String,
    chromium: PathBuf,
    sessions: Vec<String>,
    profiles: Vec<tempfile::TempDir>,
}

impl Browser {
    /// Starts ChromeDriver, or `None` when browser tests are skipped.
    pub async fn start() -> Option<Self> {
        let (chromium, driver) = programs()?;
        Some(Self::with_programs(chromium, driver).await)
    }

    /// Starts ChromeDriver with the programs [`programs`] found (a test that asks first can skip
    /// before it sets up anything else).
    pub async fn with_programs(chromium: PathBuf, driver: PathBuf) -> Self {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("{url}/status")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(start.elapsed() < WAIT, "chromedriver did not answer on {url} within {WAIT:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Self { child, url, chromium, sessions: Vec::new(), profiles: Vec::new() }
    }

    /// A new headless Chromium window of `width`×`height` with its own profile (no shared cookies).
    pub async fn window(&mut self, width: u32, height: u32) -> Client {
        let profile = tempfile::tempdir().expect("a profile directory");
        let caps = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": ["--headless=new", "--no-sandbox", format!("--window-size={width},{height}"), "--disable-gpu",
                         "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--lang=vi-VN",
                         format!("--screen-info={{0,0 {width}x{height}}}"),
                         format!("--user-data-dir={}", profile.path().display())],
            },
        });
        let caps = caps.as_object().expect("an object").clone();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session");
        if let Ok(Some(id)) = client.session_id().await {
            self.sessions.push(id);
        }
        self.profiles.push(profile);
        client
    }

    /// A 1366×768 window (a staff-room or lab screen).
    pub async fn session(&mut self) -> Client {
        self.window(1366, 768).await
    }

    /// Runs a DevTools command (`Page.printToPDF`, `Emulation.…`) in the window through
    /// ChromeDriver; its result, or a failed test naming the command.
    pub async fn cdp(&self, client: &Client, cmd: &str, params: Value) -> Value {
        let id = client.session_id().await.expect("the session").expect("a session id");
        let res = reqwest::Client::new()
            .post(format!("{}/session/{id}/goog/cdp/execute", self.url))
            .json(&json!({"cmd": cmd, "params": params}))
            .send()
            .await
            .expect("chromedriver answers");
        let status = res.status();
        let body: Value = res.json().await.unwrap_or_default();
        assert!(status.is_success(), "{cmd}: {status} {body}");
        body["value"].clone()
    }

    /// Makes the page's viewport `width`×`height` CSS pixels (`Emulation.setDeviceMetricsOverride`):
    /// headless Chromium ignores window resizes, and a browser window on a 1366×768 screen shows
    /// less than its screen (tab strip, address bar, task bar).
    pub async fn set_viewport(&self, client: &Client, width: u32, height: u32) {
        let params = json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false});
        self.cdp(client, "Emulation.setDeviceMetricsOverride", params).await;
    }

    /// The console's errors since the last call that are not a failed request (the pages show
    /// those as messages; a refused request is logged by Chromium whatever the page does):
    /// uncaught exceptions, unhandled rejections, CSP violations.
    pub async fn page_errors(&self, client: &Client) -> Vec<String> {
        let Ok(Some(id)) = client.session_id().await else { return Vec::new() };
        let res = reqwest::Client::new()
            .post(format!("{}/session/{id}/se/log", self.url))
            .json(&json!({"type": "browser"}))
            .send()
            .await
            .expect("chromedriver answers");
        let body: Value = res.json().await.unwrap_or_default();
        body["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .filter_map(|e| e["message"].as_str())
            .filter(|m| !m.contains("Failed to load resource"))
            .map(str::to_string)
            .collect()
    }

    /// Fails the test when the page logged an uncaught error (see [`Browser::page_errors`]).
    pub async fn assert_no_page_errors(&self, client: &Client, context: &str) {
        let errors = self.page_errors(client).await;
        assert!(errors.is_empty(), "{context}: uncaught page errors: {errors:#?}");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the sessions (ChromeDriver then stops its Chromium) even when a test panicked,
        // then ChromeDriver itself.
        let addr = self.url.trim_start_matches("http://").to_string();
        for id in &self.sessions {
            if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    s,
                    "DELETE /session/{id} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = std::io::Read::read(&mut s, &mut [0u8; 512]);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Saves a screenshot of the window as `target/screenshots/<group>/<name>.png`.
pub async fn screenshot(client: &Client, group: &str, name: &str) -> PathBuf {
    let png = client.screenshot().await.expect("a screenshot");
    let path = screenshot_dir(group).join(format!("{name}.png"));
    std::fs::write(&path, png).expect("the screenshot is written");
    path
}

/// The same where a missing picture must not hide what the test was saying (a time-out's report,
/// a window an alert blocks): `None` when the browser gave none.
pub async fn try_screenshot(client: &Client, group: &str, name: &str) -> Option<PathBuf> {
    let png = client.screenshot().await.ok()?;
    let path = screenshot_dir(group).join(format!("{name}.png"));
    std::fs::write(&path, png).ok()?;
    Some(path)
}

/// The page's answer to a script (`return …`); a failed script fails the test, naming it.
pub async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// Polls `condition` (a JavaScript expression; one that throws counts as false) until it is true.
/// After `limit` it saves a screenshot `timeout-<what>.png` into `target/screenshots/<group>/`
/// and fails saying what was awaited, with the start of the page's text.
pub async fn wait_until(client: &Client, condition: &str, what: &str, limit: Duration, group: &str) {
    let script = format!("try {{ return Boolean({condition}); }} catch (e) {{ return false; }}");
    let start = Instant::now();
    loop {
        if client.execute(&script, vec![]).await.ok().and_then(|v| v.as_bool()) == Some(true) {
            return;
        }
        if start.elapsed() > limit {
            let name = format!("timeout-{}", what.replace(|ch: char| !ch.is_ascii_alphanumeric(), "-"));
            try_screenshot(client, group, &name).await;
            let state = js(client, "return document.body.innerText.slice(0, 2000)").await;
            panic!("waited {limit:?} for {what} ({condition}); screenshot {name}.png; page text: {state}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Presses and releases one key as a keyboard does (a character, or a [`Key`] as `char`), to
/// whatever has the focus.
pub async fn press_key(client: &Client, key: char) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    client.perform_actions(keys).await.expect("the key is pressed");
}

/// Clicks the first element matching `css` (it must be there now).
pub async fn click_css(client: &Client, css: &str) {
    let el = client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    el.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Clears the first field matching `css` (it must be there now) and types `text` into it.
pub async fn type_into(client: &Client, css: &str, text: &str) {
    let el = client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
    el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Waits for an element matching `css` to be displayed.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    let start = Instant::now();
    loop {
        if let Ok(el) = client.find(Locator::Css(css)).await
            && el.is_displayed().await.unwrap_or(false)
        {
            return el;
        }
        assert!(start.elapsed() < WAIT, "no visible {css} within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the text of the first `css` element contains `needle`; returns that text.
pub async fn wait_for_text(client: &Client, css: &str, needle: &str) -> String {
    let start = Instant::now();
    let mut last = String::new();
    loop {
        if let Ok(el) = client.find(Locator::Css(css)).await {
            last = el.text().await.unwrap_or_default();
            if last.contains(needle) {
                return last;
            }
        }
        assert!(
            start.elapsed() < WAIT,
            "{css} never contained {needle:?} within {WAIT:?}; last text: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One axe-core finding: the rule, its impact and where.
#[derive(Debug, Clone)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

/// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the current page; every violation found.
pub async fn axe_violations(client: &Client) -> Vec<Violation> {
    client.execute(&format!("{AXE}\n;return true;"), vec![]).await.expect("axe-core is injected");
    let script = r#"const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
          .then((r) => done(r.violations.map((v) => ({id: v.id, impact: v.impact || '', help: v.help,
             targets: v.nodes.map((n) => n.target.join(' '))}))))
          .catch((e) => done([{id: 'axe-error', impact: 'critical', help: String(e), targets: []}]));"#;
    let found = client.execute_async(script, vec![]).await.expect("axe-core runs");
    found
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| Violation {
            id: v["id"].as_str().unwrap_or_default().into(),
            impact: v["impact"].as_str().unwrap_or_default().into(),
            help: v["help"].as_str().unwrap_or_default().into(),
            targets: v["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(Into::into))
                .collect(),
        })
        .collect()
}

/// Fails when axe-core finds a serious or critical violation on the current page.
pub async fn assert_accessible(client: &Client, page: &str) {
    let bad: Vec<Violation> = axe_violations(client)
        .await
        .into_iter()
        .filter(|v| v.impact == "serious" || v.impact == "critical")
        .collect();
    assert!(bad.is_empty(), "axe-core on {page}: {bad:#?}");
}

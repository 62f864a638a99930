//! The parts of the bank's page tests: the bank as its own process (the `bank_server` example,
//! built by `cargo test`), demo accounts, signing in through the form, filling the editor.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

use khaothi_testkit::browser::{self, Client, Element, Key, Locator, wait_for};
use khaothi_testkit::process::{example_binary, spawn_listening};
use serde_json::{Value, json};

/// One browser test at a time (the shared harness's lock).
pub use khaothi_testkit::browser::SERIAL;

pub const PASSWORD: &str = "khaothi-demo";

/// Screenshots of these tests: target/screenshots/bank/.
pub async fn shot(client: &Client, name: &str) {
    browser::screenshot(client, "bank", name).await;
}

/// The bank as a child process in demo mode (the README's accounts) on SQLite in a fresh directory.
pub struct Bank {
    child: Child,
    _dir: tempfile::TempDir,
    pub base: String,
}

impl Bank {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// The same with more `KHAOTHI__BANK__…` settings (e.g. a known token secret).
    pub fn start_with(settings: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = browser::free_port();
        let mut command = Command::new(example_binary("khaothi-bank", "bank_server"));
        command
            .env("KHAOTHI__BANK__LISTEN", format!("127.0.0.1:{port}"))
            .env("KHAOTHI__BANK__DATA_DIR", dir.path())
            .env("KHAOTHI__BANK__DEMO", "true")
            .envs(settings.iter().copied());
        let (child, _) = spawn_listening(&mut command, "the bank server");
        Self { child, _dir: dir, base: format!("http://127.0.0.1:{port}") }
    }
}

impl Bank {
    /// Stops the server (a page already loaded is then offline).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Bank {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens the app and signs in with the form (Enter submits); waits for the first page.
pub async fn sign_in(client: &Client, bank: &Bank, username: &str) {
    client.goto(&format!("{}/", bank.base)).await.unwrap();
    let user = wait_for(client, "#username").await;
    user.send_keys(username).await.unwrap();
    let password = client.find(Locator::Css("#password")).await.unwrap();
    password.send_keys(&format!("{PASSWORD}{}", char::from(Key::Enter))).await.unwrap();
    wait_for(client, "#page-title").await;
}

/// Signs out with the top bar's button; waits for the sign-in form.
pub async fn sign_out(client: &Client) {
    client.find(Locator::Css("#btn-logout")).await.unwrap().click().await.unwrap();
    wait_for(client, "#username").await;
}

/// Goes to `#/route` and waits for the page's heading.
pub async fn open(client: &Client, bank: &Bank, route: &str) {
    client.goto(&format!("{}/#/{route}", bank.base)).await.unwrap();
    wait_for(client, "#page-title").await;
}

/// Types `text` into the editor field `data-field=name` after clearing it.
pub async fn fill(client: &Client, name: &str, text: &str) {
    let el = wait_for(client, &format!("[data-field=\"{name}\"]")).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

/// Chooses `value` in the select `data-field=name`.
pub async fn choose(client: &Client, name: &str, value: &str) {
    let el = wait_for(client, &format!("select[data-field=\"{name}\"]")).await;
    el.select_by_value(value).await.unwrap();
}

/// Clicks the radio `value` of the group `data-field=name`.
pub async fn pick(client: &Client, name: &str, value: &str) {
    let el = wait_for(client, &format!("fieldset[data-field=\"{name}\"] input[value=\"{value}\"]")).await;
    click(client, el).await;
}

/// Scrolls `el` to the middle of the window (clear of the editor's sticky palette), clicks it.
pub async fn click(client: &Client, el: Element) {
    let arg = serde_json::to_value(&el).unwrap();
    client.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg]).await.unwrap();
    el.click().await.unwrap();
}

/// Clicks the first button whose text is `label`.
pub async fn press(client: &Client, label: &str) {
    let xpath = format!("//button[normalize-space(.)=\"{label}\"]");
    let start = std::time::Instant::now();
    loop {
        if let Ok(b) = client.find(Locator::XPath(&xpath)).await
            && b.is_enabled().await.unwrap_or(false)
        {
            click(client, b).await;
            return;
        }
        assert!(start.elapsed() < browser::WAIT, "no enabled button {label:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A 4×4 red PNG, for the image upload.
pub fn png_file(dir: &std::path::Path) -> PathBuf {
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
        0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0x93, 0x09, 0x29, 0x00,
        0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x47, 0x0c, 0xc4,
        0x71, 0x00, 0xae, 0x93, 0x0f, 0xf1, 0xd0, 0x5f, 0x23, 0x9e, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
        0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    let path = dir.join("hinh-ve.png");
    std::fs::write(&path, PNG).unwrap();
    path
}

/// Everything the page shows as text (for checks of a sentence the page must state).
pub async fn body_text(client: &Client) -> String {
    client.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

/// A bearer token for a demo account (for setting up through the API what a test does not
/// exercise in the pages).
pub async fn token(bank: &Bank, username: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", bank.base))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "login {username}: {}", res.status());
    res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
}

/// One API call that must succeed; its JSON answer.
pub async fn call(
    bank: &Bank,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req =
        reqwest::Client::new().request(method, format!("{}/api/v1/{path}", bank.base)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

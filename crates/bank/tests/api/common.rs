use std::time::Duration;

use khaothi_bank::{Application, BankConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one test body against both databases.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    };
}

pub const DEMO_PASSWORD: &str = "khaothi-demo";

pub struct TestApp {
    pub url: String,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A fresh PostgreSQL database on the server named by `KHAOTHI_TEST_POSTGRES` (an admin URL).
async fn fresh_postgres() -> String {
    use khaothi_store::ConnectionTrait;
    let admin = std::env::var("KHAOTHI_TEST_POSTGRES").expect(
        "KHAOTHI_TEST_POSTGRES is not set: run scripts/test-all.sh (it starts PostgreSQL) or point it at a server",
    );
    let name = format!("khaothi_test_{}", uuid::Uuid::new_v4().simple());
    let db = khaothi_store::connect(&admin).await.expect("connect to the PostgreSQL admin URL");
    db.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    format!("{base}/{name}")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut BankConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = BankConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            demo: true,
            ..BankConfig::default()
        };
        if let Backend::Postgres = backend {
            config.database_url = Some(fresh_postgres().await);
        }
        tweak(&mut config);
        let app = Application::build(config).await.expect("the bank starts");
        let url = format!("http://{}", app.addr);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        TestApp { url, client, _dir: dir, shutdown: Some(tx) }
    }

    pub async fn login(&self, username: &str) -> String {
        self.login_with(username, DEMO_PASSWORD).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> String {
        let (status, body) =
            self.post(None, "/api/v1/auth/login", json!({"username": username, "password": password})).await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        body["access_token"].as_str().expect("access_token").to_string()
    }

    async fn send(&self, req: reqwest::RequestBuilder, token: Option<&str>) -> (StatusCode, Value) {
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(format!("{}{path}", self.url)), token).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.post(format!("{}{path}", self.url)).json(&body), token).await
    }

    pub async fn put(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.put(format!("{}{path}", self.url)).json(&body), token).await
    }

    pub async fn post_raw(
        &self,
        token: Option<&str>,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let req =
            self.client.post(format!("{}{path}", self.url)).header("content-type", content_type).body(body);
        self.send(req, token).await
    }

    /// Creates a user through the admin API and returns a token for it.
    pub async fn user(&self, username: &str, role: &str) -> String {
        let admin = self.login("admin").await;
        let password = "a-long-test-password";
        let (s, b) = self
            .post(
                Some(&admin),
                "/api/v1/users",
                json!({"username": username, "display_name": username, "role": role, "password": password}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        self.login_with(username, password).await
    }
}

/// A valid single-choice item with LaTeX, in the interchange format.
pub fn sample_item(id: &str) -> Value {
    json!({
        "id": id, "subject": "toan", "grade": 12, "topic": "12.1.2", "level": "hieu",
        "kind": "single_choice",
        "stem": "Hàm số $y = x^3 - 3x$ nghịch biến trên khoảng nào dưới đây?",
        "options": ["$(-1; 1)$", "$(1; +\\infty)$", "$(-\\infty; -1)$", "$(-3; 3)$"],
        "key": "A"
    })
}

/// Asserts the error body shape every failure shares.
pub fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"], code, "unexpected error body: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "no message: {body}");
}

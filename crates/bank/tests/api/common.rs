//! The bank's test app: the real server on port 0 over a fresh [`TestData`] (dropped with it),
//! and the JSON helpers of `khaothi_testkit`, which the delivery tests share.

use khaothi_bank::{Application, BankConfig};
pub use khaothi_testkit::{Backend, JsonClient, TestData};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Runs one test body against both databases (see `khaothi_testkit::both_backends`).
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        khaothi_testkit::both_backends!($name);
    };
}

pub const DEMO_PASSWORD: &str = "khaothi-demo";

/// A running bank; `get`/`post`/… come from its [`JsonClient`] (`app.url`, `app.client` too).
pub struct TestApp {
    api: JsonClient,
    /// The bank's database (tests that look at stored rows open it).
    pub database_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// Declared last: dropped after the server was told to stop.
    _data: TestData,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl std::ops::Deref for TestApp {
    type Target = JsonClient;

    fn deref(&self) -> &JsonClient {
        &self.api
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut BankConfig)) -> Self {
        let data = TestData::new(backend).await;
        let mut config = BankConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: data.dir().to_path_buf(),
            demo: true,
            database_url: data.database_url(),
            ..BankConfig::default()
        };
        tweak(&mut config);
        let database_url = config.database_url();
        let app = Application::build(config).await.expect("the bank starts");
        let api = JsonClient::new(format!("http://{}", app.addr));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        TestApp { api, database_url, shutdown: Some(tx), _data: data }
    }

    pub async fn login(&self, username: &str) -> String {
        self.login_with(username, DEMO_PASSWORD).await
    }

    /// The bank's data directory (its key files live there).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data.dir()
    }

    pub async fn login_with(&self, username: &str, password: &str) -> String {
        self.api.login(username, password).await
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
pub use khaothi_testkit::assert_error_body as assert_error;

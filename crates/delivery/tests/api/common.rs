use std::time::Duration;

use khaothi_delivery::{Application, DeliveryConfig};
use khaothi_domain::{Item, ItemRecord};
use khaothi_loadtest::board::{BoardClient, EventSetup};
use khaothi_loadtest::candidate::CandidateSocket;
use khaothi_package::{BoardSigningKey, BuiltPackage};
use rand::SeedableRng;

pub use khaothi_testkit::{Backend, TestData};

/// Runs one test body against both databases (see `khaothi_testkit::both_backends`).
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        khaothi_testkit::both_backends!($name);
    };
}

pub const SECS: Duration = Duration::from_secs(10);

pub struct TestApp {
    pub url: String,
    pub ws: String,
    pub board: BoardClient,
    pub signer: BoardSigningKey,
    pub config: DeliveryConfig,
    /// The data directory and database; `stop` hands them on so a restart finds the same data.
    pub data: Option<TestData>,
    /// The running server's state, for tests that must hold a part of it (e.g. the login gate).
    pub state: khaothi_delivery::AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn board_key(seed: u64) -> BoardSigningKey {
    BoardSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(seed))
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut DeliveryConfig)) -> Self {
        let data = TestData::new(backend).await;
        let signer = board_key(1);
        let mut config = DeliveryConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: data.dir().to_path_buf(),
            demo: true,
            board_public_key: Some(signer.public().to_string()),
            database_url: data.database_url(),
            ..DeliveryConfig::default()
        };
        tweak(&mut config);
        Self::start(config, signer, Some(data)).await
    }

    pub async fn start(config: DeliveryConfig, signer: BoardSigningKey, data: Option<TestData>) -> Self {
        let app = Application::build(config.clone()).await.expect("the delivery server starts");
        let url = format!("http://{}", app.addr);
        let ws = format!("ws://{}/ws/candidate", app.addr);
        let state = app.state.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            let _ = app
                .run_until(async move {
                    let _ = rx.await;
                })
                .await;
        });
        let board = BoardClient::login(&url, "board", "khaothi-demo").await.expect("board login");
        TestApp { url, ws, board, signer, config, data, state, shutdown: Some(tx), done: Some(done) }
    }

    /// Stops the server (as a crash would, for in-flight connections) and returns its data.
    pub async fn stop(mut self) -> (DeliveryConfig, BoardSigningKey, Option<TestData>) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(d) = self.done.take() {
            d.abort();
            let _ = d.await;
        }
        let signer = BoardSigningKey::parse(&self.signer.to_text()).unwrap();
        (self.config.clone(), signer, self.data.take())
    }

    /// Stops the server as SIGTERM does (the graceful drain, to its end) and returns its data.
    pub async fn drain(mut self) -> (DeliveryConfig, BoardSigningKey, Option<TestData>) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(d) = self.done.take() {
            tokio::time::timeout(Duration::from_secs(10), d).await.expect("drained within 10 s").unwrap();
        }
        let signer = BoardSigningKey::parse(&self.signer.to_text()).unwrap();
        (self.config.clone(), signer, self.data.take())
    }

    pub async fn socket(&self) -> CandidateSocket {
        CandidateSocket::connect(&self.ws).await.expect("websocket connects")
    }

    /// An unlocked event with `n` candidates in rooms of `room` seats.
    pub async fn event(
        &self,
        id: &str,
        n: usize,
        room: usize,
        duration_seconds: Option<u32>,
    ) -> (Vec<(String, String, String)>, BuiltPackage) {
        let pkg = package(&self.signer, id);
        let key = pkg.content_key.to_hex();
        let list = self
            .board
            .set_up_event(&EventSetup {
                event_id: id,
                title: "Kiểm tra",
                package: &pkg.bytes,
                content_key: Some(&key),
                candidates: n,
                room_size: room,
                number_prefix: "",
                score_at_submit: false,
                duration_seconds,
            })
            .await
            .expect("event set up");
        (list, pkg)
    }
}

pub fn items() -> Vec<Item> {
    let mut lines = Vec::new();
    for i in 1..=6 {
        lines.push(format!(r#"{{"id":"SC{i}","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Câu {i}: tính ${i}+1$.","options":["${}$","${}$","${}$","${}$"],"key":"B"}}"#, i, i + 1, i + 2, i + 3));
    }
    for i in 1..=2 {
        lines.push(format!(r#"{{"id":"TF{i}","subject":"toan","grade":12,"topic":"12.1.3","level":"hieu","kind":"true_false_group","stem":"Xét hàm số $y=x^{i}$.","statements":["a","b","c","d"],"keys":[true,false,true,true]}}"#));
    }
    for i in 1..=2 {
        lines.push(format!(r#"{{"id":"SA{i}","subject":"toan","grade":12,"topic":"12.1.4","level":"van_dung","kind":"short_answer","stem":"Tính ${i}/2$.","answer":"0,5"}}"#));
    }
    lines.iter().map(|l| ItemRecord::from_json_line(l).unwrap().into_item().unwrap().0).collect()
}

pub fn package(signer: &BoardSigningKey, event: &str) -> BuiltPackage {
    khaothi_loadtest::demo::demo_package(&items(), event, "Kiểm tra", 90, 4, signer, 5)
        .expect("package builds")
}

pub fn assert_error(v: &serde_json::Value, code: &str) {
    assert_eq!(v["type"], "error", "expected an error frame: {v}");
    assert_eq!(v["code"], code, "unexpected error: {v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "no message: {v}");
}

/// No object in any frame a candidate received has a field that could carry a key.
pub fn assert_no_keys(frames: &[serde_json::Value]) {
    fn walk(v: &serde_json::Value, path: &str) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    assert!(
                        !["key", "keys", "accepted", "tolerance", "level", "irt", "correct"]
                            .contains(&k.as_str()),
                        "a candidate frame carries `{k}` at {path}"
                    );
                    walk(v, &format!("{path}.{k}"));
                }
            }
            serde_json::Value::Array(a) => {
                a.iter().enumerate().for_each(|(i, v)| walk(v, &format!("{path}[{i}]")))
            }
            _ => {}
        }
    }
    for f in frames {
        walk(f, "$");
    }
}

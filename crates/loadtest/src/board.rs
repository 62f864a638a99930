//! A small HTTP client of the board's API, shared by the demo set-up, the load test and tests.

use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ClientError(pub String);

#[derive(Clone)]
pub struct BoardClient {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

impl BoardClient {
    /// Logs in as a staff member of the delivery server at `base` (`http://host:port`).
    pub async fn login(base: &str, username: &str, password: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map_err(|e| ClientError(e.to_string()))?;
        let mut c = Self { base: base.trim_end_matches('/').to_string(), http, token: String::new() };
        let v = c
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                Some(json!({"username": username, "password": password})),
            )
            .await?;
        c.token =
            v["access_token"].as_str().ok_or_else(|| ClientError(format!("no token in {v}")))?.to_string();
        Ok(c)
    }

    async fn finish(res: reqwest::Response) -> Result<Value, ClientError> {
        let status = res.status();
        let text = res.text().await.map_err(|e| ClientError(e.to_string()))?;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_success() { Ok(v) } else { Err(ClientError(format!("{status}: {v}"))) }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ClientError> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::finish(req.send().await.map_err(|e| ClientError(e.to_string()))?).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Value, ClientError> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body);
        Self::finish(req.send().await.map_err(|e| ClientError(e.to_string()))?).await
    }

    pub async fn get(&self, path: &str) -> Result<Value, ClientError> {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value, ClientError> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// Event, package, one room per `room_size` candidates, candidates `number_prefix + n`, unlock.
    /// Returns the room sheets' candidates: `(number, full_name, code)`.
    pub async fn set_up_event(
        &self,
        setup: &EventSetup<'_>,
    ) -> Result<Vec<(String, String, String)>, ClientError> {
        let ev = setup.event_id;
        self.post("/api/v1/events", json!({"id": ev, "title": setup.title, "score_at_submit": setup.score_at_submit, "duration_seconds": setup.duration_seconds})).await?;
        self.post_raw(
            &format!("/api/v1/events/{ev}/package"),
            "application/octet-stream",
            setup.package.to_vec(),
        )
        .await?;
        let rooms = setup.candidates.div_ceil(setup.room_size.max(1));
        let mut csv = String::from("so_bao_danh,ho_ten,ngay_sinh,phong\n");
        for r in 0..rooms {
            let name = format!("P{:03}", r + 1);
            let seats = setup.room_size.min(setup.candidates - r * setup.room_size);
            self.post(&format!("/api/v1/events/{ev}/rooms"), json!({"name": name, "seats": seats})).await?;
            for k in 0..seats {
                let n = r * setup.room_size + k + 1;
                csv.push_str(&format!("{}{:06},Thí sinh {n},2007-01-01,{name}\n", setup.number_prefix, n));
            }
        }
        self.post_raw(&format!("/api/v1/events/{ev}/candidates"), "text/csv", csv.into_bytes()).await?;
        if let Some(key) = setup.content_key {
            self.post(&format!("/api/v1/events/{ev}/unlock"), json!({"release_key": key})).await?;
        }
        let mut out = Vec::new();
        for r in 0..rooms {
            let sheet = self.get(&format!("/api/v1/events/{ev}/rooms/P{:03}/sheet", r + 1)).await?;
            for c in sheet["candidates"].as_array().into_iter().flatten() {
                let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                out.push((s("number"), s("full_name"), s("code")));
            }
        }
        Ok(out)
    }
}

pub struct EventSetup<'a> {
    pub event_id: &'a str,
    pub title: &'a str,
    pub package: &'a [u8],
    /// Unlocks the content when given.
    pub content_key: Option<&'a str>,
    pub candidates: usize,
    pub room_size: usize,
    pub number_prefix: &'a str,
    pub score_at_submit: bool,
    /// Overrides the package's duration (tests of time-outs).
    pub duration_seconds: Option<u32>,
}

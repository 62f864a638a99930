//! JSON over HTTP to a server under test, the way the tests look at answers: the status and the
//! body as JSON (or, when it is not JSON, as a JSON string holding the text).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

/// A client for one server, with an optional bearer token per request.
#[derive(Debug, Clone)]
pub struct JsonClient {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub url: String,
    pub client: reqwest::Client,
}

impl JsonClient {
    /// A client for the server at `url` that gives up on a request after 30 s.
    pub fn new(url: impl Into<String>) -> Self {
        let client =
            reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("an HTTP client");
        JsonClient { url: url.into().trim_end_matches('/').to_string(), client }
    }

    /// Logs in at `/api/v1/auth/login` (both services have it) and returns the access token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let (status, body) =
            self.post(None, "/api/v1/auth/login", json!({"username": username, "password": password})).await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        body["access_token"].as_str().expect("access_token").to_string()
    }

    /// Sends `req` (with the token, if any) and reads the answer.
    pub async fn send(&self, req: reqwest::RequestBuilder, token: Option<&str>) -> (StatusCode, Value) {
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

    /// Posts `body` as it is, with the given content type (files, wrong media types, bad JSON).
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
}

/// Asserts the error body both services answer with: `{"error": code, "message": text, …}`.
pub fn assert_error_body(body: &Value, code: &str) {
    assert_eq!(body["error"], code, "unexpected error body: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "no message: {body}");
}

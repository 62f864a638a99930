//! The public certificate verification page, `GET /verify` (issue 21): a university or employer
//! pastes a certificate string (or scans the QR with the camera where the page is served over
//! HTTPS, which browsers require for the camera) and reads the claims and the verdict.
//!
//! The page carries everything it needs inside it — the bank's public keys and the signed
//! revocation list as a JSON data block — and verifies in the browser (Base45, zlib through
//! `DecompressionStream`, CBOR, COSE_Sign1, Ed25519 through WebCrypto; static/verify/verify.js),
//! so once loaded it works without the network. A phone without `BarcodeDetector` or a camera the
//! page may open takes a photo of the QR (`<input type=file capture>`), decoded in the page by the
//! vendored jsQR (static/verify/vendor/jsqr/README.md). When online it fetches a fresher revocation list
//! and uses it only if its signature checks out against the same keys. [`PageKind::Verify`]'s
//! policy: its own script and style only.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use khaothi_http::{PageKind, page_policy};

use crate::error::ApiResult;
use crate::routes::certificates::{signed_revocations, signing_key};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/verify", get(page))
}

/// Makes a JSON text safe inside a `<script type="application/json">` block.
fn json_block(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

async fn page(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    signing_key(&state, khaothi_store::DEFAULT_ORG).await?;
    let keys: Vec<serde_json::Value> = khaothi_store::certificates::keys(&state.db)
        .await?
        .into_iter()
        .map(|k| serde_json::json!({"kid": k.kid, "public_key": k.public_key}))
        .collect();
    let trust = serde_json::json!({"keys": keys, "revocations": signed_revocations(&state).await?});
    let html = PAGE.replace("{{TRUST}}", &json_block(&trust));
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::CONTENT_SECURITY_POLICY, page_policy(PageKind::Verify, &headers));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"));
    Ok((h, html).into_response())
}

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiểm tra giấy chứng nhận kết quả thi</title>
<link rel="stylesheet" href="/static/fonts/fonts.css">
<link rel="stylesheet" href="/static/verify/verify.css">
<script type="application/json" id="trust">{{TRUST}}</script>
<script type="module" src="/static/verify/verify.js"></script>
</head>
<body>
<header class="top">
  <h1 data-i18n="title">Kiểm tra giấy chứng nhận kết quả thi</h1>
  <button type="button" id="lang" lang="en">English</button>
</header>
<main>
  <p data-i18n="intro">Dán chuỗi in dưới mã QR (bắt đầu bằng KT1:) hoặc quét mã QR. Việc kiểm tra diễn ra ngay trên máy này, không cần mạng.</p>
  <form id="form">
    <label for="code" data-i18n="label">Chuỗi giấy chứng nhận</label>
    <textarea id="code" rows="5" spellcheck="false" autocomplete="off" aria-describedby="hint"></textarea>
    <p id="hint" class="hint" data-i18n="hint">Ví dụ: KT1:6BF…</p>
    <div class="actions">
      <button type="submit" id="check" data-i18n="check">Kiểm tra</button>
      <button type="button" id="scan" hidden data-i18n="scan">Quét mã QR bằng camera</button>
    </div>
    <p id="camera-note" class="hint" data-i18n="cameraNote">Quét bằng camera cần trang được mở qua HTTPS và trình duyệt hỗ trợ đọc mã QR.</p>
    <label for="photo" data-i18n="photo">Hoặc chụp ảnh mã QR (hay chọn ảnh có sẵn)</label>
    <input type="file" id="photo" accept="image/*" capture="environment" aria-describedby="photo-hint">
    <p id="photo-hint" class="hint" data-i18n="photoHint">Ảnh được đọc ngay trên máy này, không gửi đi đâu.</p>
    <p id="photo-error" class="error" role="alert"></p>
  </form>
  <video id="video" hidden playsinline muted></video>
  <section id="result" aria-live="polite" tabindex="-1"></section>
  <p class="hint"><span data-i18n="keys">Khoá công khai tin cậy:</span> <span id="key-count"></span>. <span id="revocation-info"></span></p>
</main>
</body>
</html>
"#;

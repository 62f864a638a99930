//! Safe Exam Browser for an event (issue 16; docs/operations.md "Safe Exam Browser"): which keys
//! an event accepts, and the two checks — the candidate page's load (the hashes SEB for Windows
//! sends as headers) and the websocket `login`/`resume` (the hashes the page reads from SEB's
//! JavaScript API, since headers are not known to reach a websocket upgrade and SEB for macOS and
//! iOS sends none).
//!
//! A configuration check, not authentication: a hash is fixed for a URL and a key, so a browser
//! replaying captured values passes. It keeps honest mistakes out (an ordinary browser, SEB with
//! the wrong or an altered configuration) and tells the candidate what to do.

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use khaothi_seb::exam::{ExamInputs, exam_settings};
use khaothi_seb::hashes::{self, CONFIG_KEY_HEADER, REQUEST_HASH_HEADER};
use khaothi_seb::{Dict, config_key};

use crate::state::AppState;
use crate::store::seb::SebSettings;
use crate::ws::messages::{Refusal, SebProof};

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// A required hash was not sent: not SEB, or SEB without the keys enabled.
    Missing,
    /// A hash was sent but matches no accepted key: SEB with another configuration.
    Mismatch,
}

impl SebSettings {
    /// The settings of the `.seb` file the server generates, once a start URL is set.
    pub fn generated(&self) -> Option<Dict> {
        let start_url = self.start_url.as_deref()?;
        let inputs = ExamInputs { start_url, hashed_quit_password: self.quit_password_hash.as_deref() };
        exam_settings(&inputs).ok()
    }

    pub fn generated_config_key(&self) -> Option<String> {
        self.generated().map(|d| config_key(&d))
    }

    /// Every Config Key the event accepts: the board's, the uploaded file's and the generated
    /// file's.
    pub fn accepted_config_keys(&self) -> Vec<String> {
        let mut keys = self.config_keys.clone();
        keys.extend(self.uploaded_config_key.clone());
        keys.extend(self.generated_config_key());
        keys.sort();
        keys.dedup();
        keys
    }

    /// Checks the hashes sent for one of `urls` (the page's absolute URL as it may have been
    /// requested). Each kind of key the event has is required.
    pub fn check(
        &self,
        urls: &[String],
        config_key_hash: Option<&str>,
        exam_key_hash: Option<&str>,
    ) -> Outcome {
        let mut outcome = Outcome::Passed;
        for (keys, presented) in
            [(self.accepted_config_keys(), config_key_hash), (self.browser_exam_keys.clone(), exam_key_hash)]
        {
            if keys.is_empty() {
                continue;
            }
            match presented.filter(|h| !h.trim().is_empty()) {
                None => return Outcome::Missing,
                Some(h) if !urls.iter().any(|u| hashes::matches_any(u, h, &keys)) => {
                    outcome = Outcome::Mismatch
                }
                Some(_) => {}
            }
        }
        outcome
    }
}

/// The event's settings when it requires SEB.
async fn required(s: &AppState, event_id: &str) -> Result<Option<SebSettings>, sea_orm::DbErr> {
    Ok(crate::store::seb::get(&s.db.read, event_id).await?.filter(|x| x.required))
}

const REQUIRED_MESSAGE: &str = "this exam must be taken in Safe Exam Browser started with the exam's .seb file; ask the proctor or the lab technician";
const MISMATCH_MESSAGE: &str = "Safe Exam Browser on this computer does not run the exam's configuration (.seb file); ask the proctor or the lab technician";

/// The websocket check, after the credential named the candidate's event, against that event's
/// stored settings (`None`: it has none). `origin` is the upgrade request's `Origin`: the page URL
/// the proof names must be on it.
pub fn check_login(
    settings: Option<&SebSettings>,
    proof: Option<&SebProof>,
    origin: Option<&str>,
) -> Result<(), Refusal> {
    let Some(settings) = settings.filter(|x| x.required) else {
        return Ok(());
    };
    let Some(proof) = proof else {
        return Err(("seb_required", REQUIRED_MESSAGE.into()));
    };
    let url = hashes::without_fragment(&proof.url);
    let on_origin =
        |o: &str| url.strip_prefix(o).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if origin.is_some_and(|o| !on_origin(o)) {
        return Err(("seb_mismatch", MISMATCH_MESSAGE.into()));
    }
    match settings.check(
        &[url.to_string()],
        proof.config_key_hash.as_deref(),
        proof.browser_exam_key_hash.as_deref(),
    ) {
        Outcome::Passed => Ok(()),
        Outcome::Missing => Err(("seb_required", REQUIRED_MESSAGE.into())),
        Outcome::Mismatch => Err(("seb_mismatch", MISMATCH_MESSAGE.into())),
    }
}

/// The `event` query parameter of the candidate page (the generated file's start URL has it).
fn event_param(uri: &Uri) -> Option<&str> {
    uri.query()?.split('&').find_map(|p| p.strip_prefix("event=")).filter(|e| !e.is_empty())
}

/// The absolute URLs the page may have been requested as: the `Host` with the scheme a TLS proxy
/// names in `X-Forwarded-Proto`, else both http and https (SEB hashes the URL it requested).
fn page_urls(uri: &Uri, headers: &HeaderMap) -> Vec<String> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let forwarded = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok());
    let schemes: Vec<&str> = match forwarded {
        Some(p) => vec![p.trim()],
        None => vec!["http", "https"],
    };
    schemes.into_iter().map(|scheme| format!("{scheme}://{host}{path}")).collect()
}

/// The candidate page's load check: when the page is opened for an event that requires SEB and
/// the request carries SEB's key headers, they must match (a browser without the headers goes on
/// to the login, where the JavaScript API's values are checked). `Err` is the refusal page.
pub async fn check_page(s: &AppState, uri: &Uri, headers: &HeaderMap) -> Result<(), Response> {
    let Some(event_id) = event_param(uri) else { return Ok(()) };
    let header_value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (ck, bek) = (header_value(CONFIG_KEY_HEADER), header_value(REQUEST_HASH_HEADER));
    if ck.is_none() && bek.is_none() {
        return Ok(());
    }
    let settings = match required(s, event_id).await {
        Ok(Some(x)) => x,
        Ok(None) => return Ok(()),
        Err(e) => {
            tracing::error!(error = %e, "SEB settings could not be read");
            return Ok(());
        }
    };
    match settings.check(&page_urls(uri, headers), ck.as_deref(), bek.as_deref()) {
        Outcome::Passed => Ok(()),
        _ => Err(refusal_page()),
    }
}

/// The page a candidate sees when SEB runs the wrong configuration: Vietnamese first, English
/// after; no script, no style (its policy allows neither).
fn refusal_page() -> Response {
    let body = "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Sai cấu hình Safe Exam Browser</title></head><body>\
<h1>Máy tính này chưa mở bài thi đúng cách</h1>\
<p>Safe Exam Browser trên máy này không chạy cấu hình (tệp .seb) của kỳ thi. Em đừng tự sửa: hãy giơ tay báo cán bộ coi thi hoặc kỹ thuật viên phòng máy để mở lại bằng đúng tệp .seb của kỳ thi.</p>\
<p lang=\"en\">Safe Exam Browser on this computer does not run this exam's configuration (.seb file). Ask the proctor or the lab technician to start it with the exam's .seb file.</p>\
</body></html>";
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; base-uri 'none'; form-action 'none'"),
    );
    (StatusCode::FORBIDDEN, h, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CK: &str = "81aad4ab9dfd447cc479e6a4a7c9a544e2cafc7f3adeb68b2a21efad68eca4dc";
    const BEK: &str = "155290511d5c4bfb1369217d6846c8eef1ed6a564579516eaf36cf5598ac92de";

    #[test]
    fn each_kind_of_key_the_event_has_is_required() {
        let url = "http://10.0.0.5:8090/?event=e1".to_string();
        let s = SebSettings { required: true, config_keys: vec![CK.into()], ..Default::default() };
        let good = hashes::request_hash(&url, CK);
        assert_eq!(s.check(std::slice::from_ref(&url), Some(&good), None), Outcome::Passed);
        assert_eq!(s.check(std::slice::from_ref(&url), None, Some(&good)), Outcome::Missing);
        assert_eq!(
            s.check(std::slice::from_ref(&url), Some(&hashes::request_hash(&url, BEK)), None),
            Outcome::Mismatch
        );
        let both = SebSettings { browser_exam_keys: vec![BEK.into()], ..s };
        assert_eq!(both.check(std::slice::from_ref(&url), Some(&good), None), Outcome::Missing);
        let bek = hashes::request_hash(&url, BEK);
        assert_eq!(both.check(&[url], Some(&good), Some(&bek)), Outcome::Passed);
    }

    #[test]
    fn the_generated_file_key_is_accepted_once_a_start_url_is_set() {
        let mut s = SebSettings { required: true, ..Default::default() };
        assert!(s.accepted_config_keys().is_empty());
        s.start_url = Some("http://10.0.0.5:8090/?event=e1".into());
        let key = s.generated_config_key().unwrap();
        assert_eq!(s.accepted_config_keys(), vec![key]);
    }

    #[test]
    fn page_urls_follow_the_host_and_the_proxy_scheme() {
        let uri: Uri = "/?event=e1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("10.0.0.5:8090"));
        assert_eq!(
            page_urls(&uri, &h),
            ["http://10.0.0.5:8090/?event=e1", "https://10.0.0.5:8090/?event=e1"]
        );
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(page_urls(&uri, &h), ["https://10.0.0.5:8090/?event=e1"]);
        assert_eq!(event_param(&uri), Some("e1"));
        assert_eq!(event_param(&"/?x=1".parse().unwrap()), None);
    }
}

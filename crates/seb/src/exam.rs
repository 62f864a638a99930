//! The SEB settings khaothi generates for an exam event, for the lab technician to open on each
//! computer: SEB starts on the event's kiosk URL, allows only this server's pages, uses the
//! modern browser engine so the page can read the keys through SEB's JavaScript API, sends the
//! key headers where it can (SEB for Windows), and quits only with the proctor's password.
//!
//! The settings are a pure function of the event's inputs, so their Config Key is stable: the
//! server accepts the generated file's key without the board copying it anywhere.

use sha2::{Digest, Sha256};

use crate::Error;
use crate::plist::{Dict, Value};

/// What an event's settings are made from.
#[derive(Debug, Clone)]
pub struct ExamInputs<'a> {
    /// The candidate page as the lab computers reach it, e.g. `http://10.0.0.5:8090/?event=e1`.
    pub start_url: &'a str,
    /// SHA-256 hex of the quit password (see [`hash_quit_password`]); no password lets a candidate
    /// quit SEB freely, which the board should not want.
    pub hashed_quit_password: Option<&'a str>,
}

/// SEB's form of a quit password: hex SHA-256 of its UTF-8 bytes.
pub fn hash_quit_password(password: &str) -> String {
    hex::encode(Sha256::digest(password.as_bytes()))
}

/// `host[:port]` of an http(s) URL, or why it is not one SEB can start on.
pub fn url_host(url: &str) -> Result<&str, Error> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| Error::Settings("the start URL must begin with http:// or https://".into()))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(['@', ' ', '\\']) {
        return Err(Error::Settings("the start URL has no plain host[:port]".into()));
    }
    Ok(host)
}

fn b(v: bool) -> Value {
    Value::Bool(v)
}

fn i(v: i64) -> Value {
    Value::Integer(v)
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn allow_rule(expression: &str) -> Value {
    Value::Dict(Dict(vec![
        ("action".into(), i(1)),
        ("active".into(), b(true)),
        ("expression".into(), s(expression)),
        ("regex".into(), b(false)),
    ]))
}

/// The settings for an exam event.
pub fn exam_settings(inputs: &ExamInputs<'_>) -> Result<Dict, Error> {
    let host = url_host(inputs.start_url)?;
    if let Some(h) = inputs.hashed_quit_password
        && !crate::hashes::is_key(h)
    {
        return Err(Error::Settings("the quit password hash is not 64 hex digits".into()));
    }
    let mut d = Dict(vec![
        ("originatorVersion".into(), s("khaothi")),
        // 0: the file starts an exam (1 would reconfigure the client permanently).
        ("sebConfigPurpose".into(), i(0)),
        ("startURL".into(), s(inputs.start_url)),
        ("restartExamUseStartURL".into(), b(true)),
        // The page reads the keys through the JavaScript API (modern engine: 3 = prefer modern);
        // SEB for Windows also sends them as headers.
        ("browserWindowWebView".into(), i(3)),
        ("sendBrowserExamKey".into(), b(true)),
        ("URLFilterEnable".into(), b(true)),
        // A content filter would force the classic engine on macOS, without the JavaScript API.
        ("URLFilterEnableContentFilter".into(), b(false)),
        ("URLFilterRules".into(), Value::Array(vec![allow_rule(host), allow_rule(&format!("{host}/*"))])),
        ("browserViewMode".into(), i(1)),
        ("enableBrowserWindowToolbar".into(), b(false)),
        ("allowBrowsingBackForward".into(), b(false)),
        ("browserWindowAllowReload".into(), b(true)),
        ("showReloadButton".into(), b(true)),
        ("newBrowserWindowByLinkPolicy".into(), i(0)),
        ("newBrowserWindowByScriptPolicy".into(), i(0)),
        // The page keeps unsent answers and the resume token in localStorage.
        ("removeLocalStorage".into(), b(false)),
        ("allowDownUploads".into(), b(false)),
        ("allowSpellCheck".into(), b(false)),
        ("allowDictionaryLookup".into(), b(false)),
        ("allowDictation".into(), b(false)),
        ("allowSiri".into(), b(false)),
        ("allowScreenSharing".into(), b(false)),
        ("allowVirtualMachine".into(), b(false)),
        ("allowAudioCapture".into(), b(false)),
        ("allowVideoCapture".into(), b(false)),
        ("enablePrintScreen".into(), b(false)),
        ("allowPreferencesWindow".into(), b(false)),
        ("enableZoomPage".into(), b(true)),
        ("enableZoomText".into(), b(true)),
        ("showTaskBar".into(), b(true)),
        ("showTime".into(), b(true)),
        ("allowQuit".into(), b(true)),
    ]);
    if let Some(h) = inputs.hashed_quit_password {
        d.insert("hashedQuitPassword", s(&h.to_ascii_lowercase()));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_start_on_the_kiosk_url_and_allow_only_its_host() {
        let hash = hash_quit_password("giám thị");
        let d = exam_settings(&ExamInputs {
            start_url: "http://10.0.0.5:8090/?event=e1",
            hashed_quit_password: Some(&hash),
        })
        .unwrap();
        assert_eq!(d.get("startURL"), Some(&s("http://10.0.0.5:8090/?event=e1")));
        assert_eq!(d.get("hashedQuitPassword"), Some(&s(&hash)));
        let Some(Value::Array(rules)) = d.get("URLFilterRules") else { panic!("rules") };
        assert_eq!(rules[1], allow_rule("10.0.0.5:8090/*"));
        // printf %s 'giám thị' | sha256sum
        assert_eq!(hash, "0d66cb62ee2a66383957e58c50997592f9f38f3b983fdcc73518b69c518defc8");
    }

    #[test]
    fn refuses_a_start_url_seb_cannot_use() {
        for bad in ["ftp://x/", "10.0.0.5:8090/", "http:///x", "http://a b/"] {
            assert!(
                exam_settings(&ExamInputs { start_url: bad, hashed_quit_password: None }).is_err(),
                "{bad}"
            );
        }
        let bad_hash = ExamInputs { start_url: "http://x/", hashed_quit_password: Some("abc") };
        assert!(exam_settings(&bad_hash).is_err());
    }
}

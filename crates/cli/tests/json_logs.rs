//! `--log-format json` (issue 18 §4): the bank as the real binary writes its log as JSON lines,
//! and a request's lines carry the request id the client sent (echoed in the response too), so an
//! operator finds a user's failed request in a log collector.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn json_log_lines_carry_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_khaothi"))
        .args(["--log-format", "json", "bank", "serve"])
        .env("KHAOTHI_LOG", "info,tower_http=debug")
        .env("KHAOTHI__BANK__LISTEN", "127.0.0.1:0")
        .env("KHAOTHI__BANK__DATA_DIR", dir.path())
        .env("KHAOTHI__BANK__DEMO", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the bank starts");
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next = || rx.recv_timeout(Duration::from_secs(60)).expect("the bank goes on logging");
    let addr = loop {
        let line = next();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: bank\r\nx-request-id: khaothi-test-4242\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_lowercase().contains("x-request-id: khaothi-test-4242"), "{answer}");
    let line = loop {
        let line = next();
        if line.contains("khaothi-test-4242") {
            break line;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(v["span"]["request_id"], "khaothi-test-4242", "{v}");
    assert_eq!(v["span"]["uri"], "/healthz", "{v}");
    assert!(v["timestamp"].is_string() && v["level"].is_string(), "{v}");
}

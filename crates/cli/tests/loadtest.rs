//! `khaothi loadtest --processes`, run as the real binary (issue 17): the swarm shared out among
//! worker processes of the same program, one merged JSON report, nothing lost, and resumes that
//! name the content's hash (a reconnect storm among them) are sent no content.

use std::process::Command;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../item-bank-samples/toan.jsonl");

fn report(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_else(|| panic!("no report; stderr: {stderr}"));
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {last}"))
}

#[test]
fn two_processes_give_one_report_and_resumes_get_no_content() {
    let r = report(&[
        "loadtest",
        "--candidates",
        "40",
        "--duration",
        "5",
        "--answer-interval",
        "0.25",
        "--disconnect-rate",
        "8",
        "--processes",
        "2",
        "--storm-at",
        "2.5",
        "--items",
        SAMPLES,
    ]);
    assert_eq!(r["processes"], 2, "{r}");
    assert_eq!(r["candidates"], 40, "{r}");
    assert_eq!(r["candidates_failed"], 0, "{r}");
    assert_eq!(r["answers_lost"], 0, "{r}");
    let acked = r["answers_acked"].as_u64().unwrap();
    assert!(acked >= 40, "both processes' answers are counted: {r}");
    assert!(r["answers_sent"].as_u64().unwrap() >= acked);
    assert!(r["reconnects"].as_u64().unwrap() > 0, "{r}");
    // Percentiles of the merged histogram: ordered, and within the run.
    let (p50, p99, max) = (
        r["ack_p50_ms"].as_f64().unwrap(),
        r["ack_p99_ms"].as_f64().unwrap(),
        r["ack_max_ms"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max && max < 30_000.0, "{r}");
    assert!(r["all_in_ms"].as_f64().unwrap() > 0.0);
    // A first login carries the (compressed) content; a resume naming its hash only `welcome`.
    let (login, resume) = (r["login_bytes_mean"].as_f64().unwrap(), r["resume_bytes_mean"].as_f64().unwrap());
    assert!(resume > 0.0 && resume < login, "resume {resume} B vs login {login} B: {r}");
    // The reconnect storm: everyone dropped at once and came back, without the content.
    let (back, storm) = (r["storm_back_ms"].as_f64().unwrap(), r["storm_bytes_mean"].as_f64().unwrap());
    assert!(back > 0.0 && back < 5_000.0, "{r}");
    assert!(storm > 0.0 && storm < login, "storm resume {storm} B vs login {login} B: {r}");
}

#[test]
fn plain_content_costs_more_bytes_than_compressed() {
    let args = |plain: bool| {
        let mut a = vec![
            "loadtest",
            "--candidates",
            "4",
            "--duration",
            "1",
            "--answer-interval",
            "0.5",
            "--disconnect-rate",
            "0",
            "--items",
            SAMPLES,
        ];
        if plain {
            a.push("--plain-content");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |plain| report(&args(plain).iter().map(String::as_str).collect::<Vec<_>>());
    let (plain, compressed) = (run(true), run(false));
    let (p, c) =
        (plain["login_bytes_mean"].as_f64().unwrap(), compressed["login_bytes_mean"].as_f64().unwrap());
    assert!(c < p / 2.0, "compressed {c} B vs plain {p} B per login");
    assert_eq!(plain["answers_lost"], 0);
    assert_eq!(compressed["answers_lost"], 0);
}

/// The adaptive swarm's two refusals say what is wrong and start nothing: a server of its own
/// needs the key the package is signed with, and the adaptive swarm runs in one process.
#[test]
fn adaptive_flags_that_cannot_work_together_are_refused_by_name() {
    for (args, said) in [
        (&["loadtest", "--adaptive", "--url", "http://127.0.0.1:9"][..], "--signing-key"),
        (&["loadtest", "--adaptive", "--processes", "2"][..], "one process"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_khaothi")).args(args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
    }
}

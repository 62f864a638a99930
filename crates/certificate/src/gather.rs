//! From exam results to certificate claims: each event's scores (from the delivery server's
//! results JSON, a signed result file, or a results CSV with its subject given), merged by
//! candidate number so one certificate carries every subject a candidate sat.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::CertificateError;
use crate::claims::{Claims, ExamResult};

/// One candidate's score in one event.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateScore {
    pub number: String,
    pub name: String,
    pub date_of_birth: Option<String>,
    /// Hundredths of a point out of 10.
    pub score: u32,
}

/// One event's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct EventScores {
    pub event: String,
    pub subject: String,
    pub candidates: Vec<CandidateScore>,
}

fn bad(m: impl Into<String>) -> CertificateError {
    CertificateError::Format(m.into())
}

/// `6.10` or `6,10` → 610; refuses anything outside 0–10.
fn hundredths(text: &str) -> Option<u32> {
    let x: f64 = text.trim().replace(',', ".").parse().ok()?;
    (0.0..=10.0).contains(&x).then(|| (x * 100.0).round() as u32)
}

/// Reads the results JSON (docs/formats.md "Results JSON") or a signed result file holding it
/// (its `results.json` part; the caller checks the file's signature where it matters). Candidates
/// who never started (no `score10`) get no entry.
pub fn from_results_json(text: &str) -> Result<EventScores, CertificateError> {
    let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("results JSON: {e}")))?;
    if let Some(part) = v.get("parts").and_then(|p| p.get("results.json")).and_then(Value::as_str) {
        return from_results_json(part);
    }
    let field = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| bad(format!("results JSON: no `{k}`")))
    };
    let (event, subject) = (field("event")?, field("subject")?);
    let list =
        v.get("candidates").and_then(Value::as_array).ok_or_else(|| bad("results JSON: no `candidates`"))?;
    let mut candidates = Vec::new();
    for c in list {
        let Some(score) = c.get("score10").and_then(Value::as_f64) else { continue };
        let text_of = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").trim().to_string();
        let number = text_of("number");
        if number.is_empty() {
            return Err(bad("results JSON: a candidate without `number`"));
        }
        let score = hundredths(&score.to_string())
            .ok_or_else(|| bad(format!("candidate {number}: score10 {score} is not 0–10")))?;
        let dob = text_of("date_of_birth");
        candidates.push(CandidateScore {
            name: text_of("full_name"),
            date_of_birth: (!dob.is_empty()).then_some(dob),
            number,
            score,
        });
    }
    Ok(EventScores { event, subject, candidates })
}

/// Reads a results CSV (`number`, `full_name`, `date_of_birth`, `score10`); the CSV names neither
/// event nor subject, so the caller gives both.
pub fn from_results_csv(bytes: &[u8], event: &str, subject: &str) -> Result<EventScores, CertificateError> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = r.headers().map_err(|e| bad(format!("results CSV: {e}")))?.clone();
    let col = |name: &str| header.iter().position(|h| h.trim().trim_start_matches('\u{feff}') == name);
    let number = col("number").ok_or_else(|| bad("results CSV: no `number` column"))?;
    let score = col("score10").ok_or_else(|| bad("results CSV: no `score10` column"))?;
    let (name, dob) = (col("full_name"), col("date_of_birth"));
    let mut candidates = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| bad(format!("results CSV line {}: {e}", i + 2)))?;
        let cell = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string();
        let s = cell(Some(score));
        if s.is_empty() {
            continue;
        }
        let value = hundredths(&s)
            .ok_or_else(|| bad(format!("results CSV line {}: score10 `{s}` is not 0–10", i + 2)))?;
        let d = cell(dob);
        candidates.push(CandidateScore {
            number: cell(Some(number)),
            name: cell(name),
            date_of_birth: (!d.is_empty()).then_some(d),
            score: value,
        });
    }
    Ok(EventScores { event: event.to_string(), subject: subject.to_string(), candidates })
}

/// One claims set per candidate over all events (name and date of birth from the first event
/// that has them), in candidate-number order.
pub fn claims_by_candidate(events: &[EventScores], issuer: &str, issued_at: i64) -> Vec<Claims> {
    let mut by: BTreeMap<&str, Claims> = BTreeMap::new();
    for e in events {
        for c in &e.candidates {
            let entry = by.entry(&c.number).or_insert_with(|| Claims {
                issuer: issuer.to_string(),
                issued_at,
                candidate: c.number.clone(),
                name: c.name.clone(),
                date_of_birth: None,
                results: Vec::new(),
            });
            if entry.name.is_empty() {
                entry.name = c.name.clone();
            }
            if entry.date_of_birth.is_none() {
                entry.date_of_birth = c.date_of_birth.clone();
            }
            entry.results.push(ExamResult {
                event: e.event.clone(),
                subject: e.subject.clone(),
                score: c.score,
            });
        }
    }
    by.into_values().collect()
}

/// Whether a candidate number is safe as a file name (`<sbd>.txt`).
pub fn is_file_safe(number: &str) -> bool {
    !number.is_empty()
        && number.len() <= 64
        && number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_merge_by_candidate() {
        let json = r#"{"event":"E1","subject":"Toán","candidates":[
            {"number":"001","full_name":"An","date_of_birth":"","score10":8.25},
            {"number":"002","full_name":"Bình","date_of_birth":"2008-01-02","score10":null}]}"#;
        let signed =
            serde_json::json!({"format": "khaothi-results/1", "parts": {"results.json": json}}).to_string();
        let a = from_results_json(&signed).unwrap();
        assert_eq!(a.candidates.len(), 1);
        assert_eq!(a.candidates[0].score, 825);
        let b = from_results_csv(
            b"number,full_name,date_of_birth,score10\n001,An,2008-05-06,\"7,50\"\n002,B,,\n",
            "E2",
            "Văn",
        )
        .unwrap();
        let claims = claims_by_candidate(&[a, b], "Sở", 0);
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].results.len(), 2);
        assert_eq!(claims[0].results[1].score, 750);
        assert_eq!(claims[0].date_of_birth.as_deref(), Some("2008-05-06"));
        assert!(from_results_csv(b"number,score10\n1,11\n", "E", "S").is_err());
        assert!(is_file_safe("01000123") && !is_file_safe("../x") && !is_file_safe(""));
    }
}

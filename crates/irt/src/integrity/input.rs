//! Reading an event for the copying screen: the delivery server's raw responses CSV, its results
//! CSV (rooms and seats) and, optionally, the rooms' seat layouts (docs/formats.md).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use crate::error::IrtError;

/// One candidate's newest answer to one item, as the raw export gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The answer in the bank's order (shuffles undone); empty when not answered.
    pub value: String,
    /// The answer as the candidate saw it (shown letters), when the export carries it.
    pub shown: Option<String>,
    /// 1-based position at which the item was shown.
    pub position: u32,
    /// The scored response (0/1 or 0–4).
    pub score: u8,
    /// When the server received it, in seconds since 1970 (UTC).
    pub at: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub number: String,
    pub room: String,
    pub seat: Option<u32>,
    pub version: String,
    /// By item column (`id@version` or the bare id).
    pub responses: BTreeMap<String, Response>,
}

/// Everything the screen reads about one event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    pub candidates: Vec<Candidate>,
    /// Seat layouts by room name: (rows, columns), seats numbered along the rows.
    pub layouts: HashMap<String, (u32, u32)>,
}

fn bad(file: &str, line: usize, msg: impl std::fmt::Display) -> IrtError {
    IrtError::invalid(format!("{file}, line {line}: {msg}"))
}

/// The columns of a CSV by name, with the records that follow.
fn table<R: Read>(
    r: R,
    file: &str,
    needed: &[&str],
) -> Result<(HashMap<String, usize>, Vec<csv::StringRecord>), IrtError> {
    let mut rd = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(r);
    let header = rd.headers().map_err(|e| IrtError::invalid(format!("{file}: {e}")))?.clone();
    let cols: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i))
        .collect();
    let missing: Vec<&str> = needed.iter().copied().filter(|c| !cols.contains_key(*c)).collect();
    if !missing.is_empty() {
        return Err(IrtError::invalid(format!("{file}: no column {} in the header", missing.join(", "))));
    }
    let mut rows = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        rows.push(rec.map_err(|e| bad(file, i + 2, e))?);
    }
    Ok((cols, rows))
}

/// Reads the raw responses CSV and the results CSV (and the layouts, when given) into an event.
/// Candidates in the raw export but not in the results (or the reverse) are an error: the two
/// files must come from the same event.
pub fn read_event<R1: Read, R2: Read>(raw: R1, results: R2) -> Result<Event, IrtError> {
    let (rc, rows) = table(results, "results CSV", &["number", "room", "seat", "version"])?;
    let mut candidates: Vec<Candidate> = Vec::with_capacity(rows.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let number = r[rc["number"]].trim().to_string();
        let seat_text = r[rc["seat"]].trim();
        let seat = if seat_text.is_empty() {
            None
        } else {
            Some(
                seat_text
                    .parse::<u32>()
                    .map_err(|_| bad("results CSV", i + 2, format!("seat '{seat_text}' is not a number")))?,
            )
        };
        if index.insert(number.clone(), candidates.len()).is_some() {
            return Err(bad("results CSV", i + 2, format!("candidate {number} appears twice")));
        }
        candidates.push(Candidate {
            number,
            room: r[rc["room"]].trim().to_string(),
            seat,
            version: r[rc["version"]].trim().to_string(),
            responses: BTreeMap::new(),
        });
    }
    let (c, rows) =
        table(raw, "raw CSV", &["person", "item", "position", "value", "correct", "answered_at"])?;
    for (i, r) in rows.iter().enumerate() {
        let line = i + 2;
        let person = r[c["person"]].trim();
        let &k = index
            .get(person)
            .ok_or_else(|| bad("raw CSV", line, format!("candidate {person} is not in the results CSV")))?;
        let field = |name: &str| r[c[name]].trim();
        let score: u8 =
            field("correct").parse().map_err(|_| bad("raw CSV", line, "correct is not a score"))?;
        let position: u32 =
            field("position").parse().map_err(|_| bad("raw CSV", line, "position is not a number"))?;
        let at = match field("answered_at") {
            "" => None,
            t => Some(
                parse_rfc3339(t)
                    .ok_or_else(|| bad("raw CSV", line, format!("answered_at '{t}' is not RFC 3339")))?,
            ),
        };
        let response = Response {
            value: r[c["value"]].to_string(),
            shown: c.get("shown").map(|&s| r[s].to_string()),
            position,
            score,
            at,
        };
        candidates[k].responses.insert(field("item").to_string(), response);
    }
    Ok(Event { candidates, layouts: HashMap::new() })
}

/// Reads a layouts CSV `room,rows,columns` (room by name).
pub fn read_layouts<R: Read>(r: R) -> Result<HashMap<String, (u32, u32)>, IrtError> {
    let (c, rows) = table(r, "layout CSV", &["room", "rows", "columns"])?;
    let mut out = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let num = |name: &str| {
            r[c[name]]
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| bad("layout CSV", i + 2, format!("{name} must be a positive number")))
        };
        out.insert(r[c["room"]].trim().to_string(), (num("rows")?, num("columns")?));
    }
    Ok(out)
}

/// Seconds since 1970-01-01T00:00:00Z of an RFC 3339 time (`2025-06-27T10:00:00.123Z`,
/// `…+07:00`).
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, sec) = (n(0..4)?, n(5..7)?, n(8..10)?, n(11..13)?, n(14..16)?, n(17..19)?);
    let mut rest = &s[19..];
    let mut frac = 0.0;
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        frac = format!("0.{}", &r[..digits]).parse().ok()?;
        rest = &r[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o[1..3].parse::<i64>().ok()? * 3600 + o[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset) as f64 + frac)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        // 2025-06-27T10:00:00Z: 20266 days after 1970-01-01
        assert_eq!(parse_rfc3339("2025-06-27T10:00:00.250Z"), Some(20266.0 * 86400.0 + 36000.0 + 0.25));
        assert_eq!(parse_rfc3339("2025-06-27T17:00:00+07:00"), parse_rfc3339("2025-06-27T10:00:00Z"));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z"), Some(11017.0 * 86400.0));
        assert_eq!(parse_rfc3339("27/06/2025 10:00"), None);
    }

    #[test]
    fn reads_the_exports_and_names_the_bad_line() {
        let results =
            "number,full_name,room,seat,version,total\n001,A,P1,1,0101,500\n002,\"B, C\",P1,2,0102,400\n";
        let raw = "person,item,kind,version,position,value,correct,epoch,seq,answered_at\n\
                   001,Q1@2,single_choice,0101,1,B,1,1,1,2025-06-27T10:00:00.000Z\n\
                   002,Q1@2,single_choice,0102,3,,0,,,\n";
        let e = read_event(raw.as_bytes(), results.as_bytes()).unwrap();
        assert_eq!(e.candidates.len(), 2);
        assert_eq!(e.candidates[1].seat, Some(2));
        let r = &e.candidates[0].responses["Q1@2"];
        assert_eq!((r.value.as_str(), r.score, r.position, r.shown.clone()), ("B", 1, 1, None));
        assert!(e.candidates[1].responses["Q1@2"].at.is_none());
        let raw_bad = raw.replace("002,Q1@2", "009,Q1@2");
        let err = read_event(raw_bad.as_bytes(), results.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("009"), "{err}");
        let err = read_event(raw.as_bytes(), "number,room\n".as_bytes()).unwrap_err().to_string();
        assert!(err.contains("seat, version"), "{err}");
        // the export's `shown` column, when present, is read too
        let with_shown = raw
            .replace("answered_at\n", "answered_at,shown\n")
            .replace(".000Z\n", ".000Z,D\n")
            .replace(",,,\n", ",,,,\n");
        let e = read_event(with_shown.as_bytes(), results.as_bytes()).unwrap();
        assert_eq!(e.candidates[0].responses["Q1@2"].shown.as_deref(), Some("D"));
        assert_eq!(e.candidates[1].responses["Q1@2"].shown.as_deref(), Some(""));
        let l = read_layouts("room,rows,columns\nP1,4,6\n".as_bytes()).unwrap();
        assert_eq!(l["P1"], (4, 6));
        assert!(read_layouts("room,rows,columns\nP1,0,6\n".as_bytes()).is_err());
    }
}

//! The two inputs of đối sánh, read from CSV bytes (the caller reads the files): the exam's results
//! CSV (docs/formats.md "Results CSV": `number` and `score10`) and the transcript grades
//! (docs/formats.md "Transcript CSV": `candidate,school,district,province,subject,grade[,year]`).
//!
//! Transcript rows are checked one by one and every bad row is reported with its line, like every
//! import of khaothi: a board fixes its file in one pass instead of one error at a time.

use std::collections::HashSet;

use serde::Serialize;

use crate::CompareError;

/// One candidate's exam score out of 10 (the results' `score10`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExamScore {
    pub candidate: String,
    pub score10: f64,
}

/// One transcript grade (học bạ) of one candidate in one subject.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptGrade {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub candidate: String,
    pub school: String,
    pub district: String,
    pub province: String,
    pub subject: String,
    /// On the 10-point scale, 0–10.
    pub grade: f64,
    /// The school year's exam year (`2026` for the 2025–2026 transcript), when the file has a
    /// `year` column.
    pub year: Option<i32>,
}

/// A refused transcript row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

/// What a transcript file held: the good rows and a report of the bad ones.
#[derive(Debug, Clone, Default)]
pub struct Transcripts {
    pub grades: Vec<TranscriptGrade>,
    pub errors: Vec<RowError>,
    /// Data rows read (good and bad).
    pub rows: usize,
}

/// The transcript CSV's columns, in the documented order (`year` optional).
pub const TRANSCRIPT_COLUMNS: [&str; 6] = ["candidate", "school", "district", "province", "subject", "grade"];

/// Reads a number written with a decimal point or a Vietnamese decimal comma (`7,5`).
pub fn parse_decimal(text: &str) -> Option<f64> {
    let t = text.trim().replace(',', ".");
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn header_index(header: &csv::StringRecord, name: &str) -> Option<usize> {
    header.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
}

/// Reads a results CSV: every row with a `score10` (candidates who never started have none and
/// are left out). Refuses a file without the `number` and `score10` columns or with a score
/// outside 0–10.
pub fn read_results(bytes: &[u8]) -> Result<Vec<ExamScore>, CompareError> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = r.headers().map_err(|e| CompareError::Results(e.to_string()))?.clone();
    let number = header_index(&header, "number")
        .ok_or_else(|| CompareError::Results("the results CSV has no `number` column".into()))?;
    let score = header_index(&header, "score10")
        .ok_or_else(|| CompareError::Results("the results CSV has no `score10` column".into()))?;
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| CompareError::Results(format!("line {line}: {e}")))?;
        let cell = rec.get(score).unwrap_or("").trim();
        if cell.is_empty() {
            continue;
        }
        let score10 = parse_decimal(cell).filter(|x| (0.0..=10.0).contains(x)).ok_or_else(|| {
            CompareError::Results(format!("line {line}: score10 `{cell}` is not a score 0–10"))
        })?;
        let candidate = rec.get(number).unwrap_or("").trim().to_string();
        if candidate.is_empty() {
            return Err(CompareError::Results(format!("line {line}: the candidate number is empty")));
        }
        out.push(ExamScore { candidate, score10 });
    }
    Ok(out)
}

/// Reads a transcript CSV with a per-row report. A missing column refuses the whole file; a bad
/// row (empty candidate or unit, grade not a number 0–10, bad year, a second grade for the same
/// candidate, subject and year) is reported and left out.
pub fn read_transcripts(bytes: &[u8]) -> Result<Transcripts, CompareError> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = r.headers().map_err(|e| CompareError::Transcripts(e.to_string()))?.clone();
    let mut cols = [0usize; 6];
    for (slot, name) in cols.iter_mut().zip(TRANSCRIPT_COLUMNS) {
        *slot = header_index(&header, name).ok_or_else(|| {
            CompareError::Transcripts(format!(
                "the transcript CSV has no `{name}` column (columns: {}[,year])",
                TRANSCRIPT_COLUMNS.join(",")
            ))
        })?;
    }
    let year_col = header_index(&header, "year");
    let mut out = Transcripts::default();
    let mut seen = HashSet::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        out.rows += 1;
        match rec.map_err(|e| e.to_string()).and_then(|rec| row(&rec, line, &cols, year_col)) {
            Ok(g) => {
                if seen.insert((g.year, g.candidate.clone(), g.subject.to_lowercase())) {
                    out.grades.push(g);
                } else {
                    out.errors.push(RowError {
                        line,
                        message: format!(
                            "a second grade for candidate {} in {}{}",
                            g.candidate,
                            g.subject,
                            g.year.map(|y| format!(" ({y})")).unwrap_or_default()
                        ),
                    });
                }
            }
            Err(message) => out.errors.push(RowError { line, message }),
        }
    }
    Ok(out)
}

fn row(
    rec: &csv::StringRecord,
    line: usize,
    cols: &[usize; 6],
    year_col: Option<usize>,
) -> Result<TranscriptGrade, String> {
    let cell = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
    let [candidate, school, district, province, subject, grade] = cols.map(cell);
    for (name, value) in TRANSCRIPT_COLUMNS.iter().zip([&candidate, &school, &district, &province, &subject])
    {
        if value.is_empty() {
            return Err(format!("`{name}` is empty"));
        }
    }
    let grade_value = parse_decimal(&grade)
        .filter(|g| (0.0..=10.0).contains(g))
        .ok_or_else(|| format!("grade `{grade}` is not a number from 0 to 10 (the 10-point scale)"))?;
    let year = match year_col.map(cell).filter(|y| !y.is_empty()) {
        None => None,
        Some(y) => Some(
            y.parse::<i32>()
                .ok()
                .filter(|y| (1900..=2200).contains(y))
                .ok_or_else(|| format!("year `{y}` is not a year like 2026"))?,
        ),
    };
    Ok(TranscriptGrade { line, candidate, school, district, province, subject, grade: grade_value, year })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_skip_the_unscored_and_refuse_a_bad_score() {
        let ok = read_results(b"number,full_name,score10\n001,A,6.10\n002,B,\n003,C,\"7,25\"\n").unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1], ExamScore { candidate: "003".into(), score10: 7.25 });
        assert!(read_results(b"number,score10\n001,11\n").unwrap_err().to_string().contains("line 2"));
        assert!(read_results(b"number,score\n001,1\n").unwrap_err().to_string().contains("score10"));
    }

    #[test]
    fn transcripts_report_every_bad_row() {
        let csv = "candidate,school,district,province,subject,grade,year\n\
                   001,THPT A,Ba Đình,Hà Nội,Toán,\"8,5\",2026\n\
                   002,,Ba Đình,Hà Nội,Toán,7,2026\n\
                   003,THPT A,Ba Đình,Hà Nội,Toán,12,2026\n\
                   001,THPT A,Ba Đình,Hà Nội,toán,8,2026\n\
                   004,THPT A,Ba Đình,Hà Nội,Toán,8,26\n\
                   005,THPT A,Ba Đình,Hà Nội,Toán,6,\n";
        let t = read_transcripts(csv.as_bytes()).unwrap();
        assert_eq!(t.rows, 6);
        assert_eq!(t.grades.len(), 2);
        assert_eq!(t.grades[0].grade, 8.5);
        assert_eq!(t.grades[1].year, None);
        let lines: Vec<usize> = t.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6]);
        assert!(t.errors[0].message.contains("`school` is empty"));
        assert!(t.errors[2].message.contains("second grade"));
        let missing = read_transcripts(b"candidate,school,subject,grade\n").unwrap_err();
        assert!(missing.to_string().contains("`district`"));
    }
}

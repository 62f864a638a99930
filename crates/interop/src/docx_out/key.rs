//! The answer-key document (đáp án) of every version of a form, as boards print it: one table per
//! version (mã đề), a row per question number and a column per part — the letter of part I, the
//! Đ/S of each statement of part II, the accepted answers of part III — then the count of each
//! letter among part I's keys, which the board checks for balance.

use khaothi_render::{AnswerKey, Masthead};

use super::markdown::{grid_table, text_run};
use super::package::TEXT_WIDTH;
use super::paper::paragraph;

pub(crate) fn key_body(masthead: &Masthead, keys: &[AnswerKey]) -> String {
    let centre = "<w:jc w:val=\"center\"/><w:spacing w:after=\"0\"/>";
    let mut out = paragraph(centre, &text_run(&masthead.authority.to_uppercase(), true, false));
    out.push_str(&paragraph(centre, &text_run(&masthead.exam.to_uppercase(), true, false)));
    out.push_str(&paragraph(
        "<w:jc w:val=\"center\"/><w:spacing w:before=\"120\" w:after=\"120\"/>",
        &text_run(&format!("ĐÁP ÁN MÔN {}", masthead.subject_name.to_uppercase()), true, false),
    ));
    for key in keys {
        out.push_str(&paragraph(
            "<w:keepNext/><w:spacing w:before=\"200\" w:after=\"60\"/>",
            &text_run(&format!("Mã đề {}", key.version_code), true, false),
        ));
        out.push_str(&grid_table(&key_rows(key), TEXT_WIDTH));
        let counts: Vec<String> = key.key_counts.iter().map(|(c, n)| format!("{c}: {n}")).collect();
        out.push_str(&paragraph(
            "<w:spacing w:before=\"60\"/>",
            &text_run(&format!("Số đáp án phần I theo phương án – {}", counts.join(", ")), false, true),
        ));
    }
    out
}

/// The header row ("Câu", "PHẦN I", …) and one row per question number.
fn key_rows(key: &AnswerKey) -> Vec<(bool, Vec<String>)> {
    let plain = |t: &str| text_run(t, false, false);
    let mut rows = vec![(
        true,
        std::iter::once(plain("Câu"))
            .chain(key.parts.iter().map(|p| plain(&format!("PHẦN {}", p.roman))))
            .collect(),
    )];
    let longest = key.parts.iter().map(|p| p.rows.len()).max().unwrap_or(0);
    for n in 1..=longest {
        let mut cells = vec![plain(&n.to_string())];
        for part in &key.parts {
            let cell = part.rows.iter().find(|(q, _)| *q == n).map(|(_, k)| k.as_str()).unwrap_or("");
            cells.push(plain(cell));
        }
        rows.push((false, cells));
    }
    rows
}

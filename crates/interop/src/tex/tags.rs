//! The `%[…]` tags after `\begin{ex}` → item metadata (docs/formats.md, LaTeX section).
//!
//! Two forms are read:
//! - the `ex_test` question code `%[XDCMB-d]` that Vietnamese mathematics groups put on every
//!   question: `X` the grade (`0`, `1`, `2` = grades 10, 11, 12; `6`–`9` = grades 6–9), `D` the
//!   strand letter (`D` đại số–giải tích, `H` hình học, …; not used), `C` the chapter, `M` the
//!   level (`N`/`Y` nhận biết → `biet`, `H`/`B`/`T` thông hiểu → `hieu`, `V`/`K` vận dụng →
//!   `van_dung`, `C`/`G` vận dụng cao → `van_dung_cao`), `B` the lesson, `-d` the exercise type
//!   (not used). It gives the grade, the level and the topic `grade.chapter.lesson`;
//! - `key=value` pairs separated by `,` or `;`: `id`, `subject`, `grade`, `topic`, `level`,
//!   `stimulus`.
//!
//! Any other bracket (a source such as `%[Đề thi thử Sở GD Hà Nội 2024]`) is ignored. Tags
//! override the command's options for their question; a `key=value` tag overrides the code.

use khaothi_domain::Level;

/// Metadata found in a question's tags; `None` where the tags say nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tags {
    pub id: Option<String>,
    pub subject: Option<String>,
    pub grade: Option<u8>,
    pub topic: Option<String>,
    pub level: Option<Level>,
    pub stimulus: Option<String>,
}

/// The `%[…]` groups at the start of `line` (the rest of the `\begin{ex}` line, or a following
/// comment line), in order.
pub(crate) fn brackets(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("%[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(']') else { break };
        out.push(after[..end].trim());
        rest = &after[end + 1..];
    }
    out
}

/// Reads the tags; problems (an unknown key, a bad value) are returned as messages.
pub(crate) fn read(groups: &[&str]) -> (Tags, Vec<(String, String)>) {
    let mut tags = Tags::default();
    let mut problems = Vec::new();
    for g in groups {
        if let Some(code) = parse_code(g) {
            tags.grade = tags.grade.or(Some(code.0));
            tags.level = tags.level.or(Some(code.1));
            tags.topic = tags.topic.or(Some(code.2));
        }
    }
    for g in groups.iter().filter(|g| g.contains('=')) {
        for pair in g.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                problems.push(("$".into(), format!("tag \"{pair}\" is not key=value")));
                continue;
            };
            set(&mut tags, key.trim(), value.trim(), &mut problems);
        }
    }
    (tags, problems)
}

fn set(tags: &mut Tags, key: &str, value: &str, problems: &mut Vec<(String, String)>) {
    let value_owned = Some(value.to_string());
    match key {
        "id" => tags.id = value_owned,
        "subject" => tags.subject = value_owned,
        "topic" => tags.topic = value_owned,
        "stimulus" => tags.stimulus = value_owned,
        "grade" => match value.parse() {
            Ok(g) => tags.grade = Some(g),
            Err(_) => problems.push(("grade".into(), format!("tag grade=\"{value}\" is not a grade (1–12)"))),
        },
        "level" => match Level::parse(&value.to_lowercase()) {
            Some(l) => tags.level = Some(l),
            None => problems.push((
                "level".into(),
                format!("tag level=\"{value}\" is not a level (biet, hieu, van_dung, van_dung_cao)"),
            )),
        },
        other => problems.push((
            "$".into(),
            format!("unknown tag \"{other}\" (known: id, subject, grade, topic, level, stimulus)"),
        )),
    }
}

/// The `ex_test` question code (`2D1Y1-1`): grade, level and topic.
fn parse_code(code: &str) -> Option<(u8, Level, String)> {
    let main = code.split('-').next()?;
    let chars: Vec<char> = main.chars().collect();
    let [g, strand, rest @ ..] = chars.as_slice() else { return None };
    if !strand.is_ascii_uppercase() {
        return None;
    }
    let grade = match g.to_digit(10)? {
        d @ 0..=2 => 10 + d as u8,
        d @ 6..=9 => d as u8,
        _ => return None,
    };
    let level_at = rest.iter().position(|c| c.is_ascii_uppercase())?;
    let chapter: String = rest[..level_at].iter().collect();
    let lesson: String = rest[level_at + 1..].iter().collect();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(&chapter) || !digits(&lesson) {
        return None;
    }
    let level = match rest[level_at] {
        'N' | 'Y' => Level::Biet,
        'H' | 'B' | 'T' => Level::Hieu,
        'V' | 'K' => Level::VanDung,
        'C' | 'G' => Level::VanDungCao,
        _ => return None,
    };
    Some((grade, level, format!("{grade}.{chapter}.{lesson}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_code_gives_grade_level_and_topic() {
        assert_eq!(parse_code("2D1Y1-1"), Some((12, Level::Biet, "12.1.1".into())));
        assert_eq!(parse_code("0H2B3"), Some((10, Level::Hieu, "10.2.3".into())));
        assert_eq!(parse_code("2D3K12-4"), Some((12, Level::VanDung, "12.3.12".into())));
        assert_eq!(parse_code("2D1G5-2"), Some((12, Level::VanDungCao, "12.1.5".into())));
        assert_eq!(parse_code("Đề thi thử Sở GD Hà Nội"), None);
        assert_eq!(parse_code("2D1X1"), None);
    }

    #[test]
    fn key_value_tags_override_the_code() {
        let line = "%[Sở GD Hà Nội 2024]%[2D1Y1-1]%[level=hieu; id=HN-07]";
        let groups = brackets(line);
        assert_eq!(groups.len(), 3);
        let (tags, problems) = read(&groups);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(tags.level, Some(Level::Hieu));
        assert_eq!(tags.topic.as_deref(), Some("12.1.1"));
        assert_eq!(tags.id.as_deref(), Some("HN-07"));
        let (_, problems) = read(&["level=kho, mau=do"]);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}

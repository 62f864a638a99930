//! A school test on paper, scored in the bank (issue 22 §3): the sheets' answers — the reader's,
//! with a person's decisions in place of the flagged marks — numbered against the frozen form's
//! versions, scored by the THPT rules of `khaothi_package::score` (the same functions the
//! delivery server scores with), and written as the parts of a result file: `results.csv`,
//! `calibration.csv` and `raw.csv` with the delivery server's columns (docs/formats.md), so the
//! bank's calibration, comparisons and integrity screen take a paper sitting like a site's file.
//!
//! Pure: no I/O. The routes (routes/paper*.rs) load and store.

use std::collections::BTreeMap;

use khaothi_domain::form::{Form, Version, VersionKey};
use khaothi_domain::{Choice, ItemKind};
use khaothi_package::{format_score10, score_item, section_label, to_ten, validate_answer};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The printed question a key names: `I.3` is the version's third single-choice item in its
/// delivery order, `II.1` its first true/false group, `III.2` its second short answer — the
/// numbering `khaothi omr sheet` prints (Câu 1, 2, … per part).
pub fn numbering(version: &Version) -> BTreeMap<String, String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for id in &version.items {
        let Some(part) = version.keys.get(id).map(|k| part_of(k.kind())) else { continue };
        let n = counts.entry(part).or_default();
        *n += 1;
        out.insert(format!("{part}.{n}"), id.clone());
    }
    out
}

fn part_of(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::SingleChoice => "I",
        ItemKind::TrueFalseGroup => "II",
        _ => "III",
    }
}

/// Whether a key is a question (`I.1`) rather than a field of the sheet (`candidate`, `qr`).
pub fn is_question(key: &str) -> bool {
    key.contains('.')
}

/// A person's answer for a flagged question checked as the websocket checks answers: `null`
/// (nothing marked), or a value of the question's kind. A true/false group's statements may be
/// fewer than four on the sheet; they are padded with `null`.
pub fn checked_answer(version: &Version, key: &str, value: &Value) -> Result<Value, String> {
    let Some(item) = numbering(version).get(key).cloned() else {
        return Err(format!("{key} is not a question of version {}", version.code));
    };
    let kind = version.keys[&item].kind();
    let mut value = value.clone();
    if let (ItemKind::TrueFalseGroup, Some(a)) = (kind, value.as_array_mut())
        && a.len() < 4
    {
        a.resize(4, Value::Null);
    }
    validate_answer(kind, &value).map_err(|m| format!("{key}: {m}"))?;
    Ok(value)
}

/// One candidate's sheet, ready to score: the number and version (read, or decided by a person),
/// the answers by printed key, and where they came from.
#[derive(Debug, Clone)]
pub struct PaperSheet {
    pub number: String,
    pub version: String,
    pub answers: BTreeMap<String, Value>,
    /// The QR code's sheet id, else the stored sheet's id.
    pub sheet: String,
    pub image_sha256: String,
    /// RFC 3339: when the scan was read in.
    pub read_at: String,
}

/// One item of a scored sheet.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredItem {
    pub key: String,
    pub item: String,
    pub kind: ItemKind,
    pub section: u32,
    /// The answer as shown on the version (the sheet's marks), if any.
    pub answer: Option<Value>,
    pub right: u8,
    pub points: u32,
    pub max: u32,
}

/// A candidate's score under the THPT rules, in hundredths of a point.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub number: String,
    pub version: String,
    pub sheet: String,
    pub image_sha256: String,
    pub read_at: String,
    pub items: Vec<ScoredItem>,
    pub sections: BTreeMap<u32, u32>,
    pub total: u32,
    pub max: u32,
    /// Hundredths on the 10-point scale.
    pub score10: Option<u32>,
}

impl Scored {
    pub fn answered(&self) -> usize {
        self.items.iter().filter(|i| i.answer.as_ref().is_some_and(khaothi_package::is_answered)).count()
    }
}

/// Scores one sheet on its version, item by item in delivery order (an item left blank scores 0).
pub fn score(subject: &str, form: &Form, version: &Version, sheet: &PaperSheet) -> Result<Scored, String> {
    let sections: BTreeMap<&str, u32> = form.items.iter().map(|i| (i.item_id.as_str(), i.section)).collect();
    let by_item: BTreeMap<String, String> = numbering(version).into_iter().map(|(k, id)| (id, k)).collect();
    let mut items = Vec::with_capacity(version.items.len());
    for id in &version.items {
        let key =
            version.keys.get(id).ok_or_else(|| format!("version {} has no key for {id}", version.code))?;
        let printed = by_item.get(id).cloned().unwrap_or_default();
        let answer = sheet.answers.get(&printed).filter(|v| !v.is_null()).cloned();
        let (right, points, max) = score_item(subject, key, answer.as_ref());
        items.push(ScoredItem {
            key: printed,
            item: id.clone(),
            kind: key.kind(),
            section: sections.get(id.as_str()).copied().unwrap_or(0),
            answer,
            right,
            points,
            max,
        });
    }
    let mut by_section = BTreeMap::new();
    for i in &items {
        *by_section.entry(i.section).or_insert(0) += i.points;
    }
    let total = items.iter().map(|i| i.points).sum();
    let max = items.iter().map(|i| i.max).sum();
    Ok(Scored {
        number: sheet.number.clone(),
        version: sheet.version.clone(),
        sheet: sheet.sheet.clone(),
        image_sha256: sheet.image_sha256.clone(),
        read_at: sheet.read_at.clone(),
        items,
        sections: by_section,
        total,
        max,
        score10: to_ten(total, max),
    })
}

fn csv_text(rows: Vec<Vec<String>>) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(&r).map_err(|e| e.to_string())?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The form's sections, in order.
fn sections(form: &Form) -> Vec<u32> {
    let mut s: Vec<u32> = form.items.iter().map(|i| i.section).collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// `results.csv` with the delivery server's columns (docs/formats.md "Results CSV"); a paper
/// sitting has no names, rooms or seats, and no ability estimate; `sheet` and `image_sha256`
/// are appended (the provenance of each row).
pub fn results_csv(form: &Form, scored: &[Scored]) -> Result<String, String> {
    let sections = sections(form);
    let mut header: Vec<String> =
        ["number", "full_name", "date_of_birth", "room", "seat", "version", "status", "submit_reason"]
            .map(String::from)
            .to_vec();
    header.extend(sections.iter().map(|&n| format!("section_{}", section_label(n))));
    header.extend(
        ["total", "max", "score10", "score10_text", "theta_eap", "se", "answered", "sheet", "image_sha256"]
            .map(String::from),
    );
    let mut out = vec![header];
    for s in scored {
        let mut row = vec![s.number.clone(), String::new(), String::new(), String::new(), String::new()];
        row.extend([s.version.clone(), "submitted".into(), "paper".into()]);
        row.extend(sections.iter().map(|n| s.sections.get(n).copied().unwrap_or(0).to_string()));
        row.extend([
            s.total.to_string(),
            s.max.to_string(),
            opt(s.score10.map(|h| format!("{}.{:02}", h / 100, h % 100))),
            opt(s.score10.map(format_score10)),
            String::new(),
            String::new(),
            s.answered().to_string(),
            s.sheet.clone(),
            s.image_sha256.clone(),
        ]);
        out.push(row);
    }
    csv_text(out)
}

/// An item's column in the bank's terms: `id@version` when the form pinned one.
fn column(form: &Form, id: &str) -> String {
    match form.items.iter().find(|i| i.item_id == id).and_then(|i| i.version) {
        Some(v) => format!("{id}@{v}"),
        None => id.to_string(),
    }
}

/// `calibration.csv` (DESIGN §4): `person,<id@version>…` in the form's item order, a row per
/// sheet, cells the scored responses (0/1, or 0–4 statements right; blank = 0).
pub fn calibration_csv(form: &Form, scored: &[Scored]) -> Result<String, String> {
    let ids: Vec<&str> = form.item_ids().collect();
    let mut out =
        vec![std::iter::once("person".to_string()).chain(ids.iter().map(|id| column(form, id))).collect()];
    for s in scored {
        let right: BTreeMap<&str, u8> = s.items.iter().map(|i| (i.item.as_str(), i.right)).collect();
        let mut row = vec![s.number.clone()];
        row.extend(ids.iter().map(|id| opt(right.get(id))));
        out.push(row);
    }
    csv_text(out)
}

/// A shown answer in the bank's order: the letter through the version's option order, the
/// statements as `T`/`F`/`-`, a short answer as written (the delivery's raw export's rule).
fn bank_value(kind: ItemKind, value: &Value, order: Option<&[u8]>) -> String {
    match kind {
        ItemKind::SingleChoice => value
            .as_str()
            .and_then(Choice::parse)
            .and_then(|shown| order.map_or(Some(shown.index()), |o| o.get(shown.index()).map(|&b| b.into())))
            .and_then(Choice::from_index)
            .map(|c| c.letter().to_string())
            .unwrap_or_default(),
        ItemKind::TrueFalseGroup => value
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| match v.as_bool() {
                        Some(true) => 'T',
                        Some(false) => 'F',
                        None => '-',
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => value.as_str().unwrap_or_default().to_string(),
    }
}

/// `raw.csv` with the delivery server's columns (docs/formats.md "Raw responses CSV"): a row per
/// sheet × item of its version, answers in the bank's order, `source` = `paper`, `sheet` the QR's
/// sheet id; `image_sha256` appended. No epoch or sequence: paper has no session.
pub fn raw_csv(versions: &[Version], form: &Form, scored: &[Scored]) -> Result<String, String> {
    let header = khaothi_package::RAW_CSV_COLUMNS.iter().chain(&["image_sha256"]);
    let mut out = vec![header.map(|c| c.to_string()).collect::<Vec<_>>()];
    for s in scored {
        let version = versions.iter().find(|v| v.code == s.version).ok_or("a version is missing")?;
        for (position, i) in s.items.iter().enumerate() {
            let order = version.options.get(&i.item).map(Vec::as_slice);
            let given = i.answer.as_ref();
            out.push(vec![
                s.number.clone(),
                column(form, &i.item),
                i.kind.as_str().to_string(),
                s.version.clone(),
                (position + 1).to_string(),
                given.map(|v| bank_value(i.kind, v, order)).unwrap_or_default(),
                i.right.to_string(),
                String::new(),
                String::new(),
                opt(given.map(|_| s.read_at.clone())),
                opt(given.map(|_| "paper")),
                opt(given.map(|_| s.sheet.clone())),
                given.map(|v| bank_value(i.kind, v, None)).unwrap_or_default(),
                s.image_sha256.clone(),
            ]);
        }
    }
    csv_text(out)
}

/// The head of a hash chain over the raw rows (SHA-256 of the previous head and the row's CSV
/// line), and its length: what the result file signs in place of a site's response chain.
pub fn chain_of(raw_csv: &str) -> (u64, String) {
    let mut head = [0u8; 32];
    let mut length = 0;
    for line in raw_csv.lines().skip(1) {
        let mut h = Sha256::new();
        h.update(head);
        h.update(line.as_bytes());
        head = h.finalize().into();
        length += 1;
    }
    (length, hex::encode(head))
}

/// The key a version shows for a printed question (for tests and the page's labels).
pub fn key_of<'a>(version: &'a Version, key: &str) -> Option<&'a VersionKey> {
    numbering(version).get(key).and_then(|id| version.keys.get(id))
}

#[cfg(test)]
mod tests {
    use khaothi_domain::ShortAnswerKey;
    use khaothi_domain::form::FormItem;
    use serde_json::json;

    use super::*;

    fn form_and_version() -> (Form, Version) {
        let item = |id: &str, section| FormItem { item_id: id.into(), version: Some(2), section };
        let form = Form {
            id: "F1".into(),
            number: 1,
            items: vec![item("A1", 0), item("A2", 0), item("B1", 1), item("C1", 2)],
        };
        let short: ShortAnswerKey =
            serde_json::from_value(json!({"accepted": ["1,5"]})).expect("a short key");
        let version = Version {
            code: "0101".into(),
            form_id: "F1".into(),
            items: vec!["A2".into(), "A1".into(), "B1".into(), "C1".into()],
            options: BTreeMap::from([("A2".into(), vec![2, 3, 0, 1]), ("A1".into(), vec![0, 1, 2, 3])]),
            keys: BTreeMap::from([
                ("A2".into(), VersionKey::SingleChoice(Choice::parse("A").unwrap())),
                ("A1".into(), VersionKey::SingleChoice(Choice::parse("C").unwrap())),
                ("B1".into(), VersionKey::TrueFalseGroup(vec![true, false, true, true])),
                ("C1".into(), VersionKey::ShortAnswer(short)),
            ]),
        };
        (form, version)
    }

    #[test]
    fn questions_are_numbered_per_part_in_the_versions_order() {
        let (_, v) = form_and_version();
        let n = numbering(&v);
        assert_eq!(n["I.1"], "A2");
        assert_eq!(n["I.2"], "A1");
        assert_eq!(n["II.1"], "B1");
        assert_eq!(n["III.1"], "C1");
        assert!(checked_answer(&v, "I.3", &json!("A")).unwrap_err().contains("not a question"));
        assert!(checked_answer(&v, "I.1", &json!("E")).is_err());
        assert_eq!(
            checked_answer(&v, "II.1", &json!([true, false])).unwrap(),
            json!([true, false, null, null])
        );
        assert_eq!(checked_answer(&v, "I.1", &Value::Null).unwrap(), Value::Null);
    }

    #[test]
    fn sheets_are_scored_by_the_thpt_rules_and_exported_like_a_sites() {
        let (form, v) = form_and_version();
        let sheet = PaperSheet {
            number: "120001".into(),
            version: "0101".into(),
            answers: BTreeMap::from([
                ("I.1".into(), json!("A")),
                ("I.2".into(), json!("B")),
                ("II.1".into(), json!([true, false, true, false])),
                ("III.1".into(), json!("1,5")),
            ]),
            sheet: "abc".into(),
            image_sha256: "00".repeat(32),
            read_at: "2026-12-05T10:00:00Z".into(),
        };
        let s = score("toan", &form, &v, &sheet).unwrap();
        // 0.25 (I.1) + 0 (I.2) + 0.50 (3 statements right) + 0.50 (mathematics' short answer).
        assert_eq!((s.total, s.max), (125, 200));
        assert_eq!(s.score10, to_ten(125, 200));
        assert_eq!(s.sections[&1], 50);
        let results = results_csv(&form, std::slice::from_ref(&s)).unwrap();
        assert!(results.starts_with("number,full_name,"), "{results}");
        assert!(results.contains("120001,,,,,0101,submitted,paper,25,50,50,125,200,6.25,\"6,25\",,,4,abc,"));
        let cal = calibration_csv(&form, std::slice::from_ref(&s)).unwrap();
        assert_eq!(cal, "person,A1@2,A2@2,B1@2,C1@2\n120001,0,1,3,1\n");
        let raw = raw_csv(std::slice::from_ref(&v), &form, std::slice::from_ref(&s)).unwrap();
        // Shown A of A2 is the bank's option 2 (C).
        assert!(raw.lines().nth(1).unwrap().starts_with("120001,A2@2,single_choice,0101,1,C,1,,,"), "{raw}");
        assert!(raw.contains(",paper,abc,A,"));
        let (length, head) = chain_of(&raw);
        assert_eq!((length, head.len()), (4, 64));
        assert_ne!(chain_of(&raw.replace(",C,1,", ",D,1,")).1, head);
    }
}

//! The paper fallback: one version of a form as a printable HTML page (A4, print CSS), laid out
//! like a THPT paper, with the answer sheet (đáp án) on its own page.

use std::collections::HashMap;
use std::fmt::Write;

use khaothi_assembly::Blueprint;
use khaothi_domain::form::{Form, Version, VersionKey};
use khaothi_domain::{Item, ItemKind};
use khaothi_render::RenderError;

const CSS: &str = r#"
@page { size: A4; margin: 18mm 16mm; }
.stimulus { border: 1px solid #000; padding: 0.4em 0.8em; margin: 0.8em 0; break-inside: avoid; }
.stimulus .lead { font-style: italic; margin-top: 0; }
body { font-family: "Times New Roman", "Noto Serif", serif; font-size: 12.5pt; line-height: 1.45; color: #000; max-width: 190mm; margin: auto; }
header { text-align: center; border-bottom: 1px solid #000; margin-bottom: 1em; }
header h1 { font-size: 14pt; margin: .2em 0; text-transform: uppercase; }
.meta { display: flex; justify-content: space-between; font-weight: bold; }
.candidate { margin: .6em 0 1em; }
h2 { font-size: 12.5pt; margin: 1.2em 0 .4em; }
.question { break-inside: avoid; margin: .5em 0; }
.question .no { font-weight: bold; }
ol.options { list-style: none; padding-left: 1.5em; display: grid; grid-template-columns: 1fr 1fr; gap: .1em 1em; margin: .2em 0; }
ol.statements { list-style: none; padding-left: 1.5em; margin: .2em 0; }
.answers { break-before: page; }
table { border-collapse: collapse; }
td, th { border: 1px solid #000; padding: .15em .6em; text-align: center; }
footer { text-align: center; margin-top: 2em; font-style: italic; }
@media screen { body { padding: 1em; } }
"#;

fn section_title(kind: ItemKind, n: usize) -> String {
    let roman = ["I", "II", "III", "IV", "V"].get(n).copied().unwrap_or("…");
    let what = match kind {
        ItemKind::SingleChoice => "Câu trắc nghiệm nhiều phương án lựa chọn. Thí sinh chọn một phương án.",
        ItemKind::TrueFalseGroup => {
            "Câu trắc nghiệm đúng sai. Ở mỗi ý a), b), c), d), thí sinh chọn đúng hoặc sai."
        }
        ItemKind::ShortAnswer => "Câu trắc nghiệm trả lời ngắn.",
    };
    format!("PHẦN {roman}. {what}")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Renders version `version` of `form`; `items` holds the pinned version of every item and
/// `stimuli` the Markdown of the passages they share (printed once, above their group).
pub fn print_form(
    bp: &Blueprint,
    form: &Form,
    version: &Version,
    items: &HashMap<String, Item>,
    stimuli: &HashMap<String, String>,
    with_answers: bool,
) -> Result<String, RenderError> {
    let section_of: HashMap<&str, u32> = form.items.iter().map(|i| (i.item_id.as_str(), i.section)).collect();
    let mut sections: Vec<(u32, Vec<&str>)> = Vec::new();
    for id in &version.items {
        let s = section_of.get(id.as_str()).copied().unwrap_or(0);
        match sections.last_mut() {
            Some((cur, ids)) if *cur == s => ids.push(id),
            _ => sections.push((s, vec![id])),
        }
    }
    let media = |name: &str| Some(format!("/api/v1/media/{name}"));
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{} – mã đề {}</title><style>{CSS}</style></head><body>",
        esc(&bp.name),
        esc(&version.code)
    );
    let _ = write!(
        out,
        "<header><h1>{}</h1><div class=\"meta\"><span>Môn: {}</span><span>Thời gian làm bài: {} phút</span><span>Mã đề {}</span></div></header>\
         <div class=\"candidate\">Họ và tên thí sinh: ........................................ Số báo danh: ....................</div>",
        esc(&bp.name),
        esc(&bp.subject),
        bp.duration_minutes.map(|m| m.to_string()).unwrap_or_else(|| "…".into()),
        esc(&version.code)
    );
    let mut answer_rows: Vec<(String, Vec<(usize, String)>)> = Vec::new();
    for (n, (_, ids)) in sections.iter().enumerate() {
        let kind = items.get(ids[0]).map(Item::kind).unwrap_or(ItemKind::SingleChoice);
        let _ = write!(out, "<h2>{}</h2>", esc(&section_title(kind, n)));
        let mut keys = Vec::new();
        for (q, id) in ids.iter().enumerate() {
            let Some(item) = items.get(*id) else { continue };
            let stimulus_of =
                |i: usize| ids.get(i).and_then(|x| items.get(*x)).and_then(|it| it.stimulus.as_ref());
            if let Some(sid) = &item.stimulus
                && (q == 0 || stimulus_of(q - 1) != Some(sid))
            {
                let last = (q..ids.len()).take_while(|&i| stimulus_of(i) == Some(sid)).last().unwrap_or(q);
                let opts = khaothi_render::RenderOptions { media: Some(&media), annotate: false };
                let passage = match stimuli.get(sid) {
                    Some(text) => khaothi_render::render_markdown(text, &opts)?,
                    None => format!("<p><i>(thiếu đoạn dữ liệu {})</i></p>", esc(sid)),
                };
                let _ = write!(
                    out,
                    "<div class=\"stimulus\"><p class=\"lead\">Sử dụng các thông tin sau để trả lời các câu từ {} đến {}.</p>{passage}</div>",
                    q + 1,
                    last + 1
                );
            }
            let perm: Option<Vec<usize>> =
                version.options.get(*id).map(|p| p.iter().map(|&x| x as usize).collect());
            let r = khaothi_render::render_item(item, perm.as_deref(), &media)?;
            let _ = write!(
                out,
                "<div class=\"question\"><span class=\"no\">Câu {}.</span> {}",
                q + 1,
                r.stem_html
            );
            if !r.options_html.is_empty() {
                out.push_str("<ol class=\"options\">");
                for (i, o) in r.options_html.iter().enumerate() {
                    let _ = write!(out, "<li><b>{}.</b> {o}</li>", (b'A' + i as u8) as char);
                }
                out.push_str("</ol>");
            }
            if !r.statements_html.is_empty() {
                out.push_str("<ol class=\"statements\">");
                for (i, s) in r.statements_html.iter().enumerate() {
                    let _ = write!(out, "<li><b>{})</b> {s}</li>", (b'a' + i as u8) as char);
                }
                out.push_str("</ol>");
            }
            out.push_str("</div>");
            let key = match version.keys.get(*id) {
                Some(VersionKey::SingleChoice(c)) => c.letter().to_string(),
                Some(VersionKey::TrueFalseGroup(k)) => k
                    .iter()
                    .enumerate()
                    .map(|(i, t)| format!("{}) {}", (b'a' + i as u8) as char, if *t { "Đ" } else { "S" }))
                    .collect::<Vec<_>>()
                    .join(" "),
                Some(VersionKey::ShortAnswer(a)) => a.accepted.join(" / "),
                None => "?".into(),
            };
            keys.push((q + 1, key));
        }
        answer_rows.push((section_title(kind, n), keys));
    }
    out.push_str("<footer>— HẾT —</footer>");
    if with_answers {
        let _ = write!(out, "<section class=\"answers\"><h1>ĐÁP ÁN – mã đề {}</h1>", esc(&version.code));
        for (title, keys) in answer_rows {
            let _ = write!(out, "<h2>{}</h2><table><tr><th>Câu</th><th>Đáp án</th></tr>", esc(&title));
            for (q, k) in keys {
                let _ = write!(out, "<tr><td>{q}</td><td>{}</td></tr>", esc(&k));
            }
            out.push_str("</table>");
        }
        out.push_str("</section>");
    }
    out.push_str("</body></html>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use khaothi_domain::form::FormItem;
    use khaothi_domain::{ItemRecord, form::VersionKey};

    use super::*;

    fn item(id: &str, stimulus: Option<&str>) -> Item {
        let mut rec = serde_json::json!({"id": id, "subject": "van", "grade": 12, "topic": "12.1", "level": "hieu",
            "kind": "single_choice", "stem": format!("Câu hỏi {id}"), "options": ["a", "b", "c", "d"], "key": "A"});
        if let Some(s) = stimulus {
            rec["stimulus"] = serde_json::json!(s);
        }
        ItemRecord::from_json_line(&rec.to_string()).unwrap().into_item().unwrap().0
    }

    #[test]
    fn a_shared_passage_is_printed_once_above_its_group() {
        let bp = Blueprint::from_yaml(
            "name: Đọc hiểu\nsubject: van\nforms: 1\nversions: 1\nmax_overlap: 0\nsections:\n  - { kind: single_choice, count: 3, points: 0.25 }\n",
        )
        .unwrap();
        let ids = ["Q1", "Q2", "Q3"];
        let items: HashMap<String, Item> = [item("Q1", None), item("Q2", Some("S1")), item("Q3", Some("S1"))]
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        let form = Form {
            id: "F".into(),
            number: 1,
            items: ids
                .iter()
                .map(|i| FormItem { item_id: (*i).into(), version: Some(1), section: 0 })
                .collect(),
        };
        let keys: BTreeMap<String, VersionKey> = ids
            .iter()
            .map(|i| ((*i).to_string(), VersionKey::SingleChoice(khaothi_domain::Choice::A)))
            .collect();
        let version = Version {
            code: "0101".into(),
            form_id: "F".into(),
            items: ids.iter().map(|i| (*i).to_string()).collect(),
            options: BTreeMap::new(),
            keys,
        };
        let passages = HashMap::from([("S1".to_string(), "Đoạn trích *Vợ nhặt* của Kim Lân.".to_string())]);
        let html = print_form(&bp, &form, &version, &items, &passages, false).unwrap();
        assert_eq!(html.matches("class=\"stimulus\"").count(), 1, "{html}");
        assert!(html.contains("từ 2 đến 3"), "{html}");
        assert!(html.contains("<em>Vợ nhặt</em>"), "{html}");
        let passage_at = html.find("class=\"stimulus\"").unwrap();
        assert!(
            html.find("Câu hỏi Q1").unwrap() < passage_at && passage_at < html.find("Câu hỏi Q2").unwrap()
        );
    }
}

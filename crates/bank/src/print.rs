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

/// Renders version `version` of `form`; `items` holds the pinned version of every item.
pub fn print_form(
    bp: &Blueprint,
    form: &Form,
    version: &Version,
    items: &HashMap<String, Item>,
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

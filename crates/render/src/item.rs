//! Items: checking every text field, and rendering what a candidate sees (never the key).

use khaothi_domain::{FieldError, Item, ItemBody, ItemKind};
use serde::{Deserialize, Serialize};

use crate::markdown::{MEDIA_PREFIX, escape, render_inline, render_markdown};
use crate::{RenderError, RenderOptions};

/// An item as presented: HTML for each text, options in presented order. There is deliberately no
/// key, accepted answer, level or IRT parameter here, so a `RenderedItem` can go to a browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderedItem {
    pub id: String,
    pub kind: ItemKind,
    pub stem_html: String,
    /// `single_choice`: presented position `i` is labelled `A + i`, after any permutation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options_html: Vec<String>,
    /// `true_false_group`: statements `a`–`d`, in the item's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements_html: Vec<String>,
    /// The shared passage's id: items with one stimulus are shown together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stimulus: Option<String>,
}

/// Every text field of the item, by the JSON path authors see in the interchange format.
fn text_fields(item: &Item) -> Vec<(String, &str)> {
    let mut fields = vec![("stem".to_string(), item.stem.as_str())];
    match &item.body {
        ItemBody::SingleChoice { options, .. } | ItemBody::MultipleResponse { options, .. } => {
            fields.extend(options.iter().enumerate().map(|(i, o)| (format!("options[{i}]"), o.as_str())));
        }
        ItemBody::TrueFalseGroup { statements, .. } => fields.extend(
            statements.iter().enumerate().map(|(i, s)| (format!("statements[{i}]"), s.text.as_str())),
        ),
        ItemBody::ShortAnswer { .. } => {}
    }
    fields
}

/// Renders every text field and reports each failure against its field, e.g.
/// `options[2]: invalid LaTeX at character 14: …`. Images may name bank media or a file listed in
/// the item's `media`.
pub fn check_item(item: &Item) -> Vec<FieldError> {
    let listed = |name: &str| item.media.iter().any(|m| m == name).then(|| format!("{MEDIA_PREFIX}{name}"));
    let opts = RenderOptions { media: Some(&listed), annotate: false };
    let solution = item.solution.as_deref().map(|s| ("solution".to_string(), s));
    text_fields(item)
        .into_iter()
        .chain(solution)
        .filter_map(|(field, text)| {
            render_markdown(text, &opts).err().map(|e| FieldError::new(field, e.to_string()))
        })
        .collect()
}

/// Renders the item as a candidate sees it. `option_order[i]` is the original index of the option
/// shown at position `i` (a version's shuffle); it applies to `single_choice` only and is ignored
/// for other kinds. `media` maps names listed in the item's media to URLs.
pub fn render_item(
    item: &Item,
    option_order: Option<&[usize]>,
    media: &dyn Fn(&str) -> Option<String>,
) -> Result<RenderedItem, RenderError> {
    let opts = RenderOptions { media: Some(media), annotate: true };
    let in_field = |field: String| {
        let id = item.id.clone();
        move |error| RenderError::InItem { item: id, field, error: Box::new(error) }
    };
    let stem_html = render_markdown(&item.stem, &opts).map_err(in_field("stem".into()))?;
    let mut rendered = RenderedItem {
        id: item.id.clone(),
        kind: item.kind(),
        stem_html,
        options_html: Vec::new(),
        statements_html: Vec::new(),
        stimulus: item.stimulus.clone(),
    };
    match &item.body {
        ItemBody::SingleChoice { options, .. } | ItemBody::MultipleResponse { options, .. } => {
            let identity: Vec<usize> = (0..options.len()).collect();
            let order = option_order.unwrap_or(&identity);
            if !is_permutation(order, options.len()) {
                return Err(RenderError::OptionOrder { order: order.to_vec(), count: options.len() });
            }
            for &i in order {
                let html = render_inline(&options[i], &opts).map_err(in_field(format!("options[{i}]")))?;
                rendered.options_html.push(html);
            }
        }
        ItemBody::TrueFalseGroup { statements, .. } => {
            for (i, s) in statements.iter().enumerate() {
                let html = render_inline(&s.text, &opts).map_err(in_field(format!("statements[{i}]")))?;
                rendered.statements_html.push(html);
            }
        }
        ItemBody::ShortAnswer { .. } => {}
    }
    Ok(rendered)
}

fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut seen = vec![false; n];
    order.len() == n && order.iter().all(|&i| i < n && !std::mem::replace(&mut seen[i], true))
}

/// A standalone HTML fragment of the rendered item for the bank's preview (and a plain fallback
/// view): stem, labelled options, a true/false table, or the 4-character answer box. Class names
/// are stable so a page can style them.
pub fn preview_html(item: &RenderedItem) -> String {
    let mut out = format!(
        "<article class=\"khaothi-item\" data-item-id=\"{}\" data-kind=\"{}\"",
        escape(&item.id),
        item.kind
    );
    if let Some(s) = &item.stimulus {
        out.push_str(&format!(" data-stimulus=\"{}\"", escape(s)));
    }
    out.push_str(">\n<div class=\"stem\">");
    out.push_str(&item.stem_html);
    out.push_str("</div>\n");
    match item.kind {
        ItemKind::SingleChoice => {
            out.push_str("<ol class=\"options\">\n");
            for (i, html) in item.options_html.iter().enumerate() {
                let label = char::from(b'A' + (i % 26) as u8);
                out.push_str(&format!(
                    "<li data-option=\"{label}\"><span class=\"label\">{label}.</span> {html}</li>\n"
                ));
            }
            out.push_str("</ol>\n");
        }
        ItemKind::MultipleResponse => {
            out.push_str("<ol class=\"options multiple\">\n");
            for (i, html) in item.options_html.iter().enumerate() {
                let label = char::from(b'A' + (i % 26) as u8);
                out.push_str(&format!(
                    "<li data-option=\"{label}\"><span class=\"box\">☐</span> <span class=\"label\">{label}.</span> {html}</li>\n"
                ));
            }
            out.push_str("</ol>\n");
        }
        ItemKind::TrueFalseGroup => {
            out.push_str(
                "<table class=\"statements\">\n<thead><tr><th></th><th>Mệnh đề</th><th>Đúng</th>\
                 <th>Sai</th></tr></thead>\n<tbody>\n",
            );
            for (i, html) in item.statements_html.iter().enumerate() {
                let label = char::from(b'a' + (i % 26) as u8);
                out.push_str(&format!(
                    "<tr data-statement=\"{label}\"><td class=\"label\">{label})</td><td>{html}</td>\
                     <td class=\"true\">☐</td><td class=\"false\">☐</td></tr>\n"
                ));
            }
            out.push_str("</tbody>\n</table>\n");
        }
        ItemKind::ShortAnswer => {
            out.push_str(
                "<div class=\"answer-box\" aria-label=\"Ô trả lời: tối đa 4 ký tự (chữ số, dấu -, dấu ,)\">\
                 <span></span><span></span><span></span><span></span></div>\n",
            );
        }
    }
    out.push_str("</article>\n");
    out
}

#[cfg(test)]
mod tests {
    use khaothi_domain::ItemRecord;

    use super::*;

    fn item(line: &str) -> Item {
        ItemRecord::from_json_line(line).unwrap().into_item().unwrap().0
    }

    const SC: &str = r#"{"id":"TOAN12-0001","subject":"toan","grade":12,"topic":"12.1.2","level":"hieu","kind":"single_choice","stem":"Hàm số $y=x^3-3x$ đồng biến trên khoảng nào?","options":["$(-1;1)$","$(1;+\\infty)$","$(-\\infty;1)$","$(-2;2)$"],"key":"B"}"#;
    const TF: &str = r#"{"id":"LY-1","subject":"vat_ly","grade":12,"topic":"12.2","level":"hieu","kind":"true_false_group","stem":"Xét khí lý tưởng.","statements":["$pV = nRT$","b","$\\frac{1}{2$","d"],"keys":[true,false,true,false]}"#;
    const SA: &str = r#"{"id":"HOA-1","subject":"hoa_hoc","grade":12,"topic":"12.3","level":"van_dung","kind":"short_answer","stem":"Tính pH của dung dịch $\\ce{HCl}$ 0,01 M.","answer":"2"}"#;

    #[test]
    fn check_names_the_field_and_character() {
        assert!(check_item(&item(SC)).is_empty());
        let bad = SC.replace(r"$(-\\infty;1)$", r"$(-\\infty;1) \\bad$");
        let errors = check_item(&item(&bad));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "options[2]");
        assert!(errors[0].message.starts_with("invalid LaTeX at character 1"), "{}", errors[0].message);
        let errors = check_item(&item(TF));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "statements[2]");
        assert!(errors[0].message.contains("unmatched `$`"), "{}", errors[0].message);
        let errors = check_item(&item(SA));
        assert_eq!(errors[0].field, "stem");
        assert!(errors[0].message.contains("unknown"), "{}", errors[0].message);
    }

    #[test]
    fn check_accepts_images_listed_in_media() {
        let with_image = SC.replace("nào?", "nào? ![đồ thị](dothi.png)");
        assert_eq!(check_item(&item(&with_image)).len(), 1);
        let listed = with_image.replace("\"key\":\"B\"", "\"key\":\"B\",\"media\":[\"dothi.png\"]");
        assert!(check_item(&item(&listed)).is_empty());
    }

    #[test]
    fn rendering_permutes_options_and_hides_the_key() {
        let it = item(SC);
        let r = render_item(&it, Some(&[3, 1, 0, 2]), &|_| None).unwrap();
        assert_eq!(r.options_html.len(), 4);
        assert!(r.options_html[0].contains("<mn>2</mn>"), "{}", r.options_html[0]);
        assert!(r.options_html[1].contains("∞"), "{}", r.options_html[1]);
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("\"key\"") && !json.contains("hieu"), "{json}");
        assert!(matches!(
            render_item(&it, Some(&[0, 0, 1, 2]), &|_| None),
            Err(RenderError::OptionOrder { .. })
        ));
        let html = preview_html(&r);
        assert!(html.contains("<li data-option=\"A\"><span class=\"label\">A.</span> <math"), "{html}");
    }

    #[test]
    fn render_errors_name_item_and_field() {
        let err = render_item(&item(TF), None, &|_| None).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("item LY-1, statements[2]: unmatched"), "{msg}");
        assert_eq!(err.position().map(|p| p.character), Some(1));
    }

    #[test]
    fn preview_of_each_kind() {
        let tf = TF.replace(r"$\\frac{1}{2$", "c");
        let r = render_item(&item(&tf), None, &|_| None).unwrap();
        let html = preview_html(&r);
        assert_eq!(html.matches("<tr data-statement").count(), 4, "{html}");
        assert!(!html.contains("true,") && !html.contains("keys"), "{html}");
        let sa = SA.replace(r"$\\ce{HCl}$", r"$\\mathrm{HCl}$");
        let r = render_item(&item(&sa), None, &|_| None).unwrap();
        assert!(preview_html(&r).contains("answer-box"));
        assert!(!serde_json::to_string(&r).unwrap().contains("\"2\""));
    }
}

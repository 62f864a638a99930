//! Reading the text of a half-written item straight from its JSON, so the editor's preview shows
//! what can be shown whatever else is wrong (a missing key, a grade out of range, a field of the
//! wrong type elsewhere).

use khaothi_domain::{FieldError, Item, ItemBody, ItemKind};
use khaothi_render::{RenderError, RenderOptions, RenderedItem, render_inline, render_markdown};
use serde_json::Value;

/// The candidate's view of whatever text the body holds; a field that does not render shows its
/// source, escaped, in a `render-error` span (its problem is among the preview's errors).
pub fn render(body: &Value, media: &dyn Fn(&str) -> Option<String>) -> RenderedItem {
    let opts = RenderOptions { media: Some(media), annotate: true };
    let kind = kind_of(body);
    let stem = str_at(body, "stem");
    let shown = |text: &str, inline: bool| {
        let rendered = if inline { render_inline(text, &opts) } else { render_markdown(text, &opts) };
        rendered.unwrap_or_else(|_| format!("<span class=\"render-error\">{}</span>", escape(text)))
    };
    let (options_html, statements_html) = match kind {
        ItemKind::SingleChoice | ItemKind::MultipleResponse => {
            (options(body).iter().map(|o| shown(o, true)).collect(), Vec::new())
        }
        ItemKind::TrueFalseGroup => (Vec::new(), statements(body).iter().map(|s| shown(s, true)).collect()),
        ItemKind::ShortAnswer => (Vec::new(), Vec::new()),
    };
    RenderedItem {
        id: str_at(body, "id"),
        kind,
        stem_html: shown(&stem, false),
        options_html,
        statements_html,
        stimulus: body.get("stimulus").and_then(Value::as_str).map(str::to_string),
    }
}

/// Each text field's rendering problem, as `check_item` reports it, for a body that is not a
/// valid item (so `check_item` cannot run): images must be bank media or listed in `media`.
pub fn check_text(body: &Value) -> Vec<FieldError> {
    let listed: Vec<String> = body
        .get("media")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let resolve = |name: &str| {
        listed.iter().any(|m| m == name).then(|| format!("{}{name}", khaothi_render::MEDIA_PREFIX))
    };
    let opts = RenderOptions { media: Some(&resolve), annotate: false };
    let mut fields = vec![("stem".to_string(), str_at(body, "stem"))];
    fields.extend(options(body).into_iter().enumerate().map(|(i, o)| (format!("options[{i}]"), o)));
    fields.extend(statements(body).into_iter().enumerate().map(|(i, s)| (format!("statements[{i}]"), s)));
    fields
        .into_iter()
        .filter_map(|(field, text)| {
            render_markdown(&text, &opts).err().map(|e: RenderError| FieldError::new(field, e.to_string()))
        })
        .collect()
}

/// Every text of a valid item (stem, options, statements), for "is this media used" checks.
pub fn texts_of(item: &Item) -> Vec<&str> {
    let mut out = vec![item.stem.as_str()];
    match &item.body {
        ItemBody::SingleChoice { options, .. } | ItemBody::MultipleResponse { options, .. } => {
            out.extend(options.iter().map(String::as_str))
        }
        ItemBody::TrueFalseGroup { statements, .. } => out.extend(statements.iter().map(|s| s.text.as_str())),
        ItemBody::ShortAnswer { .. } => {}
    }
    out
}

/// The declared kind, or the one the fields suggest while the writer has not picked it.
fn kind_of(body: &Value) -> ItemKind {
    if let Some(k) = body.get("kind").and_then(Value::as_str).and_then(ItemKind::parse) {
        return k;
    }
    if body.get("statements").is_some() {
        ItemKind::TrueFalseGroup
    } else if body.get("options").is_some() {
        ItemKind::SingleChoice
    } else {
        ItemKind::ShortAnswer
    }
}

fn str_at(body: &Value, key: &str) -> String {
    body.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn options(body: &Value) -> Vec<String> {
    body.get("options")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|o| o.as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default()
}

/// Statements written as text or as `{text, level}`.
fn statements(body: &Value) -> Vec<String> {
    body.get("statements")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| {
                    s.as_str()
                        .or_else(|| s.get("text").and_then(Value::as_str))
                        .unwrap_or_default()
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

//! The Config Key: SHA-256 of the settings' "SEB-JSON", the form SEB's developer documentation
//! ("Config Key") defines so that an exam server computes the same key as every SEB client:
//!
//! - `originatorVersion` is left out (metadata of the saving tool), in every dictionary;
//! - a dictionary's keys are sorted case-insensitively; two keys equal but for case (which SEB asks
//!   tools never to write) put the lower-case one first, as the documentation's example says;
//! - an empty dictionary value is left out;
//! - no whitespace; strings are written without JSON escaping except `"` as `\"` (a URL filter's
//!   backslashes stay single, as SEB for Windows writes them);
//! - `<data>` as standard base64, `<date>` as its ISO 8601 text in quotes, booleans and integers
//!   as JSON literals, a `<real>` as its shortest decimal form.
//!
//! The key is hex (lower case) of SHA-256 over that UTF-8 text.

use std::cmp::Ordering;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::plist::{Dict, Value};

/// The key SEB leaves out of the Config Key.
pub const ORIGINATOR_VERSION: &str = "originatorVersion";

/// The SEB-JSON text of the settings.
pub fn seb_json(settings: &Dict) -> String {
    let mut out = String::new();
    write_dict(settings, &mut out);
    out
}

/// The Config Key of the settings: hex SHA-256 of their SEB-JSON.
pub fn config_key(settings: &Dict) -> String {
    hex::encode(Sha256::digest(seb_json(settings).as_bytes()))
}

/// SEB's key order: case-insensitive, lower case first between keys equal but for case.
pub fn key_order(a: &str, b: &str) -> Ordering {
    let fold = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<String>();
    fold(a).cmp(&fold(b)).then_with(|| b.cmp(a))
}

fn write_dict(d: &Dict, out: &mut String) {
    let mut entries: Vec<&(String, Value)> =
        d.0.iter()
            .filter(|(k, v)| {
                !k.eq_ignore_ascii_case(ORIGINATOR_VERSION)
                    && !matches!(v, Value::Dict(inner) if inner.is_empty())
            })
            .collect();
    entries.sort_by(|a, b| key_order(&a.0, &b.0));
    out.push('{');
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(k);
        out.push_str("\":");
        write_value(v, out);
    }
    out.push('}');
}

fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Dict(d) => write_dict(d, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::String(s) => {
            out.push('"');
            out.push_str(&s.replace('"', "\\\""));
            out.push('"');
        }
        Value::Integer(i) => out.push_str(&i.to_string()),
        Value::Real(r) => out.push_str(&format_real(*r)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Data(d) => {
            out.push('"');
            out.push_str(&STANDARD.encode(d));
            out.push('"');
        }
        Value::Date(d) => {
            out.push('"');
            out.push_str(d);
            out.push('"');
        }
    }
}

/// A real as SEB for Windows prints it (.NET's invariant `ToString`): whole numbers without a
/// decimal point, others in their shortest round-trip form.
fn format_real(r: f64) -> String {
    if r.fract() == 0.0 && r.abs() < 1e15 { format!("{}", r as i64) } else { format!("{r}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(entries: Vec<(&str, Value)>) -> Dict {
        Dict(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn sorts_case_insensitively_and_drops_what_seb_drops() {
        let d = dict(vec![
            ("URLFilterRules", Value::Array(vec![])),
            ("originatorVersion", Value::String("SEB_Win_3.5".into())),
            ("allowWLAN", Value::Bool(false)),
            ("allowWlan", Value::Bool(true)),
            ("enableF2", Value::Bool(false)),
            ("enableF10", Value::Bool(false)),
            ("proxies", Value::Dict(Dict::default())),
            ("nested", Value::Dict(dict(vec![("b", Value::Integer(2)), ("A", Value::Real(1.0))]))),
            ("quote", Value::String(r#"say "hi" \d"#.into())),
            ("salt", Value::Data(vec![0xff, 0])),
        ]);
        assert_eq!(
            seb_json(&d),
            r#"{"allowWlan":true,"allowWLAN":false,"enableF10":false,"enableF2":false,"nested":{"A":1,"b":2},"quote":"say \"hi\" \d","salt":"/wA=","URLFilterRules":[]}"#
        );
        assert_eq!(config_key(&d).len(), 64);
    }

    #[test]
    fn reals_print_like_seb_for_windows() {
        assert_eq!(format_real(1.0), "1");
        assert_eq!(format_real(-0.25), "-0.25");
        assert_eq!(format_real(1e20), "100000000000000000000");
    }
}

//! Checks both services' router-against-document tests make of an OpenAPI document.

use std::collections::BTreeSet;

use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};

/// Every documented operation as (path template, method, operation).
pub fn operations(spec: &OpenApi) -> Vec<(String, HttpMethod, &Operation)> {
    let mut out = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ops = [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Delete, &item.delete),
            (HttpMethod::Patch, &item.patch),
        ];
        out.extend(ops.into_iter().filter_map(|(m, op)| op.as_ref().map(|op| (path.clone(), m, op))));
    }
    out
}

/// The `{name}`s of a path template.
pub fn template_names(path: &str) -> BTreeSet<String> {
    path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).map(str::to_string).collect()
}

/// Path parameters are exactly the template's names; every other parameter is a query parameter
/// (an `IntoParams` struct without `parameter_in` once came out as `in: path`).
pub fn check_parameters(path: &str, op: &Operation) {
    let names = template_names(path);
    let mut in_path = BTreeSet::new();
    for p in op.parameters.iter().flatten() {
        match p.parameter_in {
            ParameterIn::Path => {
                assert!(names.contains(&p.name), "{path}: `{}` is in: path but not in the path", p.name);
                in_path.insert(p.name.clone());
            }
            ParameterIn::Query => {
                assert!(
                    !names.contains(&p.name),
                    "{path}: `{}` is in the path but documented in: query",
                    p.name
                )
            }
            _ => {}
        }
    }
    assert_eq!(in_path, names, "{path}: every path segment is documented as in: path");
}

/// The official JSON Schema of OpenAPI 3.1 documents (`vendor/openapi-3.1`, see its README).
const OAS_31_SCHEMA: &str = include_str!("../vendor/openapi-3.1/schema.json");

/// Every way `doc` breaks OpenAPI 3.1 that a validator sees, as readable lines (empty: valid):
/// the official schema (structure, required fields, parameter locations, `openapi: 3.1.x`), and
/// the rules the schema cannot say — unique `operationId`s and every `$ref` resolving inside the
/// document (a schema named but never registered is a dangling reference Swagger cannot show).
pub fn validation_errors(doc: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(OAS_31_SCHEMA).expect("the vendored schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the vendored schema compiles");
    let mut out: Vec<String> =
        validator.iter_errors(doc).map(|e| format!("schema: at {}: {e}", e.instance_path())).collect();
    let mut seen = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str()
                && !seen.insert(id.to_string())
            {
                out.push(format!("{} {path}: operationId `{id}` is used twice", method.to_uppercase()));
            }
        }
    }
    let mut refs = Vec::new();
    collect_refs(doc, &mut refs);
    for r in refs {
        let resolved = r.strip_prefix('#').and_then(|pointer| doc.pointer(pointer));
        if resolved.is_none() {
            out.push(format!("`$ref: {r}` does not resolve within the document"));
        }
    }
    out
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                out.push(r.to_string());
            }
            m.values().for_each(|v| collect_refs(v, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Request bodies without a realistic example, as readable lines (empty: none). Every media type
/// of every request body has an `example` or named `examples`, none of them empty (`{}`, `""`,
/// `null`); a JSON example must validate against its schema (the document's components
/// included), so an example cannot drift from the type (a body's named type may carry the
/// example instead: `#[schema(example = …)]`); a CSV example has a header and a row;
/// each line of an NDJSON example is JSON. A binary upload (`application/octet-stream`: a signed
/// package, an image) cannot be shown as an example: its description must say what file it is.
pub fn example_problems(doc: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(body) = op.get("requestBody") else { continue };
            let at = format!("{} {path}", method.to_uppercase());
            for (media, content) in body["content"].as_object().into_iter().flatten() {
                if media == "application/octet-stream" {
                    if body["description"].as_str().is_none_or(|d| d.trim().is_empty()) {
                        out.push(format!("{at} ({media}): a binary body needs a description of the file"));
                    }
                    continue;
                }
                let examples = examples_of(content).or_else(|| {
                    // The example of the body's named type (`#[schema(example = …)]`).
                    let name = content["schema"]["$ref"].as_str()?.strip_prefix("#/components/schemas/")?;
                    examples_of(&doc["components"]["schemas"][name])
                });
                let examples = examples.unwrap_or_default();
                if examples.is_empty() {
                    out.push(format!("{at} ({media}): no example"));
                }
                for e in examples {
                    out.extend(
                        example_problem(doc, media, &content["schema"], e)
                            .map(|p| format!("{at} ({media}): {p}")),
                    );
                }
            }
        }
    }
    out
}

/// The `example` or the values of the named `examples` of a media type or schema.
fn examples_of(v: &serde_json::Value) -> Option<Vec<&serde_json::Value>> {
    match (v.get("example"), v.get("examples")) {
        (Some(e), _) => Some(vec![e]),
        (None, Some(serde_json::Value::Object(named))) => Some(named.values().map(|e| &e["value"]).collect()),
        (None, Some(serde_json::Value::Array(list))) => Some(list.iter().collect()),
        _ => None,
    }
}

fn example_problem(
    doc: &serde_json::Value,
    media: &str,
    schema: &serde_json::Value,
    example: &serde_json::Value,
) -> Option<String> {
    let empty = example.is_null()
        || example.as_object().is_some_and(|m| m.is_empty())
        || example.as_str().is_some_and(|s| s.trim().is_empty());
    if empty {
        return Some(format!("the example is empty: {example}"));
    }
    if media.ends_with("json") && media != "application/x-ndjson" {
        let mut wrapped = schema.clone();
        if let Some(m) = wrapped.as_object_mut() {
            m.insert("components".into(), doc["components"].clone());
            m.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
        }
        let validator = match jsonschema::validator_for(&wrapped) {
            Ok(v) => v,
            Err(e) => return Some(format!("the schema does not compile: {e}")),
        };
        let errors: Vec<String> =
            validator.iter_errors(example).map(|e| format!("at {}: {e}", e.instance_path())).collect();
        return (!errors.is_empty())
            .then(|| format!("the example does not match its schema: {}", errors.join("; ")));
    }
    let Some(text) = example.as_str() else {
        return Some(format!("a {media} example is text, not {example}"));
    };
    if media == "text/csv" && text.lines().filter(|l| !l.trim().is_empty()).count() < 2 {
        return Some("a CSV example has a header line and at least one row".into());
    }
    if media == "application/x-ndjson"
        && let Some(bad) = text.lines().find(|l| serde_json::from_str::<serde_json::Value>(l).is_err())
    {
        return Some(format!("an NDJSON line is not JSON: {bad}"));
    }
    None
}

/// The paths a service's source registers by hand (`.route("…"`), outside utoipa-axum's
/// `routes!` — which documents every route it registers — and so outside the document. The
/// services' tests compare them with their short lists of what is deliberately not JSON (pages,
/// websockets, the document itself): a JSON route added by hand fails there.
pub fn hand_registered_routes(src: &std::path::Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("the source directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for piece in code.split(".route(").skip(1) {
                    let piece = piece.trim_start();
                    if let Some(rest) = piece.strip_prefix('"')
                        && let Some(end) = rest.find('"')
                    {
                        out.insert(rest[..end].to_string());
                    }
                }
            }
        }
    }
    out
}

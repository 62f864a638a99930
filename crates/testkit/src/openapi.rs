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

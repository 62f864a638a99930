//! The blueprint as written: the YAML's shape with its locations (`serde_saphyr::Spanned`), and
//! the parse that names the key and line of a syntax or type error.

use khaothi_domain::ItemKind;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::contract::{BlueprintError, BlueprintIssue, CountUnit, Exposure, Objective, PaperText};

pub(super) fn parse_raw(yaml: &str) -> Result<RawBlueprint, BlueprintError> {
    let mut path = String::new();
    let options = serde_saphyr::options! { with_snippet: false };
    let result = serde_saphyr::with_deserializer_from_str_with_options(yaml, options, |de| {
        let mut track = serde_path_to_error::Track::new();
        let r = RawBlueprint::deserialize(serde_path_to_error::Deserializer::new(de, &mut track));
        if r.is_err() {
            path = track.path().to_string();
        }
        r
    });
    result.map_err(|e| {
        let loc = e.location();
        // `Spanned` wraps values in a synthetic `value` field; the board's key has no such level.
        let key = format!(".{path}.").replace(".value.", ".").replace(".value[", "[").replace(".value.", ".");
        let key = key.trim_matches('.').to_string();
        let key = if key.is_empty() || key == "." { "$".to_string() } else { key };
        BlueprintError(vec![BlueprintIssue {
            key,
            line: loc.map(|l| l.line()),
            column: loc.map(|l| l.column()),
            message: strip_location(&e.to_string()),
        }])
    })
}

/// serde-saphyr appends " at line L column C"; the issue carries the location separately.
fn strip_location(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg);
    match first.find(" at line ") {
        Some(p) => first[..p].to_string(),
        None => first.to_string(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBlueprint {
    pub(super) name: Spanned<String>,
    pub(super) subject: Spanned<String>,
    #[serde(default)]
    pub(super) grade: Option<Spanned<u8>>,
    #[serde(default)]
    pub(super) duration_minutes: Option<u32>,
    #[serde(default)]
    pub(super) total_points: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) forms: Option<Spanned<u32>>,
    #[serde(default)]
    pub(super) versions: Option<Spanned<u32>>,
    #[serde(default)]
    pub(super) max_overlap: Option<Spanned<f64>>,
    pub(super) sections: Spanned<Vec<Spanned<RawSection>>>,
    #[serde(default)]
    pub(super) matrix: Vec<Spanned<RawRow>>,
    #[serde(default)]
    pub(super) information: Option<Spanned<RawInformation>>,
    #[serde(default)]
    pub(super) difficulty: Option<Spanned<RawDifficulty>>,
    #[serde(default)]
    pub(super) exposure: Option<Spanned<Exposure>>,
    #[serde(default)]
    pub(super) stimulus_across_sections: bool,
    #[serde(default)]
    pub(super) paper: Option<PaperText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSection {
    pub(super) kind: ItemKind,
    pub(super) count: u32,
    pub(super) points: f64,
    #[serde(default)]
    pub(super) name: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawCount {
    Exact(f64),
    Range {
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRow {
    pub(super) topic: String,
    #[serde(default)]
    pub(super) kind: Option<ItemKind>,
    #[serde(default)]
    pub(super) unit: Option<CountUnit>,
    #[serde(default)]
    pub(super) biet: Option<Spanned<RawCount>>,
    #[serde(default)]
    pub(super) hieu: Option<Spanned<RawCount>>,
    #[serde(default)]
    pub(super) van_dung: Option<Spanned<RawCount>>,
    #[serde(default)]
    pub(super) van_dung_cao: Option<Spanned<RawCount>>,
    #[serde(default)]
    pub(super) total: Option<Spanned<RawCount>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInformation {
    pub(super) objective: Objective,
    pub(super) thetas: Vec<f64>,
    #[serde(default)]
    pub(super) target: Option<Vec<f64>>,
    #[serde(default)]
    pub(super) reference_form: Option<Vec<String>>,
    #[serde(default)]
    pub(super) ceiling: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDifficulty {
    #[serde(default)]
    pub(super) item_b: Option<Spanned<RawCount>>,
    #[serde(default)]
    pub(super) mean_b: Option<Spanned<RawCount>>,
}

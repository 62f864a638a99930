//! The blueprint editor's live check: every problem of the YAML with its line and column, and,
//! for a valid blueprint, the matrix as a grid of what N forms need against what the bank holds
//! (`khaothi_assembly::supply`, the assembler's own counts), with topic names from the taxonomy.
//! Nothing is stored: the board checks as it types and stores with `POST blueprints`.

use axum::Json;
use axum::extract::{Request, State};
use khaothi_assembly::Blueprint;
use khaothi_assembly::supply::{CellSupply, SectionSupply, SupplyGrid, SupplyState, supply_grid};
use khaothi_auth::{CurrentUser, Role};
use khaothi_store::assembly as store;
use khaothi_store::items::{self, ItemFilter, Visibility};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::json::read_body;
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

/// One problem of the YAML; `line` and `column` are 1-based.
#[derive(Serialize, ToSchema)]
pub struct YamlError {
    /// The key it concerns, e.g. `matrix[1].van_dung`.
    pub key: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

/// One cell of the grid: a matrix row (topic, optionally a kind) at one level, or its `total`.
#[derive(Serialize, ToSchema)]
pub struct GridCell {
    /// The item kind of the row's section, when the row names one.
    pub section: Option<String>,
    pub topic: String,
    /// The topic's name in the curriculum taxonomy, when the code is in it.
    pub topic_name: Option<String>,
    /// `biet`, `hieu`, `van_dung`, `van_dung_cao`, or `total`.
    pub level: String,
    /// `items`, `statements` or `points`.
    pub unit: String,
    /// The least one form holds (and the most, when bounded).
    pub per_form: f64,
    pub per_form_max: Option<f64>,
    /// Distinct units all forms need together under the overlap rule.
    pub needed: f64,
    /// Approved units the assembler may use (calibrated when the blueprint has an information
    /// objective).
    pub supply: f64,
    /// `short`: supply < needed; `tight`: needed ≤ supply < 1.5 × needed; `ok` otherwise.
    #[schema(value_type = String)]
    pub state: SupplyState,
    /// The matrix row (`matrix[row]`) and its YAML line.
    pub row: usize,
    pub line: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct GridSection {
    pub section: usize,
    pub kind: String,
    pub name: Option<String>,
    pub per_form: u32,
    pub needed: f64,
    pub supply: f64,
    #[schema(value_type = String)]
    pub state: SupplyState,
}

#[derive(Serialize, ToSchema, Default)]
pub struct Grid {
    pub forms: u32,
    /// Most items two forms may share.
    pub overlap_items: u32,
    pub eligible_items: usize,
    pub sections: Vec<GridSection>,
    pub cells: Vec<GridCell>,
}

#[derive(Serialize, ToSchema)]
pub struct BlueprintCheck {
    pub errors: Vec<YamlError>,
    /// Empty (no cells) while the blueprint has errors.
    pub grid: Grid,
}

/// Check a blueprint (YAML body) without storing it: errors with line and column, and the supply
/// grid of the matrix against the bank.
#[utoipa::path(post, path = "/api/v1/blueprints/check", tag = "assembly", security(("bearer" = [])),
    request_body(content = String, content_type = "application/yaml", example = json!(crate::routes::assembly::BLUEPRINT_EXAMPLE)),
    responses((status = 200, body = BlueprintCheck), (status = 400), (status = 401), (status = 403)))]
pub async fn check_blueprint(
    State(state): State<AppState>,
    user: CurrentUser,
    req: Request,
) -> ApiResult<Json<BlueprintCheck>> {
    user.require(BOARD, "check blueprints")?;
    let bytes = read_body(req, &state).await?;
    let yaml = std::str::from_utf8(&bytes)
        .map_err(|e| ApiError::bad_request("invalid_encoding", format!("the blueprint is not UTF-8: {e}")))?;
    let bp = match Blueprint::from_yaml(yaml) {
        Ok(bp) => bp,
        Err(e) => {
            let errors = e.0.into_iter().map(|i| located(yaml, i)).collect();
            return Ok(Json(BlueprintCheck { errors, grid: Grid::default() }));
        }
    };
    let filter = ItemFilter {
        subject: Some(bp.subject.clone()),
        grade: bp.grade.map(i32::from),
        status: Some("approved".into()),
        ..Default::default()
    };
    let mut pool: Vec<_> = items::all_current(&state.db, user.org(), &Visibility::All, &filter)
        .await?
        .into_iter()
        .map(|v| v.item)
        .collect();
    let uses = store::exposure_counts(&state.db).await?;
    for item in &mut pool {
        item.uses += uses.get(&item.id).copied().unwrap_or(0);
    }
    let grid = supply_grid(&bp, &pool);
    Ok(Json(BlueprintCheck { errors: vec![], grid: grid_view(&bp, grid) }))
}

/// The issue with a column: the parser's own, or where the key it names starts on its line.
fn located(yaml: &str, issue: khaothi_assembly::BlueprintIssue) -> YamlError {
    let column = issue.column.or_else(|| {
        let line = yaml.lines().nth(usize::try_from(issue.line? - 1).ok()?)?;
        let last = issue.key.rsplit(['.', '[']).next().unwrap_or("").trim_end_matches(']');
        let at = line
            .find(last)
            .filter(|_| !last.is_empty())
            .or_else(|| line.find(|c: char| !c.is_whitespace()))?;
        Some(line[..at].chars().count() as u64 + 1)
    });
    YamlError { key: issue.key, line: issue.line, column, message: issue.message }
}

fn grid_view(bp: &Blueprint, grid: SupplyGrid) -> Grid {
    let taxonomy = khaothi_samples::taxonomy::subject(&bp.subject);
    let cell = |c: CellSupply| GridCell {
        section: c.section.map(|k| k.to_string()),
        topic_name: taxonomy.and_then(|t| t.topic_name(&c.topic)).map(str::to_string),
        topic: c.topic,
        level: c.level.map_or("total".to_string(), |l| l.as_str().to_string()),
        unit: c.unit.to_string(),
        per_form: c.per_form,
        per_form_max: c.per_form_max,
        needed: c.needed,
        supply: c.supply,
        state: c.state,
        row: c.row,
        line: c.line,
    };
    let section = |s: SectionSupply| GridSection {
        section: s.section,
        kind: s.kind.to_string(),
        name: s.name,
        per_form: s.per_form,
        needed: s.needed,
        supply: s.supply,
        state: s.state,
    };
    Grid {
        forms: grid.forms,
        overlap_items: grid.overlap_items,
        eligible_items: grid.eligible_items,
        sections: grid.sections.into_iter().map(section).collect(),
        cells: grid.cells.into_iter().map(cell).collect(),
    }
}

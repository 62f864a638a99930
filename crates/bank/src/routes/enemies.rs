//! Suggested enemies: near-duplicate items of a subject (copies, light edits, one template with
//! other numbers — found by `khaothi_similarity`'s MinHash/LSH search) shown to a reviewer or the
//! board, who confirm or dismiss each pair. Confirmed pairs are enemies in every assembly the bank
//! runs ([`add_confirmed`]); dismissed pairs are not suggested again.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::State;
use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::Item;
use khaothi_store::items::{self, ItemFilter};
use khaothi_store::{ConnectionTrait, audit, enemies};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::items::{actor, visibility};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

/// Who sees suggestions and decides on them.
pub const DECIDERS: &[Role] = &[Role::Admin, Role::Reviewer, Role::ExamBoard];

/// Lowest similarity a caller may ask for: below it nearly every pair of a subject is "similar".
const MIN_THRESHOLD: f64 = 0.3;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestionQuery {
    /// Subject code; items are compared within one subject.
    pub subject: String,
    /// Smallest similarity (0.3–1) to suggest; default 0.7.
    pub threshold: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct Suggestion {
    pub a: String,
    pub b: String,
    /// Estimated Jaccard similarity of the two items' normalised text (numbers count as one token).
    pub similarity: f64,
    pub a_stem: String,
    pub b_stem: String,
}

#[derive(Serialize, ToSchema)]
pub struct Suggestions {
    pub subject: String,
    /// Items of the subject compared (those the caller may see).
    pub items: usize,
    /// Pairs compared after LSH banding, against items × (items − 1) / 2 for all pairs.
    pub comparisons: u64,
    /// Undecided pairs that are not enemies yet, most similar first.
    pub pairs: Vec<Suggestion>,
}

/// Near-duplicate pairs of a subject's items that nobody has confirmed or dismissed yet.
#[utoipa::path(get, path = "/api/v1/enemy-suggestions", tag = "review", security(("bearer" = [])), params(SuggestionQuery),
    responses((status = 200, body = Suggestions), (status = 400), (status = 403)))]
pub async fn suggestions(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<SuggestionQuery>,
) -> ApiResult<Json<Suggestions>> {
    user.require(DECIDERS, "see suggested enemies")?;
    let threshold = q.threshold.unwrap_or(khaothi_similarity::DEFAULT_THRESHOLD);
    if !(MIN_THRESHOLD..=1.0).contains(&threshold) {
        return Err(ApiError::bad_request(
            "invalid_threshold",
            format!("threshold must be between {MIN_THRESHOLD} and 1, got {threshold}"),
        ));
    }
    let filter = ItemFilter { subject: Some(q.subject.clone()), ..ItemFilter::default() };
    let list: Vec<Item> = items::all_current(&state.db, user.org(), &visibility(&user), &filter)
        .await?
        .into_iter()
        .map(|v| v.item)
        .collect();
    let decided: HashSet<(String, String)> =
        enemies::list(&state.db, user.org(), None).await?.into_iter().map(|d| (d.item_a, d.item_b)).collect();
    let texts: Vec<String> = list.iter().map(khaothi_similarity::item_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let found = khaothi_similarity::near_duplicates(&refs, threshold);
    let pairs = found
        .pairs
        .iter()
        .map(|p| (&list[p.a], &list[p.b], p.similarity))
        .filter(|(a, b, _)| !a.enemies.contains(&b.id) && !b.enemies.contains(&a.id))
        .map(|(a, b, similarity)| {
            let (a, b) = if a.id <= b.id { (a, b) } else { (b, a) };
            Suggestion {
                a: a.id.clone(),
                b: b.id.clone(),
                similarity,
                a_stem: a.stem.clone(),
                b_stem: b.stem.clone(),
            }
        })
        .filter(|s| !decided.contains(&(s.a.clone(), s.b.clone())))
        .collect();
    Ok(Json(Suggestions { subject: q.subject, items: list.len(), comparisons: found.comparisons, pairs }))
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// The two items are enemies: never on one form.
    Confirm,
    /// Not enemies; the pair is not suggested again.
    Dismiss,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"a": "TOAN12-0001", "b": "TOAN12-0042", "decision": "confirm"}))]
pub struct Decision {
    pub a: String,
    pub b: String,
    pub decision: DecisionKind,
}

#[derive(Serialize, ToSchema)]
pub struct EnemyPairView {
    /// The smaller id of the pair.
    pub a: String,
    pub b: String,
    /// `confirmed` or `dismissed`.
    pub state: String,
    pub similarity: f64,
    pub decided_by: String,
    pub decided_at: chrono::DateTime<chrono::Utc>,
}

impl From<enemies::EnemyDecision> for EnemyPairView {
    fn from(d: enemies::EnemyDecision) -> Self {
        Self {
            a: d.item_a,
            b: d.item_b,
            state: d.state,
            similarity: d.similarity,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
        }
    }
}

/// Confirm a suggested pair as enemies, or dismiss it. A later decision on the pair replaces this one.
#[utoipa::path(post, path = "/api/v1/enemy-suggestions/decisions", tag = "review", security(("bearer" = [])), request_body = Decision,
    responses((status = 200, body = EnemyPairView), (status = 400), (status = 403), (status = 404)))]
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(d): ApiJson<Decision>,
) -> ApiResult<Json<EnemyPairView>> {
    user.require(DECIDERS, "confirm or dismiss suggested enemies")?;
    if d.a == d.b {
        return Err(ApiError::bad_request("same_item", "an item cannot be its own enemy"));
    }
    let a = items::get(&state.db, user.org(), &d.a, None).await?.item;
    let b = items::get(&state.db, user.org(), &d.b, None).await?.item;
    let similarity = khaothi_similarity::similarity(
        &khaothi_similarity::item_text(&a),
        &khaothi_similarity::item_text(&b),
    );
    let decided_state =
        if d.decision == DecisionKind::Confirm { enemies::CONFIRMED } else { enemies::DISMISSED };
    let who = actor(&user);
    let stored = enemies::decide(&state.db, &who, &a.id, &b.id, decided_state, similarity).await?;
    let action = if d.decision == DecisionKind::Confirm { "enemy_confirm" } else { "enemy_dismiss" };
    let pair = format!("{}+{}", stored.item_a, stored.item_b);
    audit::record(
        &state.db,
        &who,
        action,
        "enemy_pair",
        &pair,
        serde_json::json!({"similarity": similarity}),
    )
    .await?;
    Ok(Json(stored.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PairQuery {
    /// `confirmed` or `dismissed`; both when omitted.
    pub state: Option<String>,
}

/// Pairs decided so far.
#[utoipa::path(get, path = "/api/v1/enemy-pairs", tag = "review", security(("bearer" = [])), params(PairQuery),
    responses((status = 200, body = Vec<EnemyPairView>), (status = 400), (status = 403)))]
pub async fn decided(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<PairQuery>,
) -> ApiResult<Json<Vec<EnemyPairView>>> {
    user.require(DECIDERS, "see enemy pairs")?;
    if let Some(s) = q.state.as_deref()
        && s != enemies::CONFIRMED
        && s != enemies::DISMISSED
    {
        return Err(ApiError::bad_request(
            "invalid_state",
            format!("state is confirmed or dismissed, got {s}"),
        ));
    }
    let list = enemies::list(&state.db, user.org(), q.state.as_deref()).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Adds every confirmed pair of the organisation to its items' `enemies` (either side named is
/// enough for assembly), so the bank's assemblies keep confirmed near-duplicates apart.
pub async fn add_confirmed<C: ConnectionTrait>(db: &C, org: &str, pool: &mut [Item]) -> ApiResult<()> {
    let index: HashMap<String, usize> = pool.iter().enumerate().map(|(k, i)| (i.id.clone(), k)).collect();
    for pair in enemies::list(db, org, Some(enemies::CONFIRMED)).await? {
        if let (Some(&ka), Some(&kb)) = (index.get(&pair.item_a), index.get(&pair.item_b))
            && !pool[ka].enemies.contains(&pair.item_b)
            && !pool[kb].enemies.contains(&pair.item_a)
        {
            pool[ka].enemies.push(pair.item_b.clone());
        }
    }
    Ok(())
}

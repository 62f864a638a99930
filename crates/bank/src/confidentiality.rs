//! Question confidentiality (issue 16, finding 12). Writers are teachers whose students sit the
//! exam, so a writer sees another writer's approved items only as much as picking enemies and
//! shared passages needs: without the answer. Keys are for the item's writer, the reviewers and the
//! exam board of the owning organisation (items never leave their organisation today, so "the
//! organisations it shares with" of DESIGN §8 is the owning one) and the admin; every response that
//! carries a key is audited as `item_key_read`. A board may close its bank: then writers see only
//! their own items.
//!
//! The rules are plain functions of role, user and writer so every route applies the same ones.

use khaothi_auth::{CurrentUser, Role};
use khaothi_domain::ItemRecord;
use khaothi_store::items::Visibility;
use khaothi_store::org_settings;

use crate::error::ApiResult;
use crate::state::AppState;

/// The interchange fields a redacted view leaves out (docs/formats.md, "Redacted views"):
/// `key` (single choice), `keys` (true/false group), `answer` and `tolerance` (short answer's accepted
/// answers and how far a numeric answer may stray), and `solution` (a worked solution, when a file
/// carried one).
pub const REDACTED_FIELDS: [&str; 5] = ["key", "keys", "answer", "tolerance", "solution"];

/// Whether `user` may see the key of an item written by `writer` (same organisation: the caller has
/// already found the item in the user's organisation).
pub fn sees_keys(user: &CurrentUser, writer: &str) -> bool {
    match user.role() {
        Role::Admin | Role::Reviewer | Role::ExamBoard => true,
        Role::ItemWriter => writer == user.username(),
        Role::Proctor | Role::Candidate => false,
    }
}

/// Removes the answer from a record: the fields of [`REDACTED_FIELDS`].
pub fn redact(record: &mut ItemRecord) {
    record.key = None;
    record.keys = None;
    record.answer = None;
    record.tolerance = None;
    record.solution = None;
}

/// Which current versions the user's role sees in an open bank: writers their own and others'
/// approved items, reviewers everything out of draft, the board approved and retired items.
pub fn role_visibility(user: &CurrentUser) -> Visibility {
    match user.role() {
        Role::Admin => Visibility::All,
        Role::ItemWriter => Visibility::Writer { username: user.username().to_string() },
        Role::Reviewer => Visibility::Reviewer,
        _ => Visibility::Board,
    }
}

/// Whether the user's organisation closed its bank to writers.
pub async fn closed_bank(state: &AppState, user: &CurrentUser) -> ApiResult<bool> {
    Ok(org_settings::get(&state.db, user.org()).await?.closed_bank)
}

/// Which current versions a list or search shows the user: the role's rule, narrowed to the
/// writer's own items when the bank is closed.
pub async fn visibility_in(state: &AppState, user: &CurrentUser) -> ApiResult<Visibility> {
    let open = role_visibility(user);
    Ok(match open {
        Visibility::Writer { username } if closed_bank(state, user).await? => {
            Visibility::OwnOnly { username }
        }
        other => other,
    })
}

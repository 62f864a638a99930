//! The sheets the site prints for an event (issue 22 §1): a version's [`SheetSpec`] from the
//! package's content, with the number of số báo danh digits the event's candidate list needs —
//! the same rule as `khaothi omr sheet --candidates` (6 as on the THPT sheet, or the longest
//! all-digit number, at most 10). The layout the server reads scans with comes from here, never
//! from the uploader, so it is the layout of the sheets the site printed.

use khaothi_domain::ItemKind;
use khaothi_omr::spec::{DEFAULT_CANDIDATE_DIGITS, MAX_NUMBER_DIGITS, SheetSpec};
use khaothi_omr::{Layout, sheet};
use khaothi_package::VersionContent;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, EventContent};
use crate::store::entity::candidate;

/// A version's sheet: its items counted by kind in delivery order (numbered per part as printed).
pub fn spec_of(version: &VersionContent, candidate_digits: u32) -> Result<SheetSpec, khaothi_omr::OmrError> {
    let mut spec = SheetSpec {
        form: version.form_id.clone(),
        version: version.code.clone(),
        part_i: 0,
        part_ii: Vec::new(),
        part_iii: 0,
        candidate_digits,
        version_digits: version.code.chars().count() as u32,
    };
    for item in &version.items {
        match item.rendered.kind {
            ItemKind::SingleChoice => spec.part_i += 1,
            ItemKind::TrueFalseGroup => spec.part_ii.push(item.rendered.statements_html.len() as u32),
            ItemKind::ShortAnswer => spec.part_iii += 1,
            ItemKind::MultipleResponse => {
                return Err(khaothi_omr::OmrError::Unsupported(format!(
                    "item {} of version {} is multiple-response: the THPT sheet has no part for it",
                    item.rendered.id, version.code
                )));
            }
        }
    }
    spec.check()?;
    Ok(spec)
}

/// Digits of số báo danh for a list of numbers (the CLI's rule).
pub fn candidate_digits<'a>(numbers: impl IntoIterator<Item = &'a str>) -> u32 {
    numbers
        .into_iter()
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map(|n| n.len() as u32)
        .max()
        .unwrap_or(0)
        .clamp(DEFAULT_CANDIDATE_DIGITS, MAX_NUMBER_DIGITS)
}

/// Digits of số báo danh on the event's sheets, from its candidate list.
pub async fn event_digits(s: &AppState, event_id: &str) -> ApiResult<u32> {
    let numbers: Vec<String> = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::Number)
        .filter(candidate::Column::EventId.eq(event_id))
        .into_tuple()
        .all(&s.db.read)
        .await?;
    Ok(candidate_digits(numbers.iter().map(String::as_str)))
}

/// Every version's sheet spec and layout, in the package's order.
pub fn layouts(content: &EventContent, digits: u32) -> ApiResult<Vec<(SheetSpec, Layout)>> {
    content
        .content
        .versions
        .iter()
        .map(|v| {
            let spec = spec_of(v, digits).map_err(|e| {
                ApiError::Conflict(format!("version {} cannot be printed on the answer sheet: {e}", v.code))
            })?;
            let layout = sheet::layout(&spec).map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok((spec, layout))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_follow_the_clis_rule() {
        assert_eq!(candidate_digits([]), 6);
        assert_eq!(candidate_digits(["000001", "12"]), 6);
        assert_eq!(candidate_digits(["12345678", "A1234567890"]), 8);
        assert_eq!(candidate_digits(["123456789012"]), 10);
    }
}

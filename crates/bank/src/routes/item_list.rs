//! The item list's paging cursor and counts, kept apart from the handler so the cursor's format is
//! in one place: an opaque token to clients, the last item id of a page to the store.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, ApiResult};

/// Every status a list can count, so a page shows zeros rather than missing keys.
const STATUSES: &[&str] = &["draft", "in_review", "approved", "rejected", "retired"];

/// The cursor of the page after `last_id`.
pub fn encode_cursor(last_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("i:{last_id}"))
}

/// The item id a cursor stands for; a 400 for anything this service did not hand out.
pub fn decode_cursor(cursor: &str) -> ApiResult<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("i:").map(str::to_string))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                "`after` is not a cursor from a previous page's next_cursor",
            )
        })
}

/// The counts with every known status present.
pub fn every_status(mut counts: BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    for s in STATUSES {
        counts.entry((*s).to_string()).or_insert(0);
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor("TOAN12-0042")).unwrap(), "TOAN12-0042");
        assert!(decode_cursor("TOAN12-0042").is_err());
        assert!(decode_cursor("!!").is_err());
    }
}

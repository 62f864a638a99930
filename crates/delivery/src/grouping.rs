//! Grouping variables of candidates (issue 13): the optional columns of the candidate CSV that
//! say which school, district, region and sex a candidate belongs to, carried from the import into
//! the results and the groups export, so the board can study differential item functioning (DIF)
//! and compare groups (đối sánh). Stored per candidate as one JSON object of the ones given.
//! Pure: no I/O.

use std::collections::BTreeMap;

/// The grouping variables in export order, each with the CSV headers that name it.
pub const VARIABLES: [(&str, &[&str]); 4] = [
    ("school", &["truong", "school"]),
    ("district", &["quan_huyen", "huyen", "district"]),
    ("region", &["vung", "khu_vuc", "region"]),
    ("sex", &["gioi_tinh", "sex"]),
];

/// Longest value kept (a school's full name fits easily).
pub const MAX_VALUE_CHARS: usize = 120;

/// The grouping columns a header row has: `(variable, its Vietnamese header, column position)`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct GroupColumns(Vec<(&'static str, &'static str, usize)>);

impl GroupColumns {
    pub fn find(headers: &csv::StringRecord) -> Self {
        let found = VARIABLES
            .iter()
            .filter_map(|(var, names)| {
                headers
                    .iter()
                    .position(|h| names.contains(&h.to_lowercase().as_str()))
                    .map(|i| (*var, names[0], i))
            })
            .collect();
        Self(found)
    }

    /// The row's grouping values as stored (JSON), `None` when it gives none; or the first bad
    /// value as `(its Vietnamese column name, problem)`.
    pub fn read(&self, rec: &csv::StringRecord) -> Result<Option<String>, (&'static str, String)> {
        let mut values = BTreeMap::new();
        for (var, header, i) in &self.0 {
            let v = rec.get(*i).unwrap_or("").trim();
            if v.is_empty() {
                continue;
            }
            if v.chars().count() > MAX_VALUE_CHARS {
                return Err((header, format!("a {var} is at most {MAX_VALUE_CHARS} characters")));
            }
            if v.starts_with(['=', '+', '-', '@'])
                || v.contains(['<', '>'])
                || v.chars().any(char::is_control)
            {
                return Err((
                    header,
                    format!("a {var} cannot start with = + - @ nor contain < > or control characters"),
                ));
            }
            values.insert(*var, v.to_string());
        }
        Ok((!values.is_empty()).then(|| serde_json::to_string(&values).expect("a map of strings")))
    }
}

/// A candidate's stored grouping values by variable (empty when none or unreadable).
pub fn parse(stored: Option<&str>) -> BTreeMap<String, String> {
    stored.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
}

/// The values in [`VARIABLES`] order, empty strings for the missing ones (a CSV row's tail).
pub fn row(stored: Option<&str>) -> Vec<String> {
    let map = parse(stored);
    VARIABLES.iter().map(|(v, _)| map.get(*v).cloned().unwrap_or_default()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(fields: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(fields.to_vec())
    }

    #[test]
    fn either_vocabulary_is_read_and_only_given_values_are_kept() {
        let headers = rec(&["so_bao_danh", "Truong", "ho_ten", "gioi_tinh", "region"]);
        let cols = GroupColumns::find(&headers);
        let stored = cols.read(&rec(&["1", "THPT Chu Văn An", "An", "nữ", ""])).unwrap();
        assert_eq!(stored.as_deref(), Some(r#"{"school":"THPT Chu Văn An","sex":"nữ"}"#));
        assert_eq!(row(stored.as_deref()), ["THPT Chu Văn An", "", "", "nữ"]);
        assert_eq!(cols.read(&rec(&["2", "", "Bình", "", ""])).unwrap(), None);
        assert!(
            GroupColumns::find(&rec(&["so_bao_danh", "ho_ten"])).read(&rec(&["1", "x"])).unwrap().is_none()
        );
    }

    #[test]
    fn formulas_markup_and_long_values_are_refused_by_their_column() {
        let headers = rec(&["quan_huyen", "vung"]);
        let cols = GroupColumns::find(&headers);
        let (col, why) = cols.read(&rec(&["=HYPERLINK(\"x\")", "1"])).unwrap_err();
        assert_eq!(col, "quan_huyen");
        assert!(why.contains("cannot start"), "{why}");
        let long = "x".repeat(MAX_VALUE_CHARS + 1);
        assert_eq!(cols.read(&rec(&["Ba Đình", &long])).unwrap_err().0, "vung");
        assert_eq!(parse(Some("not json")), BTreeMap::new());
    }
}

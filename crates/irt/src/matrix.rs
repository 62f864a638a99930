//! The dense person-major response matrix.

use crate::error::IrtError;

/// Marker for "not presented" (an empty or `NA` cell).
pub const MISSING: u8 = u8::MAX;

/// Scores of persons (rows) on items (columns), stored person-major as one `u8` per cell with
/// [`MISSING`] for items not presented. 1,000,000 × 50 is 50 MB.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseMatrix {
    item_ids: Vec<String>,
    person_ids: Option<Vec<String>>,
    n_persons: usize,
    data: Vec<u8>,
}

impl ResponseMatrix {
    /// Builds a matrix from person-major `data` (`n_persons × item_ids.len()`).
    pub fn new(
        item_ids: Vec<String>,
        person_ids: Option<Vec<String>>,
        n_persons: usize,
        data: Vec<u8>,
    ) -> Result<Self, IrtError> {
        let n_items = item_ids.len();
        if n_items == 0 {
            return Err(IrtError::invalid("a response matrix needs at least one item"));
        }
        if data.len() != n_persons * n_items {
            return Err(IrtError::invalid(format!(
                "{} cells for {n_persons} persons × {n_items} items",
                data.len()
            )));
        }
        if let Some(p) = &person_ids
            && p.len() != n_persons
        {
            return Err(IrtError::invalid(format!("{} person ids for {n_persons} persons", p.len())));
        }
        let mut seen = std::collections::HashSet::with_capacity(n_items);
        for id in &item_ids {
            if !seen.insert(id.as_str()) {
                return Err(IrtError::invalid(format!("item id '{id}' appears twice")));
            }
        }
        Ok(Self { item_ids, person_ids, n_persons, data })
    }

    /// Builds a matrix from rows of scores (convenient in tests).
    pub fn from_rows(item_ids: Vec<String>, rows: &[Vec<u8>]) -> Result<Self, IrtError> {
        let n = item_ids.len();
        let mut data = Vec::with_capacity(rows.len() * n);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != n {
                return Err(IrtError::invalid(format!("row {i} has {} cells, expected {n}", r.len())));
            }
            data.extend_from_slice(r);
        }
        Self::new(item_ids, None, rows.len(), data)
    }

    #[inline]
    pub fn get(&self, person: usize, item: usize) -> u8 {
        self.data[person * self.item_ids.len() + item]
    }
    #[inline]
    pub fn row(&self, person: usize) -> &[u8] {
        let n = self.item_ids.len();
        &self.data[person * n..(person + 1) * n]
    }
    pub fn n_persons(&self) -> usize {
        self.n_persons
    }
    pub fn n_items(&self) -> usize {
        self.item_ids.len()
    }
    pub fn item_ids(&self) -> &[String] {
        &self.item_ids
    }
    pub fn person_ids(&self) -> Option<&[String]> {
        self.person_ids.as_deref()
    }
    /// The raw person-major cells.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    /// Column index of an item id.
    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.item_ids.iter().position(|x| x == id)
    }
    /// Highest observed score per item (`None` when nobody answered it).
    pub fn max_observed(&self) -> Vec<Option<u8>> {
        let n = self.n_items();
        let mut max = vec![None::<u8>; n];
        for row in self.data.chunks_exact(n) {
            for (m, &x) in max.iter_mut().zip(row) {
                if x != MISSING && m.is_none_or(|v| x > v) {
                    *m = Some(x);
                }
            }
        }
        max
    }
    /// Number of non-missing responses per item.
    pub fn answered_counts(&self) -> Vec<usize> {
        let n = self.n_items();
        let mut c = vec![0usize; n];
        for row in self.data.chunks_exact(n) {
            for (c, &x) in c.iter_mut().zip(row) {
                *c += usize::from(x != MISSING);
            }
        }
        c
    }
    /// Whether any cell is missing.
    pub fn has_missing(&self) -> bool {
        self.data.contains(&MISSING)
    }
    /// Sum of answered scores per person.
    pub fn total_scores(&self) -> Vec<f64> {
        self.data
            .chunks_exact(self.n_items())
            .map(|r| r.iter().filter(|&&x| x != MISSING).map(|&x| x as f64).sum())
            .collect()
    }
    /// A matrix with only the listed columns, in that order.
    pub fn select_items(&self, columns: &[usize]) -> Result<Self, IrtError> {
        let ids = columns.iter().map(|&j| self.item_ids[j].clone()).collect();
        let mut data = Vec::with_capacity(self.n_persons * columns.len());
        for p in 0..self.n_persons {
            let row = self.row(p);
            data.extend(columns.iter().map(|&j| row[j]));
        }
        Self::new(ids, self.person_ids.clone(), self.n_persons, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_ids_are_checked() {
        let ids = vec!["a".to_string(), "b".to_string()];
        assert!(ResponseMatrix::new(ids.clone(), None, 2, vec![0, 1, 1]).is_err());
        assert!(ResponseMatrix::new(vec!["a".into(), "a".into()], None, 1, vec![0, 1]).is_err());
        let m = ResponseMatrix::new(ids, None, 2, vec![0, 1, MISSING, 1]).unwrap();
        assert_eq!(m.get(1, 1), 1);
        assert_eq!(m.max_observed(), vec![Some(0), Some(1)]);
        assert_eq!(m.answered_counts(), vec![1, 2]);
        assert_eq!(m.total_scores(), vec![1.0, 1.0]);
        assert_eq!(m.select_items(&[1]).unwrap().data(), &[1, 1]);
    }
}

//! Who sits next to whom. With a room layout (rows × columns, seats numbered along the rows, as
//! the delivery server's console draws it), two seats are neighbours when they are at most one
//! row and one column apart (side by side, in front, behind, diagonally). Without a layout,
//! seats with consecutive numbers in the same room are neighbours.

use std::collections::HashMap;

/// Row and column (0-based) of seat `s` (1-based) in a room with `columns` columns.
fn place(s: u32, columns: u32) -> (i64, i64) {
    (((s - 1) / columns) as i64, ((s - 1) % columns) as i64)
}

/// Whether seats `s` and `t` of one room are neighbours under `layout` (rows, columns).
pub fn adjacent(s: u32, t: u32, layout: Option<(u32, u32)>) -> bool {
    if s == t || s == 0 || t == 0 {
        return false;
    }
    match layout {
        Some((_, columns)) if columns > 0 => {
            let (a, b) = (place(s, columns), place(t, columns));
            (a.0 - b.0).abs() <= 1 && (a.1 - b.1).abs() <= 1
        }
        _ => s.abs_diff(t) == 1,
    }
}

/// Every neighbouring pair `(i, j)`, `i < j`, of the candidates `seats[i] = (room, seat)`.
pub fn neighbour_pairs(
    seats: &[(String, Option<u32>)],
    layouts: &HashMap<String, (u32, u32)>,
) -> Vec<(usize, usize)> {
    let mut by_room: HashMap<&str, Vec<(u32, usize)>> = HashMap::new();
    for (i, (room, seat)) in seats.iter().enumerate() {
        if let Some(s) = seat {
            by_room.entry(room.as_str()).or_default().push((*s, i));
        }
    }
    let mut pairs = Vec::new();
    for (room, mut list) in by_room {
        list.sort();
        let layout = layouts.get(room).copied();
        for x in 0..list.len() {
            for y in x + 1..list.len() {
                if adjacent(list[x].0, list[y].0, layout) {
                    let (i, j) = (list[x].1.min(list[y].1), list[x].1.max(list[y].1));
                    pairs.push((i, j));
                }
            }
        }
    }
    pairs.sort();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_neighbours_are_the_eight_around() {
        // 3 rows × 4 columns: seat 6 is row 1, column 1
        let l = Some((3, 4));
        let around: Vec<u32> = (1..=12).filter(|&t| adjacent(6, t, l)).collect();
        assert_eq!(around, vec![1, 2, 3, 5, 7, 9, 10, 11]);
        // the end of a row is not next to the start of the following one
        assert!(!adjacent(4, 5, l));
        assert!(adjacent(4, 5, None) && !adjacent(4, 6, None));
    }

    #[test]
    fn pairs_stay_within_rooms() {
        let seats = vec![
            ("P1".to_string(), Some(1)),
            ("P2".to_string(), Some(2)),
            ("P1".to_string(), Some(2)),
            ("P2".to_string(), Some(1)),
            ("P1".to_string(), None),
            ("P1".to_string(), Some(4)),
        ];
        assert_eq!(neighbour_pairs(&seats, &HashMap::new()), vec![(0, 2), (1, 3)]);
        let layouts = HashMap::from([("P1".to_string(), (2, 2))]);
        // 2 × 2: seats 1, 2, 4 are all mutually adjacent
        assert_eq!(neighbour_pairs(&seats, &layouts), vec![(0, 2), (0, 5), (1, 3), (2, 5)]);
    }
}

//! The board's candidate list, read and seated: CSV rows checked one by one, free seats handed
//! out in file order, versions by seat so that neighbours differ. Pure: the caller loads the
//! event's rooms and candidates and stores the result.
//!
//! The CSV has a header row `so_bao_danh,ho_ten,ngay_sinh,phong[,ghe]` (or `number,full_name,
//! date_of_birth,room[,seat]`). An import is all or nothing, so every problem is collected and
//! reported together rather than stopping at the first.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::Serialize;
use sha2::Digest;

use crate::store::candidates::Seated;
use crate::store::entity::{candidate, room};

/// One problem of the file, by line (the header is line 1) and column.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub line: usize,
    /// The row's candidate number, when the row could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The column in its Vietnamese name (`so_bao_danh`, `ho_ten`, `ngay_sinh`, `phong`, `ghe`).
    pub field: Option<&'static str>,
    pub message: String,
}

/// Why nothing was imported.
#[derive(Debug, PartialEq)]
pub enum Refused {
    /// The file is not a CSV with the needed header row.
    Csv(String),
    /// Rows with problems: every one of them.
    Rows(Vec<RowProblem>),
}

/// What is already in the event.
pub struct Event<'a> {
    pub id: &'a str,
    /// The package's version codes.
    pub versions: &'a [String],
    pub rooms: &'a [room::Model],
    pub candidates: &'a [candidate::Model],
}

/// Reads the file and seats every row, or refuses it with every problem found.
pub fn seat(csv: &[u8], event: &Event<'_>) -> Result<Vec<Seated>, Refused> {
    let rooms: HashMap<&str, &room::Model> = event.rooms.iter().map(|r| (r.name.as_str(), r)).collect();
    let mut taken = Taken {
        numbers: event.candidates.iter().map(|c| c.number.clone()).collect(),
        seats: event.candidates.iter().map(|c| (c.room_id.clone(), c.seat)).collect(),
    };
    let mut problems = Vec::new();
    let rows = read_rows(csv, &rooms, &mut taken, &mut problems)?;
    let placed = place(rows, &mut taken, &mut problems);
    if !problems.is_empty() {
        return Err(Refused::Rows(problems));
    }
    let mut per_room: HashMap<&str, Vec<String>> = HashMap::new();
    Ok(placed
        .into_iter()
        .map(|(row, r, seat)| {
            let order =
                per_room.entry(&r.id).or_insert_with(|| room_versions(event.id, &r.name, event.versions));
            Seated {
                number: row.number,
                full_name: row.full_name,
                date_of_birth: row.date_of_birth,
                room_id: r.id.clone(),
                seat,
                version_code: order[(seat as usize - 1) % order.len()].clone(),
                groups: row.groups,
            }
        })
        .collect())
}

/// Version codes of a room in seat order: a seeded shuffle, repeated, so seats `s` and `s+1`
/// always differ when there are at least two versions.
pub fn room_versions(event_id: &str, room_name: &str, codes: &[String]) -> Vec<String> {
    let seed: [u8; 32] = sha2::Sha256::digest(format!("{event_id}\u{0}{room_name}").as_bytes()).into();
    let mut rng = rand::rngs::StdRng::from_seed(seed);
    let mut order = codes.to_vec();
    order.sort();
    order.shuffle(&mut rng);
    order
}

/// Candidate numbers and seats already used (by earlier imports or earlier rows).
struct Taken {
    numbers: HashSet<String>,
    seats: HashSet<(String, i32)>,
}

/// A row that passed its checks; `seat` is `None` when the file left it to us.
struct Row<'r> {
    line: usize,
    number: String,
    full_name: String,
    date_of_birth: String,
    room: &'r room::Model,
    seat: Option<i32>,
    /// The grouping values as stored (crate::grouping).
    groups: Option<String>,
}

/// The positions of the columns, by either header vocabulary.
struct Columns {
    number: usize,
    name: usize,
    dob: usize,
    room: usize,
    seat: Option<usize>,
    /// Optional grouping variables (school, district, region, sex).
    groups: crate::grouping::GroupColumns,
}

impl Columns {
    fn find(headers: &csv::StringRecord) -> Option<Self> {
        let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.to_lowercase().as_str()));
        Some(Self {
            number: col(&["so_bao_danh", "sbd", "number"])?,
            name: col(&["ho_ten", "full_name", "name"])?,
            dob: col(&["ngay_sinh", "date_of_birth", "dob"])?,
            room: col(&["phong", "room"])?,
            seat: col(&["ghe", "seat"]),
            groups: crate::grouping::GroupColumns::find(headers),
        })
    }
}

fn read_rows<'r>(
    csv: &[u8],
    rooms: &HashMap<&str, &'r room::Model>,
    taken: &mut Taken,
    problems: &mut Vec<RowProblem>,
) -> Result<Vec<Row<'r>>, Refused> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(csv);
    let headers = reader.headers().map_err(|e| Refused::Csv(format!("header row: {e}")))?.clone();
    let cols = Columns::find(&headers).ok_or_else(|| {
        Refused::Csv(
            "the header row needs so_bao_danh, ho_ten, ngay_sinh, phong (or number, full_name, date_of_birth, room)"
                .into(),
        )
    })?;
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        match rec {
            Ok(rec) => rows.extend(check_row(line, &rec, &cols, rooms, taken, problems)),
            Err(e) => problems.push(RowProblem { line, number: None, field: None, message: e.to_string() }),
        }
    }
    Ok(rows)
}

/// Checks one record; every problem goes to `problems`, and the row comes back when it has a
/// room and a date of birth (a row with other problems still takes its number and seat, so later
/// rows are checked against it).
/// A name a spreadsheet would run as a formula when the results are opened (`=cmd|…`, `+`, `-`,
/// `@`), or markup or control characters no person's name has: refused with the row's line.
fn hostile_name(name: &str) -> Option<&'static str> {
    if name.starts_with(['=', '+', '-', '@']) {
        return Some("a name cannot start with = + - @ (a spreadsheet would read it as a formula)");
    }
    if name.contains(['<', '>']) || name.chars().any(char::is_control) {
        return Some("a name cannot contain < > or control characters");
    }
    None
}

fn check_row<'r>(
    line: usize,
    rec: &csv::StringRecord,
    cols: &Columns,
    rooms: &HashMap<&str, &'r room::Model>,
    taken: &mut Taken,
    problems: &mut Vec<RowProblem>,
) -> Option<Row<'r>> {
    let get = |c: usize| rec.get(c).unwrap_or("").to_string();
    let (number, full_name, dob, room_name) =
        (get(cols.number), get(cols.name), get(cols.dob), get(cols.room));
    let mut err = |field: &'static str, message: String| {
        problems.push(RowProblem { line, number: Some(number.clone()), field: Some(field), message })
    };
    if number.is_empty() || number.len() > 20 || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
        err("so_bao_danh", "a candidate number is 1–20 letters or digits".into());
    } else if !taken.numbers.insert(number.clone()) {
        err(
            "so_bao_danh",
            format!("candidate number {number} appears twice (in this file or already imported)"),
        );
    }
    if full_name.is_empty() {
        err("ho_ten", "the full name is empty".into());
    } else if let Some(why) = hostile_name(&full_name) {
        err("ho_ten", why.into());
    }
    let date_of_birth = parse_date(&dob);
    if date_of_birth.is_none() {
        err("ngay_sinh", format!("`{dob}` is not a date (YYYY-MM-DD or DD/MM/YYYY)"));
    }
    let room = rooms.get(room_name.as_str()).copied();
    if room.is_none() {
        err("phong", format!("no room named `{room_name}` in this event; create it first"));
    }
    let seat = match cols.seat.map(get).filter(|s| !s.is_empty()) {
        Some(sv) => match sv.parse::<i32>() {
            Ok(n) if n >= 1 && room.is_none_or(|r| n <= r.seats) => Some(n),
            _ => {
                err("ghe", format!("seat `{sv}` is not a seat of room {room_name}"));
                None
            }
        },
        None => None,
    };
    if let (Some(r), Some(seat)) = (room, seat)
        && !taken.seats.insert((r.id.clone(), seat))
    {
        err("ghe", format!("seat {seat} of room {room_name} is taken"));
    }
    let groups = cols.groups.read(rec).unwrap_or_else(|(field, message)| {
        err(field, message);
        None
    });
    Some(Row { line, number, full_name, date_of_birth: date_of_birth?, room: room?, seat, groups })
}

/// Gives rows without a seat the room's first free seat, in file order.
fn place<'r>(
    rows: Vec<Row<'r>>,
    taken: &mut Taken,
    problems: &mut Vec<RowProblem>,
) -> Vec<(Row<'r>, &'r room::Model, i32)> {
    let mut placed = Vec::with_capacity(rows.len());
    for row in rows {
        let r = row.room;
        let seat = row.seat.or_else(|| {
            let free = (1..=r.seats).find(|s| !taken.seats.contains(&(r.id.clone(), *s)))?;
            taken.seats.insert((r.id.clone(), free));
            Some(free)
        });
        match seat {
            Some(seat) => placed.push((row, r, seat)),
            None => problems.push(RowProblem {
                line: row.line,
                number: Some(row.number),
                field: Some("phong"),
                message: format!("room {} has no free seat ({} seats)", r.name, r.seats),
            }),
        }
    }
    placed
}

/// `YYYY-MM-DD` or `DD/MM/YYYY`, as `YYYY-MM-DD`.
fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str, name: &str, seats: i32) -> room::Model {
        room::Model {
            id: id.into(),
            event_id: "E".into(),
            name: name.into(),
            seats,
            created_at: chrono::Utc::now(),
        }
    }

    fn versions() -> Vec<String> {
        vec!["V1".into(), "V2".into(), "V3".into()]
    }

    fn seat_file(csv: &str, rooms: &[room::Model]) -> Result<Vec<Seated>, Refused> {
        let v = versions();
        seat(csv.as_bytes(), &Event { id: "E", versions: &v, rooms, candidates: &[] })
    }

    #[test]
    fn rows_without_a_seat_take_free_seats_in_file_order() {
        let rooms = [room("r1", "P01", 3)];
        let out = seat_file(
            "so_bao_danh,ho_ten,ngay_sinh,phong,ghe\nA1,An,2008-01-02,P01,2\nA2,Binh,03/04/2008,P01,\nA3,Chi,2008-05-06,P01,\n",
            &rooms,
        )
        .unwrap();
        let seats: Vec<(&str, i32)> = out.iter().map(|c| (c.number.as_str(), c.seat)).collect();
        assert_eq!(seats, [("A1", 2), ("A2", 1), ("A3", 3)]);
        assert_eq!(out[1].date_of_birth, "2008-04-03");
        // Neighbouring seats sit different versions.
        let by_seat = |s: i32| out.iter().find(|c| c.seat == s).unwrap().version_code.clone();
        assert_ne!(by_seat(1), by_seat(2));
        assert_ne!(by_seat(2), by_seat(3));
    }

    #[test]
    fn every_problem_is_reported_and_nothing_is_seated() {
        let rooms = [room("r1", "P01", 1)];
        let Err(Refused::Rows(problems)) = seat_file(
            "number,full_name,date_of_birth,room\nA1,An,2008-01-02,P01\nA1,,someday,P09\nB2,Binh,2008-01-02,P01\n",
            &rooms,
        ) else {
            panic!("the file must be refused")
        };
        let fields: Vec<(usize, Option<&str>)> = problems.iter().map(|p| (p.line, p.field)).collect();
        assert_eq!(
            fields,
            [
                (3, Some("so_bao_danh")),
                (3, Some("ho_ten")),
                (3, Some("ngay_sinh")),
                (3, Some("phong")),
                (4, Some("phong"))
            ]
        );
        assert!(problems[4].message.contains("no free seat"), "{problems:?}");
    }

    #[test]
    fn formula_and_markup_names_are_refused_with_their_line() {
        let rooms = [room("r1", "P01", 5)];
        let Err(Refused::Rows(problems)) = seat_file(
            "number,full_name,date_of_birth,room\nA1,=cmd|' /C calc'!A0,2008-01-02,P01\nA2,<script>x</script>,2008-01-02,P01\nA3,Lê Văn-An,2008-01-02,P01\nA4,@SUM(1),2008-01-02,P01\n",
            &rooms,
        ) else {
            panic!("the file must be refused")
        };
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 5], "{problems:?}");
        assert!(problems[0].message.contains("formula"), "{problems:?}");
    }

    #[test]
    fn grouping_columns_are_carried_and_a_bad_one_is_refused_by_line() {
        let rooms = [room("r1", "P01", 5)];
        let out = seat_file(
            "so_bao_danh,ho_ten,ngay_sinh,phong,truong,gioi_tinh\nA1,An,2008-01-02,P01,THPT Kim Liên,nữ\nA2,Bình,2008-01-02,P01,,\n",
            &rooms,
        )
        .unwrap();
        assert_eq!(out[0].groups.as_deref(), Some(r#"{"school":"THPT Kim Liên","sex":"nữ"}"#));
        assert_eq!(out[1].groups, None);
        let Err(Refused::Rows(problems)) =
            seat_file("so_bao_danh,ho_ten,ngay_sinh,phong,truong\nA1,An,2008-01-02,P01,=1+1\n", &rooms)
        else {
            panic!("the file must be refused")
        };
        assert_eq!((problems[0].line, problems[0].field), (2, Some("truong")));
    }

    #[test]
    fn a_file_without_the_columns_is_not_a_candidate_list() {
        let out = seat_file("a,b\n1,2\n", &[room("r1", "P01", 1)]);
        assert!(matches!(out, Err(Refused::Csv(m)) if m.contains("so_bao_danh")));
    }

    #[test]
    fn room_versions_are_a_stable_shuffle() {
        let a = room_versions("E", "P01", &versions());
        assert_eq!(a, room_versions("E", "P01", &versions()));
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, versions());
    }
}

//! Responses CSV: a header row of item ids, optionally a first column `person`; integer cells;
//! empty or `NA` for not presented. Errors name the row (1-based file line) and column.

use std::io::{Read, Write};

use crate::error::IrtError;
use crate::matrix::{MISSING, ResponseMatrix};

mod fast;

/// Reads a responses CSV. See the module documentation for the contract.
pub fn read_responses<R: Read>(r: R) -> Result<ResponseMatrix, IrtError> {
    read_responses_with_columns(r, &[]).map(|(m, _)| m)
}

/// Reads a responses CSV, setting aside the named non-item columns (e.g. a DIF grouping column);
/// their values are returned as strings, one vector per requested column.
///
/// Lines without quotes (the usual export: integer cells, plain ids) are split at commas directly,
/// blocks of them in parallel (`fast.rs`); from the first block with a quote character (or a lone
/// carriage return, which the `csv` crate takes as a line end) on, the `csv` crate reads the rest.
/// Both give the same matrix and the same errors.
pub fn read_responses_with_columns<R: Read>(
    r: R,
    extra: &[&str],
) -> Result<(ResponseMatrix, Vec<Vec<String>>), IrtError> {
    fast::read(r, extra)
}

/// The reader of the `csv` crate, as this module configures it.
fn csv_reader<R: Read>(r: R) -> ::csv::Reader<R> {
    ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(r)
}

/// The header's columns: which are items (with their ids), which are set aside.
struct Columns {
    width: usize,
    has_person: bool,
    item_cols: Vec<usize>,
    item_ids: Vec<String>,
    extra_cols: Vec<usize>,
}

impl Columns {
    fn new(rec: &::csv::ByteRecord, extra: &[&str]) -> Result<Self, IrtError> {
        let header: Vec<String> = rec
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let f = if i == 0 { f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f) } else { f };
                String::from_utf8(f.to_vec()).map_err(|_| IrtError::Csv {
                    row: 1,
                    column: format!("#{}", i + 1),
                    message: "the header is not valid UTF-8".into(),
                })
            })
            .collect::<Result<_, _>>()?;
        let width = header.len();
        let has_person = header.first().is_some_and(|h| h.trim().eq_ignore_ascii_case("person"));
        let mut extra_cols = Vec::with_capacity(extra.len());
        for name in extra {
            let pos = header
                .iter()
                .position(|h| h.trim() == *name)
                .ok_or_else(|| IrtError::CsvFile(format!("no column named '{name}' in the header")))?;
            extra_cols.push(pos);
        }
        let item_cols: Vec<usize> =
            (usize::from(has_person)..width).filter(|c| !extra_cols.contains(c)).collect();
        if item_cols.is_empty() {
            return Err(IrtError::CsvFile("the header has no item columns".into()));
        }
        let item_ids: Vec<String> = item_cols.iter().map(|&c| header[c].clone()).collect();
        for (&c, id) in item_cols.iter().zip(&item_ids) {
            if id.trim().is_empty() {
                return Err(IrtError::Csv {
                    row: 1,
                    column: format!("#{}", c + 1),
                    message: "empty item id".into(),
                });
            }
        }
        Ok(Self { width, has_person, item_cols, item_ids, extra_cols })
    }

    /// Every column is an item column (no person ids, nothing set aside).
    fn items_only(&self) -> bool {
        self.item_cols.len() == self.width
    }
}

/// The records read so far.
struct Rows {
    data: Vec<u8>,
    persons: Vec<String>,
    extras: Vec<Vec<String>>,
    n: usize,
}

impl Rows {
    fn new(cols: &Columns) -> Self {
        Self { data: Vec::new(), persons: Vec::new(), extras: vec![Vec::new(); cols.extra_cols.len()], n: 0 }
    }

    /// One record of file line `line`, `len` fields, `field(i)` the `i`-th; a blank line is skipped.
    fn record<'a>(
        &mut self,
        cols: &Columns,
        len: usize,
        field: impl Fn(usize) -> &'a [u8],
        line: u64,
    ) -> Result<(), IrtError> {
        if len == 1 && field(0).iter().all(u8::is_ascii_whitespace) {
            return Ok(()); // blank line
        }
        let width = cols.width;
        if len != width {
            return Err(IrtError::Csv {
                row: line,
                column: format!("#{}", len.min(width) + 1),
                message: format!("expected {width} fields (as in the header), found {len}"),
            });
        }
        for (k, &c) in cols.item_cols.iter().enumerate() {
            let cell = parse_cell(field(c)).map_err(|message| IrtError::Csv {
                row: line,
                column: format!("'{}' (#{})", cols.item_ids[k], c + 1),
                message,
            })?;
            self.data.push(cell);
        }
        if cols.has_person {
            self.persons.push(String::from_utf8_lossy(field(0)).into_owned());
        }
        for (e, &c) in self.extras.iter_mut().zip(&cols.extra_cols) {
            e.push(String::from_utf8_lossy(field(c)).trim().to_string());
        }
        self.n += 1;
        Ok(())
    }

    /// The records of `other` after these.
    fn append(&mut self, other: Rows) {
        self.data.extend_from_slice(&other.data);
        self.persons.extend(other.persons);
        for (a, b) in self.extras.iter_mut().zip(other.extras) {
            a.extend(b);
        }
        self.n += other.n;
    }

    /// The remaining records of `rdr`, whose line 1 is file line `shift + 1`.
    fn read_rest<R: Read>(
        &mut self,
        cols: &Columns,
        rdr: &mut ::csv::Reader<R>,
        shift: u64,
    ) -> Result<(), IrtError> {
        let mut rec = ::csv::ByteRecord::new();
        let shifted = |e: IrtError| match e {
            IrtError::Csv { row, column, message } => IrtError::Csv { row: row + shift, column, message },
            e => e,
        };
        while rdr.read_byte_record(&mut rec).map_err(|e| shifted(csv_err(e)))? {
            let line = rec.position().map_or(self.n as u64 + 2, |p| p.line()) + shift;
            self.record(cols, rec.len(), |i| &rec[i], line)?;
        }
        Ok(())
    }

    /// The matrix; an item nobody answered is an error.
    fn finish(self, cols: Columns) -> Result<(ResponseMatrix, Vec<Vec<String>>), IrtError> {
        let Columns { has_person, item_cols, item_ids, .. } = cols;
        let m = ResponseMatrix::new(item_ids, has_person.then_some(self.persons), self.n, self.data)?;
        for (j, c) in m.answered_counts().into_iter().enumerate() {
            if c == 0 {
                return Err(IrtError::Csv {
                    row: 1,
                    column: format!("'{}' (#{})", m.item_ids()[j], item_cols[j] + 1),
                    message: "nobody answered this item (every cell is empty or NA)".into(),
                });
            }
        }
        Ok((m, self.extras))
    }
}

/// The whole file through the `csv` crate (a header with quotes, or no line end in the first block).
fn read_with_csv_crate<R: Read>(
    r: R,
    extra: &[&str],
) -> Result<(ResponseMatrix, Vec<Vec<String>>), IrtError> {
    let mut rdr = csv_reader(r);
    let mut rec = ::csv::ByteRecord::new();
    let got = rdr.read_byte_record(&mut rec).map_err(csv_err)?;
    if !got {
        return Err(IrtError::CsvFile("the file is empty (a header row of item ids is needed)".into()));
    }
    let cols = Columns::new(&rec, extra)?;
    let mut rows = Rows::new(&cols);
    rows.read_rest(&cols, &mut rdr, 0)?;
    rows.finish(cols)
}

#[inline]
fn parse_cell(f: &[u8]) -> Result<u8, String> {
    match f {
        [] => return Ok(MISSING),
        [d] if d.is_ascii_digit() => return Ok(d - b'0'),
        _ => {}
    }
    let t = f.trim_ascii();
    if t.is_empty() || t.eq_ignore_ascii_case(b"NA") {
        return Ok(MISSING);
    }
    let mut v: u32 = 0;
    for &d in t {
        if !d.is_ascii_digit() {
            return Err(format!("'{}' is not a non-negative integer score", String::from_utf8_lossy(t)));
        }
        v = v * 10 + u32::from(d - b'0');
        if v >= u32::from(MISSING) {
            return Err(format!("score {} is out of range (0–254)", String::from_utf8_lossy(t)));
        }
    }
    Ok(v as u8)
}

fn csv_err(e: ::csv::Error) -> IrtError {
    let row = e.position().map(|p| p.line());
    match (row, e.into_kind()) {
        (_, ::csv::ErrorKind::Io(io)) => IrtError::Io(io),
        (Some(row), kind) => IrtError::Csv { row, column: "?".into(), message: format!("{kind:?}") },
        (None, kind) => IrtError::CsvFile(format!("{kind:?}")),
    }
}

/// Writes a responses CSV (person column when the matrix has person ids; missing as empty).
pub fn write_responses<W: Write>(m: &ResponseMatrix, w: W) -> Result<(), IrtError> {
    let mut wtr = ::csv::WriterBuilder::new().from_writer(w);
    let persons = m.person_ids();
    if persons.is_some() {
        wtr.write_field("person").map_err(csv_write)?;
    }
    for id in m.item_ids() {
        wtr.write_field(id).map_err(csv_write)?;
    }
    wtr.write_record(None::<&[u8]>).map_err(csv_write)?;
    let mut inner = wtr.into_inner().map_err(|e| IrtError::Io(e.into_error()))?;
    // Cells are plain integers: write them directly, much faster than field-by-field quoting checks.
    let mut buf = Vec::with_capacity(1 << 16);
    let n = m.n_items();
    for p in 0..m.n_persons() {
        if let Some(ids) = persons {
            let mut one = ::csv::WriterBuilder::new().from_writer(Vec::new());
            one.write_field(&ids[p]).map_err(csv_write)?;
            one.flush()?;
            buf.extend_from_slice(&one.into_inner().map_err(|e| IrtError::Io(e.into_error()))?);
            buf.push(b',');
        }
        for (j, &x) in m.row(p).iter().enumerate() {
            if x == MISSING {
                if n == 1 && persons.is_none() {
                    buf.extend_from_slice(b"NA"); // an empty line would be skipped by readers
                }
            } else {
                if x >= 100 {
                    buf.push(b'0' + x / 100);
                }
                if x >= 10 {
                    buf.push(b'0' + (x / 10) % 10);
                }
                buf.push(b'0' + x % 10);
            }
            buf.push(if j + 1 == n { b'\n' } else { b',' });
        }
        if buf.len() > (1 << 16) - 4096 {
            inner.write_all(&buf)?;
            buf.clear();
        }
    }
    inner.write_all(&buf)?;
    inner.flush()?;
    Ok(())
}

fn csv_write(e: ::csv::Error) -> IrtError {
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => IrtError::Io(io),
        k => IrtError::CsvFile(format!("{k:?}")),
    }
}

/// Reads a CSV of chosen options (any short labels such as `A`–`D`; empty or `NA` = omitted) with
/// the same header contract as responses. Returns the option-index matrix and, per item, the
/// sorted option labels that the indices refer to.
pub fn read_choices<R: Read>(r: R) -> Result<(ResponseMatrix, Vec<Vec<String>>), IrtError> {
    let mut rdr = ::csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(r);
    let header: Vec<String> = rdr.headers().map_err(csv_err)?.iter().map(str::to_string).collect();
    let has_person = header.first().is_some_and(|h| h.trim().eq_ignore_ascii_case("person"));
    let start = usize::from(has_person);
    let ids: Vec<String> = header[start..].to_vec();
    let mut raw: Vec<Vec<String>> = Vec::new();
    let mut persons = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        if has_person {
            persons.push(rec[0].to_string());
        }
        raw.push(rec.iter().skip(start).map(|s| s.trim().to_string()).collect());
    }
    let n = ids.len();
    let mut labels: Vec<Vec<String>> = vec![Vec::new(); n];
    for row in &raw {
        for (j, v) in row.iter().enumerate() {
            if !v.is_empty() && !v.eq_ignore_ascii_case("NA") && !labels[j].contains(v) {
                labels[j].push(v.clone());
            }
        }
    }
    for l in &mut labels {
        l.sort();
        if l.len() >= MISSING as usize {
            return Err(IrtError::CsvFile("too many distinct options in one column".into()));
        }
    }
    let mut data = Vec::with_capacity(raw.len() * n);
    for row in &raw {
        for (j, v) in row.iter().enumerate() {
            data.push(labels[j].iter().position(|l| l == v).map_or(MISSING, |i| i as u8));
        }
    }
    let m = ResponseMatrix::new(ids, has_person.then_some(persons), raw.len(), data)?;
    Ok((m, labels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_contract() {
        let text = "person,Q 1,toan@2,\"x,y\"\np1,1,0,NA\np2,,1, 1 \n";
        let m = read_responses(text.as_bytes()).unwrap();
        assert_eq!(m.item_ids(), &["Q 1", "toan@2", "x,y"]);
        assert_eq!(m.person_ids().unwrap(), &["p1", "p2"]);
        assert_eq!(m.row(0), &[1, 0, MISSING]);
        assert_eq!(m.row(1), &[MISSING, 1, 1]);
        let no_person = read_responses("a,b\n1,4\n0,0\n".as_bytes()).unwrap();
        assert!(no_person.person_ids().is_none());
        assert_eq!(no_person.get(0, 1), 4);
    }

    #[test]
    fn errors_name_row_and_column() {
        let e = read_responses("a,b\n1,0\n1\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("row 3"), "{e}");
        let e = read_responses("a,b\n1,0\n1,x\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("row 3") && e.contains("'b'") && e.contains("'x'"), "{e}");
        let e = read_responses("a,b\n1,\n0,NA\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("'b'") && e.contains("nobody"), "{e}");
        let e = read_responses("a,b\n1,0.5\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("0.5"), "{e}");
        let e = read_responses("a,b\n1,-1\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("-1"), "{e}");
        assert!(read_responses("".as_bytes()).is_err());
    }

    #[test]
    fn extra_columns_are_set_aside() {
        let text = "person,group,a,b\np1,F,1,0\np2,M,0,1\n";
        let (m, extra) = read_responses_with_columns(text.as_bytes(), &["group"]).unwrap();
        assert_eq!(m.item_ids(), &["a", "b"]);
        assert_eq!(extra[0], vec!["F", "M"]);
    }

    #[test]
    fn choices_are_indexed_by_sorted_label() {
        let (m, labels) = read_choices("q1,q2\nB,A\nA,\nC,D\n".as_bytes()).unwrap();
        assert_eq!(labels[0], vec!["A", "B", "C"]);
        assert_eq!(m.row(0), &[1, 0]);
        assert_eq!(m.row(1), &[0, MISSING]);
    }

    fn arb_matrix() -> impl Strategy<Value = ResponseMatrix> {
        (1usize..6, 1usize..20, any::<bool>()).prop_flat_map(|(items, persons, with_ids)| {
            prop::collection::vec(prop_oneof![Just(MISSING), 0u8..=254], items * persons).prop_map(
                move |mut data| {
                    for j in 0..items {
                        data[j] = (j % 3) as u8; // every item answered at least once
                    }
                    let ids = (0..items).map(|j| format!("it {j},\"v\"@{j}")).collect();
                    let pids = with_ids.then(|| (0..persons).map(|p| format!("p{p}")).collect());
                    ResponseMatrix::new(ids, pids, persons, data).unwrap()
                },
            )
        })
    }

    proptest! {
        #[test]
        fn write_then_read_round_trips(m in arb_matrix()) {
            let mut buf = Vec::new();
            write_responses(&m, &mut buf).unwrap();
            let back = read_responses(buf.as_slice()).unwrap();
            prop_assert_eq!(back, m);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = read_responses(bytes.as_slice());
        }
    }
}

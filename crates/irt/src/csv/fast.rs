//! The responses CSV without quotes: a line is a record and a comma ends a field, exactly as the
//! `csv` crate reads such text, so lines are split directly — a line of one-digit scores (the
//! usual 0/1 export) in one pass, without per-field work — and blocks of lines are parsed in
//! parallel. 1,000,000 × 50 (100 MB) took 1.3–2.6 s through the `csv` crate, the most of a
//! calibration's end to end after the EM. The first block that has a quote character or a lone
//! carriage return (a line end for the `csv` crate) is handed, with the rest of the input, to the
//! `csv` crate, so quoted fields keep their meaning and every error names the same row and column.

use std::io::{Cursor, Read};

use rayon::prelude::*;

use super::{Columns, Rows, csv_err, csv_reader, read_with_csv_crate};
use crate::error::IrtError;
use crate::matrix::ResponseMatrix;

/// Bytes read at a time (the memory the reader holds besides the matrix).
const BLOCK: usize = 8 << 20;

/// Smallest piece of a block parsed by one task.
const PIECE: usize = 256 << 10;

pub(super) fn read<R: Read>(
    mut r: R,
    extra: &[&str],
) -> Result<(ResponseMatrix, Vec<Vec<String>>), IrtError> {
    let mut buf = Vec::with_capacity(BLOCK);
    let mut eof = fill(&mut r, &mut buf)?;
    let header_end = buf.iter().position(|&b| b == b'\n').map(|i| i + 1);
    let header_line = &buf[..header_end.unwrap_or(buf.len())];
    let blank = header_line.iter().all(|&b| b == b'\r' || b == b'\n');
    if (header_end.is_none() && !eof) || blank || !plain(header_line) {
        // an empty first line (the `csv` crate skips it), quotes or a line longer than a block
        return read_with_csv_crate(Cursor::new(buf).chain(r), extra);
    }
    let header_end = header_end.unwrap_or(buf.len());
    let mut rec = ::csv::ByteRecord::new();
    csv_reader(&buf[..header_end]).read_byte_record(&mut rec).map_err(csv_err)?;
    let cols = Columns::new(&rec, extra)?;
    let mut rows = Rows::new(&cols);
    buf.drain(..header_end);
    // the file line of `buf`'s first byte
    let mut line = 2u64;
    loop {
        let end = if eof { buf.len() } else { buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) };
        if !plain(&buf[..end]) {
            let mut rdr = csv_reader(Cursor::new(std::mem::take(&mut buf)).chain(r));
            rows.read_rest(&cols, &mut rdr, line - 1)?;
            return rows.finish(cols);
        }
        line += parse_block(&buf[..end], &cols, &mut rows, line)?;
        buf.drain(..end);
        if eof {
            break;
        }
        eof = fill(&mut r, &mut buf)?;
    }
    rows.finish(cols)
}

/// Appends up to [`BLOCK`] bytes of `r` to `buf`; `true` at the end of the input.
fn fill<R: Read>(r: &mut R, buf: &mut Vec<u8>) -> Result<bool, IrtError> {
    let target = buf.len() + BLOCK;
    while buf.len() < target {
        let got = r.by_ref().take((target - buf.len()) as u64).read_to_end(buf)?;
        if got == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// No quote character, and every carriage return ends a line (`\r\n`, or the last byte).
fn plain(b: &[u8]) -> bool {
    if b.contains(&b'"') {
        return false;
    }
    if !b.contains(&b'\r') {
        return true;
    }
    let mut at = 0;
    while let Some(i) = b[at..].iter().position(|&x| x == b'\r') {
        let i = at + i;
        if i + 1 < b.len() && b[i + 1] != b'\n' {
            return false;
        }
        at = i + 1;
    }
    true
}

/// The records of whole lines `b` (the first is file line `first_line`), in parallel pieces;
/// returns the number of line ends in `b`. The first error in file order is returned.
fn parse_block(b: &[u8], cols: &Columns, rows: &mut Rows, first_line: u64) -> Result<u64, IrtError> {
    let n_pieces = (b.len() / PIECE).clamp(1, rayon::current_num_threads() * 4);
    let mut pieces = Vec::with_capacity(n_pieces);
    let mut start = 0;
    for k in 1..=n_pieces {
        let mut end = (b.len() * k / n_pieces).max(start);
        if k < n_pieces {
            end = b[end..].iter().position(|&x| x == b'\n').map_or(b.len(), |i| end + i + 1);
        } else {
            end = b.len();
        }
        pieces.push(&b[start..end]);
        start = end;
    }
    let counts: Vec<u64> =
        pieces.par_iter().map(|p| p.iter().filter(|&&x| x == b'\n').count() as u64).collect();
    let firsts: Vec<u64> = counts
        .iter()
        .scan(first_line, |next, &c| {
            let here = *next;
            *next += c;
            Some(here)
        })
        .collect();
    let parsed: Vec<Result<Rows, IrtError>> =
        pieces.par_iter().zip(&firsts).map(|(p, &first)| parse_piece(p, cols, first)).collect();
    for piece in parsed {
        rows.append(piece?);
    }
    Ok(counts.iter().sum())
}

/// The records of the lines `b`, the first being file line `first_line`.
fn parse_piece(b: &[u8], cols: &Columns, first_line: u64) -> Result<Rows, IrtError> {
    let mut rows = Rows::new(cols);
    let digits_only = cols.items_only();
    // a line of one-digit cells, without its line end
    let short = 2 * cols.width - 1;
    if digits_only {
        rows.data.reserve(b.len() / 2 + cols.width);
    }
    let mut fields: Vec<&[u8]> = Vec::with_capacity(cols.width);
    let (mut at, mut line_no) = (0, first_line);
    while at < b.len() {
        if digits_only
            && b.get(at + short) == Some(&b'\n')
            && one_digit_cells(&b[at..at + short], &mut rows.data)
        {
            rows.n += 1;
            (at, line_no) = (at + short + 1, line_no + 1);
            continue;
        }
        let end = b[at..].iter().position(|&x| x == b'\n').map_or(b.len(), |i| at + i);
        let line = &b[at..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if digits_only && line.len() == short && one_digit_cells(line, &mut rows.data) {
            rows.n += 1;
        } else {
            fields.clear();
            fields.extend(line.split(|&x| x == b','));
            rows.record(cols, fields.len(), |i| fields[i], line_no)?;
        }
        (at, line_no) = (end + 1, line_no + 1);
    }
    Ok(rows)
}

/// A line of one-digit cells (`d,d,…,d`, odd length): their scores appended to `out`, `true`;
/// else nothing appended, `false` (the line is read field by field).
#[inline]
fn one_digit_cells(line: &[u8], out: &mut Vec<u8>) -> bool {
    let (body, last) = line.split_at(line.len() - 1);
    let ok = body
        .chunks_exact(2)
        .fold(last[0].is_ascii_digit(), |ok, p| ok & p[0].is_ascii_digit() & (p[1] == b','));
    if ok {
        out.extend(body.chunks_exact(2).map(|p| p[0] - b'0'));
        out.push(last[0] - b'0');
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::super::{read_responses, read_responses_with_columns};
    use super::*;
    use proptest::prelude::*;

    /// The result (or the error's text) through the `csv` crate alone.
    fn by_csv_crate(text: &[u8], extra: &[&str]) -> Result<(ResponseMatrix, Vec<Vec<String>>), String> {
        read_with_csv_crate(text, extra).map_err(|e| e.to_string())
    }

    fn by_fast_path(text: &[u8], extra: &[&str]) -> Result<(ResponseMatrix, Vec<Vec<String>>), String> {
        read_responses_with_columns(text, extra).map_err(|e| e.to_string())
    }

    #[test]
    fn line_ends_blank_lines_and_quotes_read_as_the_csv_crate_reads_them() {
        for text in [
            "a,b\r\n1,0\r\n\r\n0,1\r\n",
            "a,b\n1,0\n   \n0,1",
            "a,b\r1,0\r0,1\r",
            "\na,b\n1,0\n",
            "a,b\n1,0\n\"1\",0\n0,1\n",
            "\u{feff}a,b\n1,0\n",
            "a,b\n1,0\n1,0,1\n",
            "a,b\n1,0\n1,x\n",
            "a\n\n1\n",
            "a,b\n10,0\n 1 ,NA\n,1\n",
            "a,b\n",
            "",
        ] {
            assert_eq!(by_fast_path(text.as_bytes(), &[]), by_csv_crate(text.as_bytes(), &[]), "{text:?}");
        }
        let text = "person,g,a\np1,F,1\np2,M,0\n";
        assert_eq!(by_fast_path(text.as_bytes(), &["g"]), by_csv_crate(text.as_bytes(), &["g"]));
    }

    /// Large enough for several blocks and pieces: errors name the file line, quotes late in the
    /// file switch to the `csv` crate with the right line numbers.
    #[test]
    fn many_blocks_keep_line_numbers() {
        let width = 40;
        let row: String = (0..width)
            .map(|j| ((j % 3) as u8 + b'0') as char)
            .map(String::from)
            .collect::<Vec<_>>()
            .join(",");
        let header: String = (0..width).map(|j| format!("i{j}")).collect::<Vec<_>>().join(",");
        let n = (2 * BLOCK) / row.len() + 1000;
        let mut text = header.clone() + "\n";
        for _ in 0..n {
            text += &row;
            text.push('\n');
        }
        let (m, _) = by_fast_path(text.as_bytes(), &[]).expect("reads");
        assert_eq!(m.n_persons(), n);
        for bad_line in [3u64, n as u64 / 2, n as u64 + 1] {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines[bad_line as usize - 1] = row.replacen('1', "7x", 1);
            let bad = lines.join("\n");
            let e = by_fast_path(bad.as_bytes(), &[]).unwrap_err();
            assert!(e.contains(&format!("row {bad_line},")), "{bad_line}: {e}");
            assert_eq!(Err(e), by_csv_crate(bad.as_bytes(), &[]));
            lines[bad_line as usize - 1] =
                row.split(',').map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(",");
            lines[n] = row.replacen('0', "9x", 1);
            let quoted = lines.join("\n");
            assert_eq!(by_fast_path(quoted.as_bytes(), &[]), by_csv_crate(quoted.as_bytes(), &[]));
        }
        assert_eq!(read_responses(text.as_bytes()).expect("reads"), m);
    }

    /// An error's text without its row, and the row.
    fn split_row(e: &str) -> (String, u64) {
        let Some(at) = e.find("row ") else { return (e.to_string(), 0) };
        let digits: String = e[at + 4..].chars().take_while(char::is_ascii_digit).collect();
        (format!("{}{}", &e[..at], &e[at + 4 + digits.len()..]), digits.parse().unwrap_or(0))
    }

    /// The `csv` crate names the line after a skipped empty line one too low; this reader names
    /// the file's line.
    #[test]
    fn errors_after_empty_lines_name_the_file_line() {
        let e = by_fast_path(b"a,b\n1,0\n\n\n1\n", &[]).unwrap_err();
        assert!(e.contains("row 5,"), "{e}");
    }

    proptest! {
        /// Any text of digits, commas, spaces, `NA`, quotes and line ends: the same matrix or the
        /// same error as the `csv` crate (at the file's line, which is the `csv` crate's or, after
        /// empty lines, below it).
        #[test]
        fn same_as_the_csv_crate(body in "[0-9,\\n\\r \"NAx]{0,120}", person in any::<bool>()) {
            let header = if person { "person,a,b,c\n" } else { "a,b,c\n" };
            let text = format!("{header}{body}");
            match (by_fast_path(text.as_bytes(), &[]), by_csv_crate(text.as_bytes(), &[])) {
                (Err(f), Err(c)) => {
                    let ((f, fr), (c, cr)) = (split_row(&f), split_row(&c));
                    prop_assert_eq!(f, c);
                    prop_assert!(fr >= cr, "row {} against the csv crate's {}", fr, cr);
                }
                (f, c) => prop_assert_eq!(f, c),
            }
        }
    }
}

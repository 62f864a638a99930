//! Spreadsheets (`.xlsx`): the writers' template, reading items from a sheet with the same per-row
//! report as CSV, and a filtered item list for boards. Read with calamine and written with
//! rust_xlsxwriter (both maintained, pure Rust); every file is bounded by [`check_zip`] first.

pub(crate) mod guard;
mod read;
mod write;

pub use guard::{ZipLimits, check_zip};
pub use read::{MAX_XLSX_COLUMNS, MAX_XLSX_ROWS, parse_xlsx};
pub use write::{ITEMS_SHEET, TOPICS_SHEET, TopicRow, write_xlsx, write_xlsx_records, xlsx_template};

#[cfg(test)]
pub(crate) use guard::tests as guard_tests;
#[cfg(test)]
mod tests;

//! End-to-end tests of the browser pages in headless Chromium (WebDriver via fantoccini) against
//! the delivery server run as a separate process. Chromium and ChromeDriver must be installed
//! (Debian's `chromium` and `chromium-driver`); without them the tests fail, unless
//! `KHAOTHI_SKIP_BROWSER=1`. Screenshots of the main steps go to `target/screenshots/`. Chromium,
//! ChromeDriver, axe and the page helpers are the shared harness (`khaothi_testkit::browser`, the
//! bank's too); `harness.rs` adds the delivery server's process and the candidate's steps.
//!
//! The proctor tests (`proctor.rs`) drive `/ws/proctor` and the candidate's pause/resume/terminate
//! messages (issue 6), in their own test functions.

mod adaptive;
mod candidate;
mod console;
mod content_cache;
mod exam_day;
mod harness;
mod pages;
mod paper;
mod paper_scans;
mod proctor;
mod proctor_alarm;
mod proctor_drain;
mod proctor_lab;
mod proctor_paper;
mod proctor_sheets;

/// Scanned answer sheets, shared with the API tests.
#[path = "../support/scans.rs"]
mod scans;

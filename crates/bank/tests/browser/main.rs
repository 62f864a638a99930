//! The bank's pages in a real Chromium, the bank running as its own process: the writer's and the
//! reviewer's work through the pages only, an edit conflict between two browsers, hostile item
//! text, and an axe-core scan of every page. Screenshots go to target/screenshots/bank/.

mod board;
mod harness;
mod import;
mod pages;
mod stimulus;
mod writer;

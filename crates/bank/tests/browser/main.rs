//! The bank's pages in a real Chromium, the bank running as its own process: the writer's and the
//! reviewer's work through the pages only, an edit conflict between two browsers, hostile item
//! text, and an axe-core scan of every page. Screenshots go to target/screenshots/bank/.

mod board;
mod control_room;
mod e2e;
mod harness;
mod import;
mod keyboard;
mod pages;
mod paper;
mod print_cookie;
mod stimulus;
mod verify;
mod verify_photo;
mod writer;

#[path = "../support/sites.rs"]
mod sites;

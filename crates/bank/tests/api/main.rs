//! The bank's integration tests: each test starts the real server on port 0 with a fresh database
//! and talks HTTP to it, once on SQLite and once on PostgreSQL.

mod common;
#[path = "../support/sites.rs"]
mod sites;

mod answer_sheets;
mod assembly;
use assembly as api_assembly;
mod authoring;
mod authorization_matrix;
mod bad_input;
mod blueprint_check;
mod blueprint_update;
mod board_views;
mod calibration;
mod calibration_adopt;
mod calibration_jobs;
mod calibration_link;
mod cat;
mod certificates;
mod concurrent_writes;
mod confidentiality;
mod control_room;
mod enemies;
mod file_modes;
mod form_docx;
mod import;
mod import_formats;
mod import_preview;
mod integrity;
mod item_list_counts;
mod no_versions;
mod observability;
mod openapi;
mod openapi_spec;
mod option_letters;
mod packages;
mod paper;
mod print_cookie;
mod qti_packages;
mod results;
mod roles;
mod search;
mod security_flood;
mod security_tokens;
mod stimulus_review;
mod stimulus_views;
mod workflow;

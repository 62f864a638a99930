//! Bank tables. Relations are resolved in queries rather than through sea-orm relation types: the
//! queries are few and explicit, which keeps both SQLite and PostgreSQL plans obvious.

pub mod assembly_job;
pub mod audit_log;
pub mod blueprint;
pub mod calibration_job;
pub mod calibration_run;
pub mod cat_simulation_job;
pub mod cert_key;
pub mod cert_revocation;
pub mod cert_transcript_set;
pub mod control_room_schedule;
pub mod enemy_pair;
pub mod form;
pub mod form_stimulus;
pub mod item;
pub mod item_calibration;
pub mod item_exposure;
pub mod item_version;
pub mod media;
pub mod org_setting;
pub mod organisation;
pub mod package;
pub mod paper_flag;
pub mod paper_sheet;
pub mod paper_sitting;
pub mod refresh_token;
pub mod response_set;
pub mod result_import;
pub mod review_event;
pub mod site_report;
pub mod site_report_latest;
pub mod stimulus;
pub mod stimulus_version;
pub mod trusted_site;
pub mod user;

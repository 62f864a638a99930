pub mod analyze;
pub mod bank;
pub mod calibrate;
pub mod demo;
pub mod import;
pub mod migrate;
pub mod score;
pub mod simulate;

pub mod admin;
pub mod auth;
pub mod health;
pub mod import;
pub mod items;
pub mod media;
pub mod review;
pub mod stimuli;

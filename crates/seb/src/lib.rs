//! Safe Exam Browser (SEB) support, pure (no I/O, no clock, no randomness of its own): what the
//! delivery server needs to require SEB for an event.
//!
//! - [`plist`]: SEB settings as a property list, read and written;
//! - [`config_key`]: the Config Key of settings (SHA-256 of their SEB-JSON);
//! - [`file`]: `.seb` files — plain XML, `plnd` (gzip'ed) and `pswd` (password-encrypted,
//!   [`rncryptor`]) — read and written, bounded against hostile uploads;
//! - [`hashes`]: the per-URL hashes SEB sends (headers or its JavaScript API) and their check;
//! - [`exam`]: the settings khaothi generates for an event's lab computers.
//!
//! The Config Key is a configuration check, not authentication: see [`hashes`].

pub mod config_key;
pub mod exam;
pub mod file;
pub mod hashes;
pub mod plist;
pub mod rncryptor;

pub use config_key::{config_key, seb_json};
pub use plist::{Dict, Value};

/// Why SEB settings or a `.seb` file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a SEB settings property list: {0}")]
    Plist(String),
    #[error("not a .seb file: {0}")]
    Format(String),
    #[error("the .seb file is encrypted with a password: give the password")]
    PasswordNeeded,
    #[error("the password does not open this .seb file (or the file is damaged)")]
    WrongPassword,
    #[error("the encrypted .seb data cannot be read: {0}")]
    Encrypted(String),
    #[error(
        "the .seb file is encrypted for a certificate on the exam computers; save it with a password or unencrypted for the server"
    )]
    Certificate,
    #[error("the .seb file unpacks to more than {0} bytes")]
    TooLarge(u64),
    #[error("{0}")]
    Settings(String),
}

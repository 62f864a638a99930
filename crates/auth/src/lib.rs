//! Who may do what. Passwords are argon2id hashes; access tokens are short-lived HS256 JWTs carrying
//! the user's role and organisation; refresh tokens are random, stored hashed and good once.
//! Handlers take a [`CurrentUser`] and call [`CurrentUser::require`] with the roles the route allows.

pub mod cookie;
mod extract;
mod limiter;
mod openapi;
mod password;
mod pool;
mod private_files;
mod secret;
mod token;

pub use extract::{AuthError, ClientSource, CurrentUser, CurrentUserOrCookie, authenticate};
pub use limiter::LoginLimiter;
pub use openapi::{BearerAuth, LoginRequest, LogoutResponse, RefreshRequest};
pub use password::{generate_password, hash_password, verify_password};
pub use pool::{Busy, PasswordPool};
pub use private_files::{
    create_private_dir, create_private_file, loose_data_files, looser_than_private, prepare_private_data_dir,
    sqlite_file, sqlite_files,
};
pub use secret::{load_or_create_private_text, load_or_create_secret, replace_private, write_private};
pub use token::{AccountCheck, AccountNow, BANK_SERVICE, Claims, DELIVERY_SERVICE, JwtKeys, RefreshToken};

use serde::{Deserialize, Serialize};

/// Roles are held within an organisation (DESIGN §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    ItemWriter,
    Reviewer,
    ExamBoard,
    Proctor,
    Candidate,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Self::Admin, Self::ItemWriter, Self::Reviewer, Self::ExamBoard, Self::Proctor, Self::Candidate];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::ItemWriter => "item_writer",
            Self::Reviewer => "reviewer",
            Self::ExamBoard => "exam_board",
            Self::Proctor => "proctor",
            Self::Candidate => "candidate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::Role;

/// What an access token's holder is now, read from the service's store on every use: a
/// deactivated account or a changed role ends its tokens at once, not when they expire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountNow {
    pub active: bool,
    pub role: String,
}

/// The service's look-up of an account by id (`Ok(None)`: no such account).
pub trait AccountCheck: Send + Sync {
    fn account<'a>(
        &'a self,
        user_id: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Option<AccountNow>, String>> + Send + 'a>>;
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// User id.
    pub sub: String,
    pub username: String,
    pub role: Role,
    pub org: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The service that issued the token (`khaothi-bank`, `khaothi-delivery`).
    pub iss: String,
    /// The service the token is good for: the issuer itself. A bank token is refused by a
    /// delivery server and the other way round, even when both were given the same secret.
    pub aud: String,
}

/// The bank's issuer and audience.
pub const BANK_SERVICE: &str = "khaothi-bank";
/// A delivery server's issuer and audience.
pub const DELIVERY_SERVICE: &str = "khaothi-delivery";

/// Signing keys and lifetimes, built once from configuration.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl: chrono::Duration,
    pub refresh_ttl: chrono::Duration,
    /// Issuer and audience of this service's tokens.
    service: &'static str,
    /// Whether an account may still use its tokens (set by the service; see [`AccountCheck`]).
    accounts: Option<Arc<dyn AccountCheck>>,
}

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl: chrono::Duration, refresh_ttl: chrono::Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl,
            refresh_ttl,
            service: BANK_SERVICE,
            accounts: None,
        }
    }

    /// The same keys for `service` (its tokens name it as issuer and audience; others' are refused).
    pub fn for_service(mut self, service: &'static str) -> Self {
        self.service = service;
        self
    }

    /// The same keys, with every access token re-checked against the account on use.
    pub fn with_accounts(mut self, accounts: Arc<dyn AccountCheck>) -> Self {
        self.accounts = Some(accounts);
        self
    }

    pub fn service(&self) -> &'static str {
        self.service
    }

    /// The account as it is now, when the service gave a check; `None` when it did not.
    pub async fn account_now(&self, user_id: &str) -> Option<Result<Option<AccountNow>, String>> {
        match &self.accounts {
            Some(a) => Some(a.account(user_id).await),
            None => None,
        }
    }

    pub fn issue(&self, user_id: &str, username: &str, role: Role, org: &str) -> (String, Claims) {
        let now = chrono::Utc::now();
        let claims = Claims {
            sub: user_id.to_string(),
            username: username.to_string(),
            role,
            org: org.to_string(),
            iat: now.timestamp(),
            exp: (now + self.access_ttl).timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
            iss: self.service.to_string(),
            aud: self.service.to_string(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).expect("HS256 encoding");
        (token, claims)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 5;
        v.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        v.set_issuer(&[self.service]);
        v.set_audience(&[self.service]);
        decode::<Claims>(token, &self.decoding, &v).map(|d| d.claims)
    }
}

/// A refresh token: the secret goes to the client, only its hash is stored.
pub struct RefreshToken {
    pub token: String,
    pub hash: String,
}

impl RefreshToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let hash = Self::hash(&token);
        Self { token, hash }
    }

    pub fn hash(token: &str) -> String {
        hex::encode(Sha256::digest(token.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_forgeries_fail() {
        let keys = JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            chrono::Duration::minutes(15),
            chrono::Duration::days(1),
        );
        let (t, c) = keys.issue("u1", "writer", Role::ItemWriter, "default");
        assert_eq!(keys.verify(&t).unwrap(), c);
        let other = JwtKeys::new(
            b"another secret another secret !!",
            chrono::Duration::minutes(15),
            chrono::Duration::days(1),
        );
        assert!(other.verify(&t).is_err());
        let delivery = JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            chrono::Duration::minutes(15),
            chrono::Duration::days(1),
        )
        .for_service(DELIVERY_SERVICE);
        assert!(delivery.verify(&t).is_err(), "a bank token is refused by delivery with the same secret");
        let (d, _) = delivery.issue("u1", "board", Role::ExamBoard, "default");
        assert!(keys.verify(&d).is_err(), "a delivery token is refused by the bank with the same secret");
        assert!(delivery.verify(&d).is_ok());
        let expired = JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            chrono::Duration::seconds(-60),
            chrono::Duration::days(1),
        );
        let (t, _) = expired.issue("u1", "writer", Role::ItemWriter, "default");
        assert!(keys.verify(&t).is_err());
    }
}

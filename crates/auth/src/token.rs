use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Role;

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
}

/// Signing keys and lifetimes, built once from configuration.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl: chrono::Duration,
    pub refresh_ttl: chrono::Duration,
}

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl: chrono::Duration, refresh_ttl: chrono::Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl,
            refresh_ttl,
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
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).expect("HS256 encoding");
        (token, claims)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 5;
        v.set_required_spec_claims(&["exp", "sub"]);
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
        let expired = JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            chrono::Duration::seconds(-60),
            chrono::Duration::days(1),
        );
        let (t, _) = expired.issue("u1", "writer", Role::ItemWriter, "default");
        assert!(keys.verify(&t).is_err());
    }
}

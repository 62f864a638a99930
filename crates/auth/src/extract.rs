use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use khaothi_http::ApiError;

use crate::{Claims, JwtKeys, Role};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no access token: send `Authorization: Bearer <token>` (get one from POST /api/v1/auth/login)")]
    MissingToken,
    #[error("the access token is invalid or expired: {0}")]
    InvalidToken(String),
    #[error("your role ({role}) may not {what}; allowed: {allowed}")]
    Forbidden { role: Role, what: String, allowed: String },
}

/// Auth failures are API errors like any other: one table of statuses and codes (in
/// `khaothi-http`), `www-authenticate: Bearer` on the 401s.
impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let message = e.to_string();
        match e {
            AuthError::MissingToken => ApiError::Unauthorized(message),
            AuthError::InvalidToken(_) => ApiError::InvalidToken(message),
            AuthError::Forbidden { .. } => ApiError::Forbidden(message),
        }
    }
}

/// The extractor's rejection: the same response as the [`ApiError`] it converts into.
impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        ApiError::from(self).into_response()
    }
}

/// The authenticated user of a request, from a verified access token.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Claims);

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.0.role
    }

    pub fn username(&self) -> &str {
        &self.0.username
    }

    pub fn org(&self) -> &str {
        &self.0.org
    }

    /// Refuses the request unless the user holds one of `roles`; `what` says what was attempted.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), AuthError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(AuthError::Forbidden {
                role: self.0.role,
                what: what.to_string(),
                allowed: roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            })
        }
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    JwtKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).ok_or(AuthError::MissingToken)?;
        let value = header.to_str().map_err(|_| AuthError::InvalidToken("header is not ASCII".into()))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| AuthError::InvalidToken("expected the Bearer scheme".into()))?;
        let keys = JwtKeys::from_ref(state);
        let claims = keys.verify(token.trim()).map_err(|e| AuthError::InvalidToken(e.to_string()))?;
        if claims.role == Role::Candidate {
            // Candidates authenticate on the delivery server's socket, never on the bank.
            return Err(AuthError::InvalidToken("candidate tokens are not valid here".into()));
        }
        Ok(CurrentUser(claims))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{StatusCode, header};

    use super::*;

    async fn answer(e: AuthError) -> (StatusCode, Option<String>, serde_json::Value) {
        let (parts, body) = e.into_response().into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 16).await.unwrap();
        let challenge = parts.headers.get(header::WWW_AUTHENTICATE).map(|v| v.to_str().unwrap().to_string());
        (parts.status, challenge, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn auth_failures_keep_their_codes_and_the_bearer_challenge() {
        let (status, challenge, body) = answer(AuthError::MissingToken).await;
        assert_eq!((status, challenge.as_deref()), (StatusCode::UNAUTHORIZED, Some("Bearer")));
        assert_eq!(body["error"], "unauthorized");
        assert!(body["message"].as_str().unwrap().contains("Authorization: Bearer"));
        let (status, challenge, body) = answer(AuthError::InvalidToken("expired".into())).await;
        assert_eq!((status, challenge.as_deref()), (StatusCode::UNAUTHORIZED, Some("Bearer")));
        assert_eq!(body["error"], "invalid_token");
        let forbidden = AuthError::Forbidden {
            role: Role::Proctor,
            what: "import items".into(),
            allowed: "admin".into(),
        };
        let (status, challenge, body) = answer(forbidden).await;
        assert_eq!((status, challenge), (StatusCode::FORBIDDEN, None));
        assert_eq!(body["error"], "forbidden");
        assert_eq!(body["message"], "your role (proctor) may not import items; allowed: admin");
    }
}

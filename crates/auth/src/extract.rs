use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

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

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            AuthError::MissingToken => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AuthError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, "invalid_token"),
            AuthError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
        };
        let mut res = (status, axum::Json(serde_json::json!({"error": code, "message": self.to_string()})))
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        res
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

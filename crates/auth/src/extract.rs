use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::Method;
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
    /// The account store could not be read; logged, never sent.
    #[error("internal error")]
    Unavailable(String),
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
            AuthError::Unavailable(detail) => ApiError::Internal(detail),
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
        let token = bearer(parts)?.ok_or(AuthError::MissingToken)?;
        authenticate(&JwtKeys::from_ref(state), token).await
    }
}

/// The authenticated user of a GET that a page cannot add a header to (media, print views,
/// downloads, exports): the bearer token when sent, otherwise the `khaothi_fetch` cookie. The
/// cookie is never honoured on other methods, nor by routes that take [`CurrentUser`].
#[derive(Debug, Clone)]
pub struct CurrentUserOrCookie(pub CurrentUser);

impl<S> FromRequestParts<S> for CurrentUserOrCookie
where
    JwtKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let keys = JwtKeys::from_ref(state);
        if let Some(token) = bearer(parts)? {
            return authenticate(&keys, token).await.map(Self);
        }
        let safe = parts.method == Method::GET || parts.method == Method::HEAD;
        match crate::cookie::cookie(&parts.headers, crate::cookie::FETCH_COOKIE) {
            Some(token) if safe => authenticate(&keys, token).await.map(Self),
            _ => Err(AuthError::MissingToken),
        }
    }
}

/// Who is asking, for the fairness of the password pool: the client's IP address (from the
/// connection; 0 when the server was not given connection info, as in router-only tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSource(pub u64);

impl<S: Send + Sync> FromRequestParts<S> for ClientSource {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        use std::hash::{Hash, Hasher};
        let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>() else {
            return Ok(Self(0));
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        addr.ip().hash(&mut h);
        Ok(Self(h.finish()))
    }
}

/// The bearer token of the `Authorization` header; `None` without the header.
fn bearer(parts: &Parts) -> Result<Option<&str>, AuthError> {
    let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = header.to_str().map_err(|_| AuthError::InvalidToken("header is not ASCII".into()))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| AuthError::InvalidToken("expected the Bearer scheme".into()))?;
    Ok(Some(token.trim()))
}

/// Verifies the token (signature, expiry, this service as issuer and audience), then that the
/// account is still active with the role the token names.
pub async fn authenticate(keys: &JwtKeys, token: &str) -> Result<CurrentUser, AuthError> {
    let claims = keys.verify(token).map_err(|e| AuthError::InvalidToken(e.to_string()))?;
    if claims.role == Role::Candidate {
        // Candidates authenticate on the delivery server's socket, never with staff tokens.
        return Err(AuthError::InvalidToken("candidate tokens are not valid here".into()));
    }
    match keys.account_now(&claims.sub).await {
        None => {}
        Some(Err(detail)) => return Err(AuthError::Unavailable(detail)),
        Some(Ok(Some(a))) if a.active && a.role == claims.role.as_str() => {}
        Some(Ok(Some(a))) if a.active => {
            return Err(AuthError::InvalidToken("your role has changed; log in again".into()));
        }
        Some(Ok(_)) => return Err(AuthError::InvalidToken("the account is disabled".into())),
    }
    Ok(CurrentUser(claims))
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

//! What both services' OpenAPI documents share: the bearer scheme of the access tokens
//! (operations that need a token name it with `security(("bearer" = []))`) and the login body.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Adds the `bearer` security scheme (a JWT from the service's login) to an OpenAPI document;
/// use as `#[openapi(modifiers(&BearerAuth))]`.
pub struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
    }
}

/// `POST /api/v1/auth/login` on the bank and on a delivery server: one account name, one password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `POST /api/v1/auth/refresh` on both services (an empty body uses the `khaothi_refresh` cookie).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// The answer of `POST /api/v1/auth/logout` on both services.
#[derive(Serialize, ToSchema)]
pub struct LogoutResponse {
    /// Refresh tokens of this login that were still live and are now revoked.
    pub revoked: u64,
}

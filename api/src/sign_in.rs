//! Signing in and out, for staff (`/api/session`) and customers (`/portal/api/session`) alike.

use std::time::Instant;

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use ledgerdesk_domain::value::Email;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::json::ClientIp;
use crate::session::{self, PresentedToken, PrincipalKind};
use crate::{AppState, password, read};

/// `{"email","password"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SignIn)]
pub(crate) struct SignInBody {
    email: String,
    password: String,
}

/// The answer of a sign-in: the session's token, which exists nowhere else.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SessionToken {
    /// Send it as `Authorization: Bearer <token>`; the answer also sets it as a cookie.
    token: String,
}

/// Checks the credentials of `kind` and starts a session: 201 `{"token"}` and the cookie.
pub(crate) async fn sign_in(
    state: &AppState,
    kind: PrincipalKind,
    client: ClientIp,
    body: SignInBody,
) -> Result<Response, ApiError> {
    let token = start_session(state, kind, client, &body.email, body.password).await?;

    let cookie = session_cookie(state, kind, &token);
    Ok((
        StatusCode::CREATED,
        [(SET_COOKIE, cookie)],
        Json(SessionToken { token }),
    )
        .into_response())
}

/// Checks the credentials of `kind` (rate limited per email and client) and starts a session:
/// the token. Shared by the API and the portal pages.
pub(crate) async fn start_session(
    state: &AppState,
    kind: PrincipalKind,
    ClientIp(client): ClientIp,
    email: &str,
    password: String,
) -> Result<String, ApiError> {
    let limiter = state.sign_in_limiter();
    let email_key = email.trim().to_lowercase();
    if !limiter.allows(&email_key, client, Instant::now()) {
        return Err(ApiError::TooManyAttempts);
    }

    let account = match Email::parse(email) {
        Ok(email) => match kind {
            PrincipalKind::Staff => read::staff_credentials(state.db(), email.as_str()).await?,
            PrincipalKind::Customer => {
                read::customer_credentials(state.db(), email.as_str()).await?
            }
        },
        Err(_) => None,
    };
    let account = account.filter(|account| account.may_sign_in);
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let matches = password::verify_blocking(password, stored).await?;
    let Some(account) = account.filter(|_| matches) else {
        limiter.record_failure(&email_key, client, Instant::now());
        return Err(ApiError::Unauthenticated {
            code: "invalid_credentials",
            message: "the email or the password is wrong",
        });
    };

    let token = session::start(state, kind, &account.id).await?;
    tracing::info!(principal.kind = ?kind, "signed in");
    Ok(token)
}

/// The `Set-Cookie` value carrying a new session's token.
pub(crate) fn session_cookie(state: &AppState, kind: PrincipalKind, token: &str) -> String {
    let max_age = state.config().session_ttl.num_seconds();
    session::cookie(kind, Some(token), state.config().secure_cookies(), max_age)
}

/// Revokes the presented session of `kind` and clears the cookie: 204.
pub(crate) async fn sign_out(
    state: &AppState,
    kind: PrincipalKind,
    token: PresentedToken,
) -> Result<Response, ApiError> {
    session::revoke(state.db(), kind, &token.hash).await?;

    let cookie = session::cookie(kind, None, state.config().secure_cookies(), 0);
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response())
}

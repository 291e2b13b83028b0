//! `POST /portal/api/session` and `DELETE /portal/api/session`: customer sign-in and sign-out.

use axum::extract::State;
use axum::response::Response;

use crate::AppState;
use crate::error::ApiError;
use crate::json::{Body, ClientIp};
use crate::openapi::{self, ErrorEnvelope};
use crate::session::{PresentedToken, PrincipalKind};
use crate::sign_in::{self, SessionToken, SignInBody};

/// Signs a customer in (they need portal access and a password).
#[utoipa::path(
    post,
    path = "/portal/api/session",
    operation_id = "sign_in_customer",
    tag = "sign-in",
    request_body = SignInBody,
    responses(
        (
            status = 201,
            description = "Signed in; the answer also sets the HttpOnly session cookie \
                `ledgerdesk_portal_session`",
            body = SessionToken,
            headers(("set-cookie" = String, description = "The session cookie"))
        ),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::INVALID_CREDENTIALS, body = ErrorEnvelope),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (status = 429, description = openapi::TOO_MANY_ATTEMPTS, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    client: ClientIp,
    Body(body): Body<SignInBody>,
) -> Result<Response, ApiError> {
    sign_in::sign_in(&state, PrincipalKind::Customer, client, body).await
}

/// Signs the presented customer session out.
#[utoipa::path(
    delete,
    path = "/portal/api/session",
    operation_id = "sign_out_customer",
    tag = "sign-in",
    security(("bearer" = []), ("portal_cookie" = [])),
    responses(
        (
            status = 204,
            description = "Signed out; the answer clears the cookie",
            headers(("set-cookie" = String, description = "The cleared session cookie"))
        ),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    token: PresentedToken,
) -> Result<Response, ApiError> {
    sign_in::sign_out(&state, PrincipalKind::Customer, token).await
}

//! `POST /portal/api/session` and `DELETE /portal/api/session`: customer sign-in and sign-out.

use axum::extract::State;
use axum::response::Response;

use crate::AppState;
use crate::error::ApiError;
use crate::json::{Body, ClientIp};
use crate::session::{PresentedToken, PrincipalKind};
use crate::sign_in::{self, SignInBody};

/// Signs a customer in (they need portal access and a password).
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    client: ClientIp,
    Body(body): Body<SignInBody>,
) -> Result<Response, ApiError> {
    sign_in::sign_in(&state, PrincipalKind::Customer, client, body).await
}

/// Signs the presented customer session out.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    token: PresentedToken,
) -> Result<Response, ApiError> {
    sign_in::sign_out(&state, PrincipalKind::Customer, token).await
}

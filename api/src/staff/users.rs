//! `POST /api/users`: an admin creates a staff user.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::json::Body;
use crate::openapi::{self, ErrorEnvelope};
use crate::read::{self, UserView};
use crate::session::AdminSession;
use crate::staff::writer;
use crate::users::{self, NewStaffUser};

/// `{"name","email","role","password"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    name: String,
    email: String,
    /// `admin` or `agent`.
    #[schema(example = "agent")]
    role: String,
    password: String,
}

/// Creates a staff user: 201 with the user (never the password hash).
#[utoipa::path(
    post,
    path = "/api/users",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "The new staff user", body = UserView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (
            status = 409,
            description = "`email_taken`: a staff user has the email; `version_conflict`",
            body = ErrorEnvelope
        ),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_value` (a blank name, a bad email, an unknown role), \
                `weak_password`",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    AdminSession(admin): AdminSession,
    Body(body): Body<NewUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let input = NewStaffUser {
        name: body.name,
        email: body.email,
        role: body.role,
        password: body.password,
    };
    let (user_id, _) = users::create(&writer(&state, admin), input).await?;

    let user = read::user(state.db(), user_id).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

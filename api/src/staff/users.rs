//! `POST /api/users`: an admin creates a staff user.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::json::Body;
use crate::read::{self, UserView};
use crate::session::AdminSession;
use crate::staff::writer;
use crate::users::{self, NewStaffUser};

/// `{"name","email","role","password"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    name: String,
    email: String,
    role: String,
    password: String,
}

/// Creates a staff user: 201 with the user (never the password hash).
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

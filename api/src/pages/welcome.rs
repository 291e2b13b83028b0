//! `GET`/`POST /portal/welcome`: a customer chooses their password from the link in their
//! welcome email, through `welcome::set_password_with_link` as `POST /portal/api/password`
//! does; then they sign in with it. Signed out, so the form carries the double-submit CSRF
//! token of the sign-in page (ADR 15).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::pages::form::Fields;
use crate::pages::layout::Layout;
use crate::pages::sign_in::with_cookie;
use crate::pages::{PageError, csrf, render, sentence};
use crate::password::MIN_CHARS;
use crate::welcome::{set_password_with_link, welcome_link_works};

/// `?token=` of a welcome link.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct WelcomeQuery {
    #[serde(default)]
    token: String,
}

/// Messages next to the fields of the password form.
#[derive(Debug, Default)]
pub(crate) struct WelcomeErrors {
    password: Option<String>,
    confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/welcome.html")]
struct WelcomePage {
    layout: Layout,
    csrf: String,
    token: String,
    /// The link is malformed, used, replaced or expired: a message and no form.
    link_dead: bool,
    min_chars: usize,
    errors: WelcomeErrors,
}

/// The form to choose a password, carrying the link's token; a message without a form when the
/// link no longer works.
pub(crate) async fn show_welcome(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<WelcomeQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let token = query.map(|Query(query)| query.token).unwrap_or_default();
    let link_dead = !welcome_link_works(&state, &token).await?;
    let (csrf_token, cookie) = csrf::anonymous(&headers, state.config().secure_cookies());

    let page = WelcomePage {
        layout: Layout::anonymous(&state).await?,
        csrf: csrf_token,
        token,
        link_dead,
        min_chars: MIN_CHARS,
        errors: WelcomeErrors::default(),
    };
    Ok(with_cookie(render(&page), cookie))
}

/// Sets the password and shows the sign-in page with a notice; the form with a message next to
/// the field otherwise, or the message alone when the link no longer works.
pub(crate) async fn set_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    let expected = csrf::anonymous_cookie(&headers).ok_or(PageError::Csrf)?;
    csrf::check(&expected, fields.get("csrf"))?;
    let token = fields.text("token");
    let password = fields.text("password");

    let mut errors = WelcomeErrors::default();
    let mut link_dead = false;
    if password == fields.text("confirm") {
        match set_password_with_link(&state, &token, password).await {
            Ok(_) => return Ok(Redirect::to("/portal/sign-in?password_set=1").into_response()),
            Err(ApiError::Unprocessable {
                code: "weak_password",
                message,
            }) => errors.password = Some(sentence(&message)),
            Err(ApiError::Unprocessable {
                code: "invalid_welcome_link",
                ..
            }) => link_dead = true,
            Err(other) => return Err(other.into()),
        }
    } else {
        errors.confirm = Some("The two passwords differ. Type the same password twice.".to_owned());
    }

    let page = WelcomePage {
        layout: Layout::anonymous(&state).await?,
        csrf: expected,
        token,
        link_dead,
        min_chars: MIN_CHARS,
        errors,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

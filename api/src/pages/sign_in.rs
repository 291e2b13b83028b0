//! `GET`/`POST /portal/sign-in` and `POST /portal/sign-out`: customers sign in with the same
//! check, rate limit and session as `POST /portal/api/session`.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::json::ClientIp;
use crate::pages::form::Fields;
use crate::pages::layout::Layout;
use crate::pages::{PageError, PageSession, csrf, render};
use crate::session::{self, PrincipalKind};
use crate::sign_in::{session_cookie, start_session};

/// `?signed_out=1` after signing out, `?password_set=1` after choosing a password on the
/// welcome page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SignInQuery {
    signed_out: Option<String>,
    password_set: Option<String>,
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "portal/sign_in.html")]
struct SignInPage {
    layout: Layout,
    csrf: String,
    email: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

/// The sign-in form.
pub(crate) async fn show_sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<SignInQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let notice = if query.password_set.is_some() {
        Some("Your password is set. Sign in with your email and your new password.")
    } else {
        query.signed_out.map(|_| "You are signed out.")
    };
    let (token, cookie) = csrf::anonymous(&headers, state.config().secure_cookies());

    let page = SignInPage {
        layout: Layout::anonymous(&state).await?,
        csrf: token,
        email: String::new(),
        error: None,
        notice,
    };
    Ok(with_cookie(render(&page), cookie))
}

/// Signs in and goes to the customer's incidents; the form again with a message otherwise.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    let expected = csrf::anonymous_cookie(&headers).ok_or(PageError::Csrf)?;
    csrf::check(&expected, fields.get("csrf"))?;
    let email = fields.text("email");

    let started = start_session(
        &state,
        PrincipalKind::Customer,
        client,
        &email,
        fields.text("password"),
    )
    .await;
    let (status, error) = match started {
        Ok(token) => {
            let cookie = session_cookie(&state, PrincipalKind::Customer, &token);
            let redirect = Redirect::to("/portal/incidents");
            return Ok(([(SET_COOKIE, cookie)], redirect).into_response());
        }
        Err(ApiError::Unauthenticated { .. }) => (
            StatusCode::UNAUTHORIZED,
            "The email or the password is wrong. Check both and try again.",
        ),
        Err(ApiError::TooManyAttempts) => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts to sign in. Wait a minute, then try again.",
        ),
        Err(other) => return Err(other.into()),
    };

    let page = SignInPage {
        layout: Layout::anonymous(&state).await?,
        csrf: expected,
        email,
        error: Some(error.to_owned()),
        notice: None,
    };
    Ok((status, render(&page)).into_response())
}

/// Ends the session and its cookie, then shows the sign-in page.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    page: PageSession,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    csrf::check(&page.csrf, fields.get("csrf"))?;
    let token = session::presented_token_of(&headers, PrincipalKind::Customer)
        .ok_or_else(ApiError::not_signed_in)?;

    session::revoke(
        state.db(),
        PrincipalKind::Customer,
        &session::token_hash(&token),
    )
    .await?;
    let cookie = session::cookie(
        PrincipalKind::Customer,
        None,
        state.config().secure_cookies(),
        0,
    );
    let redirect = Redirect::to("/portal/sign-in?signed_out=1");
    Ok(([(SET_COOKIE, cookie)], redirect).into_response())
}

/// `response` with `cookie` set, if there is one.
pub(crate) fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(value) = cookie.and_then(|cookie| cookie.parse().ok()) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

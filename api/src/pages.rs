//! The portal pages (`/portal`): server-rendered HTML for customers, working without
//! JavaScript, over the same read and write paths as the portal API (`crate::portal`).
//!
//! Every page is an askama template under `api/templates/portal/`, so every value is escaped.
//! Forms post with a CSRF token (`csrf`) and answer with a redirect (POST-redirect-GET), or
//! with the form again and a message next to the field at fault. Every answer carries a
//! content security policy that allows no script at all (ADR 15).

mod assets;
mod colleagues;
mod csrf;
mod form;
mod incidents;
mod layout;
mod sign_in;
mod welcome;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::Uri;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue,
    REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{HeaderName, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};

use crate::AppState;
use crate::error::ApiError;
use crate::json::PathId;
use crate::pages::layout::Layout;
use crate::session::{CustomerSession, PrincipalKind, presented_token};

/// Where a customer who is not signed in is sent.
const SIGN_IN: &str = "/portal/sign-in";

/// No script from anywhere, styles from this server only, images from this server or the
/// logo's address, forms posting back here only, never framed.
const POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' http: https:; \
                      form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The pages' routes, merged into `crate::app`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(incidents::home))
        .route(
            "/portal/sign-in",
            get(sign_in::show_sign_in).post(sign_in::sign_in),
        )
        .route("/portal/sign-out", post(sign_in::sign_out))
        .route(
            "/portal/welcome",
            get(welcome::show_welcome).post(welcome::set_password),
        )
        .route(
            "/portal/incidents",
            get(incidents::list_incidents).post(incidents::log_incident),
        )
        .route("/portal/incidents/new", get(incidents::new_incident))
        .route("/portal/incidents/{id}", get(incidents::show_incident))
        .route(
            "/portal/incidents/{id}/updates",
            post(incidents::add_update),
        )
        .route(
            "/portal/colleagues",
            get(colleagues::list_colleagues).post(colleagues::add_colleague),
        )
        .route(
            "/portal/colleagues/{id}",
            post(colleagues::change_colleague),
        )
        .route("/portal/{*rest}", any(no_such_page))
        .route("/portal/assets/portal.css", get(assets::portal_css))
        .route("/portal/assets/brand.css", get(assets::brand_css))
        .layer(middleware::map_response(protect))
}

/// A signed-in customer on a page, with the CSRF token their forms carry.
#[derive(Clone, Debug)]
pub(crate) struct PageSession {
    pub(crate) session: CustomerSession,
    pub(crate) csrf: String,
}

/// An id taken from a page's path; a malformed one is the same 404 page as an unknown one.
#[derive(Debug)]
pub(crate) struct PageId<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for PageId<T>
where
    S: Send + Sync,
    T: std::str::FromStr,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let PathId(id) = PathId::<T>::from_request_parts(parts, state).await?;
        Ok(Self(id))
    }
}

/// Why a page could not be shown: an API error, shown as a page with its status, or a form
/// posted without this session's CSRF token.
#[derive(Debug)]
pub(crate) enum PageError {
    Api(ApiError),
    Csrf,
}

/// The page shown for every error.
#[derive(Template)]
#[template(path = "portal/error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = CustomerSession::from_request_parts(parts, state)
            .await
            .map_err(|err| PageError::Api(err).into_response())?;
        let token = presented_token(parts, PrincipalKind::Customer)
            .ok_or_else(|| Redirect::to(SIGN_IN).into_response())?;
        Ok(Self {
            session,
            csrf: csrf::for_session(&token),
        })
    }
}

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> Self {
        Self::Api(err)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let err = match self {
            Self::Csrf => {
                let page = ErrorPage {
                    layout: Layout::bare(),
                    heading: "This form has expired",
                    message: "The form did not come from this page of the portal, or it is too \
                              old. Go back, reload the page and send it again."
                        .to_owned(),
                };
                return (StatusCode::FORBIDDEN, render(&page)).into_response();
            }
            Self::Api(err) => err,
        };
        let (status, _) = err.status_and_code();
        if status == StatusCode::UNAUTHORIZED {
            return Redirect::to(SIGN_IN).into_response();
        }
        let (heading, message) = match &err {
            ApiError::NotFound => (
                "Page not found",
                "There is nothing here, or it is not yours to see. Check the address, or go \
                 back to your incidents."
                    .to_owned(),
            ),
            ApiError::Forbidden => (
                "Not available to you",
                "Only your company's portal admins can open this page.".to_owned(),
            ),
            ApiError::Internal(_) => (
                "Something went wrong",
                "The portal could not answer. Try again in a moment.".to_owned(),
            ),
            other => ("This did not work", sentence(&other.to_string())),
        };

        // The API's answer keeps the status and the detail of a 500 for the request log.
        let mut response = err.into_response();
        let body = render(&ErrorPage {
            layout: Layout::bare(),
            heading,
            message,
        })
        .into_response();
        let (body_parts, body) = body.into_parts();
        *response.body_mut() = body;
        response.headers_mut().remove(CONTENT_LENGTH);
        if let Some(content_type) = body_parts.headers.get(CONTENT_TYPE) {
            response
                .headers_mut()
                .insert(CONTENT_TYPE, content_type.clone());
        }
        response
    }
}

/// Any other address under `/portal`: the 404 page, or the API's JSON 404 under
/// `/portal/api/`.
async fn no_such_page(uri: Uri) -> Response {
    if uri.path().starts_with("/portal/api/") {
        return ApiError::NotFound.into_response();
    }
    PageError::Api(ApiError::NotFound).into_response()
}

/// A template as an HTML answer; a template that fails to render is a 500.
pub(crate) fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}

/// A message that starts with a capital letter and ends with a full stop, for pages (API
/// messages start lowercase and have no full stop).
pub(crate) fn sentence(message: &str) -> String {
    let mut characters = message.chars();
    let mut text: String = match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    };
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

/// Adds the headers every portal page carries; pages are never cached, assets say otherwise.
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 4] = [
        (CONTENT_SECURITY_POLICY, POLICY),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (X_FRAME_OPTIONS, "DENY"),
        // Welcome links carry a token in the address; never pass it on.
        (REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_messages_become_sentences() {
        let cases = [
            (
                "the email or the password is wrong",
                "The email or the password is wrong.",
            ),
            ("Already one.", "Already one."),
            ("", "."),
        ];

        for (input, expected) in cases {
            assert_eq!(sentence(input), expected, "{input}");
        }
    }
}

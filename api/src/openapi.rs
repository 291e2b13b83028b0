//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every route, built with utoipa from the
//! handlers' `#[utoipa::path]` attributes and the request and answer types' `ToSchema` derives,
//! as `crate::routes` registers them (ADR 11).
//!
//! This module holds what the paths share: the document's head and security schemes, the error
//! envelope's schema, the descriptions of the errors most endpoints answer, and the list answer.

use std::sync::LazyLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::session::PrincipalKind;

/// 400 for a body that is not the documented JSON.
pub(crate) const BAD_BODY: &str = "The body is not the documented JSON: `malformed_json` (not \
     JSON), `invalid_body` (wrong types, unknown or missing fields, an id that is not a UUID), \
     `expected_json` (no `content-type: application/json`).";
/// 400 for a query string of the wrong shape.
pub(crate) const BAD_QUERY: &str = "`invalid_query`: the query string has the wrong shape, an \
     unknown parameter, a cursor this server did not give or an unknown status.";
/// 401 for a request without a valid session.
pub(crate) const NOT_SIGNED_IN: &str = "`not_signed_in`: no token or cookie, or an unknown, \
     expired or revoked one (for customers also: no portal access now; for staff: deactivated).";
/// 401 for wrong credentials at sign-in.
pub(crate) const INVALID_CREDENTIALS: &str = "`invalid_credentials`: the email or the password \
     is wrong, or the account may not sign in.";
/// 403 for a staff user who is not an admin.
pub(crate) const NOT_ADMIN: &str = "`forbidden`: the signed-in staff user is not an admin.";
/// 403 for a customer who is not a company admin.
pub(crate) const NOT_COMPANY_ADMIN: &str =
    "`forbidden`: the signed-in customer is not a company admin.";
/// 404 for an unknown or invisible resource named in the path.
pub(crate) const NOT_FOUND: &str = "`not_found`: no such resource, or an id in the path that is \
     not one.";
/// 409 when the stream kept changing.
pub(crate) const VERSION_CONFLICT: &str =
    "`version_conflict`: the resource kept changing while the server retried.";
/// 413 for an oversized body.
pub(crate) const TOO_LARGE: &str =
    "`body_too_large`: the body is over the server's limit (64 KiB by default).";
/// 429 for too many failed sign-ins.
pub(crate) const TOO_MANY_ATTEMPTS: &str =
    "`too_many_attempts`: too many failed sign-ins for this email from this address.";
/// 500 for anything internal.
pub(crate) const INTERNAL: &str =
    "`internal`: the server failed; the detail is logged, never sent.";
/// 503 when a write is recorded but the read model is behind.
pub(crate) const NOT_CAUGHT_UP: &str = "`not_caught_up`: the change is recorded but the read \
     model did not reach it in time; read it again shortly.";

/// Every error answer: `{"error": {"code", "message"}}` (DESIGN §6).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorEnvelope {
    /// What went wrong.
    pub(crate) error: ErrorDetail,
}

/// The inside of the error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// Machine-readable; each operation's responses list the codes it can answer.
    #[schema(example = "not_signed_in")]
    pub(crate) code: String,
    /// For people; never carries internal detail.
    pub(crate) message: String,
}

/// A list: `{"items", "next_cursor"}`, `next_cursor` being `null` on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    /// Pass it back as `cursor` for the next page; `null` when there is none.
    pub(crate) next_cursor: Option<String>,
}

/// The document's head: title, version, tags and security schemes; `crate::routes` adds the
/// paths and the schemas they use.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ledgerdesk API",
        description = "The staff API (`/api`), the portal API (`/portal/api`), sign-in, audit, \
            portal settings and the operators' endpoints. Errors are \
            `{\"error\": {\"code\", \"message\"}}`; each response lists its codes."
    ),
    components(schemas(ErrorEnvelope, ErrorDetail)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "sign-in", description = "Staff and customer sessions"),
        (name = "staff", description = "The staff API: directory and incidents"),
        (name = "audit", description = "The ledger as recorded (admins)"),
        (name = "portal settings", description = "The portal's appearance and types (admins)"),
        (name = "portal", description = "The portal API for signed-in customers"),
        (name = "operations", description = "Health, metrics and this document"),
    )
)]
pub(crate) struct ApiDoc;

/// Adds the bearer token and the two session cookies as security schemes, named as the paths'
/// `security(...)` lists name them: `bearer`, `staff_cookie`, `portal_cookie`.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "The token from `POST /api/session` or `POST /portal/api/session`.",
            ))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let cookies = [
            ("staff_cookie", PrincipalKind::Staff),
            ("portal_cookie", PrincipalKind::Customer),
        ];
        for (scheme, kind) in cookies {
            let cookie = ApiKeyValue::with_description(
                kind.cookie_name(),
                "The HttpOnly session cookie that sign-in sets.",
            );
            components.add_security_scheme(scheme, SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
        }
    }
}

/// The document, serialized once on first use.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    crate::openapi_document()
        .to_json()
        .expect("an OpenAPI document of plain values always serializes")
});

/// This document: every path and operation the server answers, with bodies, answers, errors
/// and security schemes.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    responses((
        status = 200,
        description = "The OpenAPI 3.1 document",
        content_type = "application/json",
        body = Object
    ))
)]
pub(crate) async fn show_openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], DOCUMENT.as_str())
}

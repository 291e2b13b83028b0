//! `POST /api/services` (admins) and `GET /api/services` (any staff user).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use ledgerdesk_domain::service::{ServiceCommand, ServiceState};
use ledgerdesk_domain::value::Name;
use ledgerdesk_domain::{ServiceId, StreamName};
use ledgerdesk_store::ExpectedVersion;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::ApiError;
use crate::json::Body;
use crate::openapi::{self, ErrorEnvelope, Page as List};
use crate::read::{self, ServiceView};
use crate::session::{AdminSession, StaffSession};
use crate::staff::writer;
use crate::write::decide_all;

/// The default and the largest page size of lists (DESIGN §6).
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

/// `{"name"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewService {
    name: String,
}

/// `?limit=&cursor=`; the cursor is the last id of the previous page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct Page {
    /// How many services, 1 to 500 (default 50).
    limit: Option<i64>,
    /// The previous page's `next_cursor`.
    #[param(value_type = Option<String>, format = Uuid)]
    cursor: Option<ServiceId>,
}

/// Creates a service: 201 with the service.
#[utoipa::path(
    post,
    path = "/api/services",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    request_body = NewService,
    responses(
        (status = 201, description = "The new service", body = ServiceView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 409, description = openapi::VERSION_CONFLICT, body = ErrorEnvelope),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_value`: a blank or too long name",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn create_service(
    State(state): State<AppState>,
    AdminSession(admin): AdminSession,
    Body(body): Body<NewService>,
) -> Result<(StatusCode, Json<ServiceView>), ApiError> {
    let name = Name::parse(&body.name)?;
    let service_id = ServiceId::from_uuid(uuid::Uuid::now_v7());

    let cmd = ServiceCommand::Create { service_id, name };
    let events = decide_all(ServiceState::default(), vec![cmd])?;
    let stream = StreamName::service(service_id);
    writer(&state, admin)
        .append::<ServiceState>(&stream, ExpectedVersion::NoStream, &events)
        .await?;

    let service = read::service(state.db(), service_id).await?;
    Ok((StatusCode::CREATED, Json(service)))
}

/// Lists services in creation order: `{"items", "next_cursor"}`.
#[utoipa::path(
    get,
    path = "/api/services",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(Page),
    responses(
        (status = 200, description = "A page of services", body = List<ServiceView>),
        (status = 400, description = openapi::BAD_QUERY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn list_services(
    State(state): State<AppState>,
    _staff: StaffSession,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<List<ServiceView>>, ApiError> {
    let Query(page) = page.map_err(|rejection| ApiError::BadRequest {
        code: "invalid_query",
        message: rejection.body_text(),
    })?;
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);

    let mut items = read::services_page(state.db(), page.cursor, limit + 1).await?;
    let next_cursor = if items.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        items.pop();
        items.last().map(|service| service.id.clone())
    } else {
        None
    };
    Ok(Json(List { items, next_cursor }))
}

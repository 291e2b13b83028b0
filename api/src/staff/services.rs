//! `POST /api/services` (admins) and `GET /api/services` (any staff user).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use ledgerdesk_domain::service::{ServiceCommand, ServiceState};
use ledgerdesk_domain::value::Name;
use ledgerdesk_domain::{ServiceId, StreamName};
use ledgerdesk_store::ExpectedVersion;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::json::Body;
use crate::read::{self, ServiceView};
use crate::session::{AdminSession, StaffSession};
use crate::staff::writer;
use crate::write::decide_all;

/// The default and the largest page size of lists (DESIGN §6).
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

/// `{"name"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewService {
    name: String,
}

/// `?limit=&cursor=`; the cursor is the last id of the previous page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Page {
    limit: Option<i64>,
    cursor: Option<ServiceId>,
}

/// Creates a service: 201 with the service.
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
pub(crate) async fn list_services(
    State(state): State<AppState>,
    _staff: StaffSession,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({"items": items, "next_cursor": next_cursor})))
}

//! `POST /api/companies` and `PUT /api/companies/{id}/services` (admins).

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ledgerdesk_domain::company::{CompanyCommand, CompanyState};
use ledgerdesk_domain::value::Name;
use ledgerdesk_domain::{CompanyId, ServiceId, StreamName};
use ledgerdesk_store::ExpectedVersion;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::json::{Body, PathId};
use crate::openapi::{self, ErrorEnvelope};
use crate::read::{self, CompanyView};
use crate::session::AdminSession;
use crate::staff::{require_services, writer};
use crate::write::{decide_all, load, retry_on_conflict};

/// `{"name","services"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCompany {
    name: String,
    /// Service ids (default none).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    services: BTreeSet<ServiceId>,
}

/// `{"services"}`: the whole new set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompanyServicesBody {
    /// Service ids: the company's services become exactly these.
    #[schema(value_type = Vec<String>)]
    services: BTreeSet<ServiceId>,
}

/// Registers a company with its services: 201 with the company.
#[utoipa::path(
    post,
    path = "/api/companies",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    request_body = NewCompany,
    responses(
        (status = 201, description = "The new company", body = CompanyView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 409, description = openapi::VERSION_CONFLICT, body = ErrorEnvelope),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_value` (a blank name), `unknown_service`",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn register_company(
    State(state): State<AppState>,
    AdminSession(admin): AdminSession,
    Body(body): Body<NewCompany>,
) -> Result<(StatusCode, Json<CompanyView>), ApiError> {
    let name = Name::parse(&body.name)?;
    require_services(&state, &body.services).await?;
    let company_id = CompanyId::from_uuid(uuid::Uuid::now_v7());

    let cmd = CompanyCommand::Register {
        company_id,
        name,
        services: body.services,
    };
    let events = decide_all(CompanyState::default(), vec![cmd])?;
    let stream = StreamName::company(company_id);
    writer(&state, admin)
        .append::<CompanyState>(&stream, ExpectedVersion::NoStream, &events)
        .await?;

    let company = read::company(state.db(), company_id).await?;
    Ok((StatusCode::CREATED, Json(company)))
}

/// Makes the company's services exactly the given set: 200 with the company.
#[utoipa::path(
    put,
    path = "/api/companies/{id}/services",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(("id" = String, Path, format = Uuid, description = "The company's id")),
    request_body = CompanyServicesBody,
    responses(
        (status = 200, description = "The company with its new services", body = CompanyView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 404, description = openapi::NOT_FOUND, body = ErrorEnvelope),
        (status = 409, description = openapi::VERSION_CONFLICT, body = ErrorEnvelope),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (status = 422, description = "`unknown_service`", body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn set_company_services(
    State(state): State<AppState>,
    AdminSession(admin): AdminSession,
    PathId(company_id): PathId<CompanyId>,
    Body(body): Body<CompanyServicesBody>,
) -> Result<Json<CompanyView>, ApiError> {
    require_services(&state, &body.services).await?;
    let stream = StreamName::company(company_id);
    let writer = writer(&state, admin);

    retry_on_conflict(|| async {
        let loaded = load::<CompanyState>(state.store(), &stream).await?;
        let cmd = CompanyCommand::SetServices {
            services: body.services.clone(),
        };
        let events = decide_all(loaded.state, vec![cmd])?;
        writer
            .append::<CompanyState>(&stream, ExpectedVersion::Exact(loaded.version), &events)
            .await
    })
    .await?;

    Ok(Json(read::company(state.db(), company_id).await?))
}

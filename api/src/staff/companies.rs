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

use crate::AppState;
use crate::error::ApiError;
use crate::json::{Body, PathId};
use crate::read::{self, CompanyView};
use crate::session::AdminSession;
use crate::staff::{require_services, writer};
use crate::write::{decide_all, load, retry_on_conflict};

/// `{"name","services"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCompany {
    name: String,
    #[serde(default)]
    services: BTreeSet<ServiceId>,
}

/// `{"services"}`: the whole new set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompanyServicesBody {
    services: BTreeSet<ServiceId>,
}

/// Registers a company with its services: 201 with the company.
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

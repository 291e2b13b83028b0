//! `GET /portal/api/me` and `GET /portal/api/services`: the signed-in customer and the services
//! they may log incidents on.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::openapi::{self, ErrorEnvelope, Page};
use crate::read::{self, ServiceView};
use crate::session::CustomerSession;

/// The signed-in customer as the portal shows them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Me)]
pub(crate) struct MeView {
    id: String,
    name: String,
    email: String,
    company_id: Option<String>,
    company_name: Option<String>,
    company_admin: bool,
    see_company_incidents: bool,
    /// The effective services: granted, and within the company's.
    services: Vec<ServiceView>,
}

/// The customer, their company's name, their flags and effective services.
#[utoipa::path(
    get,
    path = "/portal/api/me",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    responses(
        (status = 200, description = "The signed-in customer", body = MeView),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn show_me(
    State(state): State<AppState>,
    session: CustomerSession,
) -> Result<Json<MeView>, ApiError> {
    let customer = read::customer(state.db(), session.customer_id).await?;
    let company_name = match &customer.company_id {
        Some(company_id) => read::company_name(state.db(), company_id).await?,
        None => None,
    };
    let services = read::effective_services(state.db(), session.customer_id).await?;

    Ok(Json(MeView {
        id: customer.id,
        name: customer.name,
        email: customer.email,
        company_id: customer.company_id,
        company_name,
        company_admin: customer.company_admin,
        see_company_incidents: customer.see_company_incidents,
        services,
    }))
}

/// `{"items": [service]}`: the customer's effective services only.
#[utoipa::path(
    get,
    path = "/portal/api/services",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    responses(
        (status = 200, description = "The effective services, by name", body = Page<ServiceView>),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn list_my_services(
    State(state): State<AppState>,
    session: CustomerSession,
) -> Result<Json<Page<ServiceView>>, ApiError> {
    let services = read::effective_services(state.db(), session.customer_id).await?;

    Ok(Json(Page {
        items: services,
        next_cursor: None,
    }))
}

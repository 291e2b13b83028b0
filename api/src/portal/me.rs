//! `GET /portal/api/me` and `GET /portal/api/services`: the signed-in customer and the services
//! they may log incidents on.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::read;
use crate::session::CustomerSession;

/// The customer, their company's name, their flags and effective services.
pub(crate) async fn show_me(
    State(state): State<AppState>,
    session: CustomerSession,
) -> Result<Json<Value>, ApiError> {
    let customer = read::customer(state.db(), session.customer_id).await?;
    let company_name = match &customer.company_id {
        Some(company_id) => read::company_name(state.db(), company_id).await?,
        None => None,
    };
    let services = read::effective_services(state.db(), session.customer_id).await?;

    Ok(Json(json!({
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "company_id": customer.company_id,
        "company_name": company_name,
        "company_admin": customer.company_admin,
        "see_company_incidents": customer.see_company_incidents,
        "services": services,
    })))
}

/// `{"items": [service]}`: the customer's effective services only.
pub(crate) async fn list_my_services(
    State(state): State<AppState>,
    session: CustomerSession,
) -> Result<Json<Value>, ApiError> {
    let services = read::effective_services(state.db(), session.customer_id).await?;

    Ok(Json(json!({"items": services, "next_cursor": null})))
}

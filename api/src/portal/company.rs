//! Company admins' colleague endpoints: `GET`/`POST /portal/api/company/customers` and
//! `PATCH /portal/api/company/customers/{id}`, checked by the domain's `company_admin` policy.
//!
//! The acting customer and the colleague are loaded from their streams, so the policy sees the
//! ledger as it is. A customer who is not a company admin gets 403; a customer outside the
//! admin's company gets 404, exactly as one that does not exist (DESIGN §3.1).

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ledgerdesk_domain::company_admin::{
    self, CompanyAdminError, authorise_add_colleague, authorise_colleague_command,
};
use ledgerdesk_domain::customer::{Customer, CustomerCommand, CustomerState, RegisterCustomer};
use ledgerdesk_domain::value::Name;
use ledgerdesk_domain::{CompanyId, CustomerId, ServiceId, StreamName};
use ledgerdesk_store::{AnyStore, ExpectedVersion};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::json::{Body, PathId};
use crate::openapi::{self, ErrorEnvelope, Page};
use crate::portal::writer;
use crate::read::{self, CustomerView};
use crate::session::{self, CustomerSession};
use crate::staff::customers::{company_facts, requested_welcome, unique_email};
use crate::write::{decide_all, load, retry_on_conflict};

/// The body of `POST /portal/api/company/customers`: a plain colleague in the admin's company.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewColleague {
    pub(crate) name: String,
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) portal_access: bool,
    /// Service ids, within the company's services.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub(crate) services: BTreeSet<ServiceId>,
    /// Mail a welcome with a one-time link to choose a password (needs portal access).
    #[serde(default)]
    pub(crate) send_welcome_email: bool,
}

/// The body of `PATCH /portal/api/company/customers/{id}`: portal access and services only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ColleagueChanges {
    pub(crate) portal_access: Option<bool>,
    /// Service ids, within the company's services: the colleague's services become these.
    #[schema(value_type = Option<Vec<String>>)]
    pub(crate) services: Option<BTreeSet<ServiceId>>,
    /// Mail a welcome with a one-time link to choose a password (needs portal access).
    #[serde(default)]
    pub(crate) send_welcome_email: bool,
}

/// The admin's colleagues, themselves included: `{"items": [customer], "next_cursor": null}`.
#[utoipa::path(
    get,
    path = "/portal/api/company/customers",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    responses(
        (
            status = 200,
            description = "Every customer of the company, by name",
            body = Page<CustomerView>
        ),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_COMPANY_ADMIN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn list_colleagues(
    State(state): State<AppState>,
    session: CustomerSession,
) -> Result<Json<Page<CustomerView>>, ApiError> {
    let colleagues = colleagues_of(&state, session.customer_id).await?;
    Ok(Json(Page {
        items: colleagues,
        next_cursor: None,
    }))
}

/// Adds a colleague to the admin's company: 201 with the customer.
#[utoipa::path(
    post,
    path = "/portal/api/company/customers",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    request_body = NewColleague,
    responses(
        (status = 201, description = "The new colleague", body = CustomerView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_COMPANY_ADMIN, body = ErrorEnvelope),
        (
            status = 409,
            description = "`email_taken`: another customer has the email; `version_conflict`",
            body = ErrorEnvelope
        ),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_value`, `service_not_in_company`, `no_portal_access`",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn add_colleague(
    State(state): State<AppState>,
    session: CustomerSession,
    Body(body): Body<NewColleague>,
) -> Result<(StatusCode, Json<CustomerView>), ApiError> {
    let customer = add_as_company_admin(&state, session, body).await?;
    Ok((StatusCode::CREATED, Json(customer)))
}

/// Grants or revokes a colleague's portal access and sets their services within the company:
/// 200 with the customer.
#[utoipa::path(
    patch,
    path = "/portal/api/company/customers/{id}",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    params(("id" = String, Path, format = Uuid, description = "The colleague's id")),
    request_body = ColleagueChanges,
    responses(
        (status = 200, description = "The changed colleague", body = CustomerView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_COMPANY_ADMIN, body = ErrorEnvelope),
        (
            status = 404,
            description = "`not_found`: no such customer, or one outside the admin's company",
            body = ErrorEnvelope
        ),
        (status = 409, description = openapi::VERSION_CONFLICT, body = ErrorEnvelope),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`service_not_in_company`, `no_portal_access`",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn change_colleague(
    State(state): State<AppState>,
    session: CustomerSession,
    PathId(colleague_id): PathId<CustomerId>,
    Body(body): Body<ColleagueChanges>,
) -> Result<Json<CustomerView>, ApiError> {
    let customer = change_as_company_admin(&state, session, colleague_id, &body).await?;
    Ok(Json(customer))
}

/// The company admin's company and colleagues, by name; 403 when the customer is not a
/// company admin. Shared by the API and the pages.
pub(crate) async fn colleagues_of(
    state: &AppState,
    customer_id: CustomerId,
) -> Result<Vec<CustomerView>, ApiError> {
    let admin = acting_customer(state.store(), customer_id).await?;
    let company_id = administered(&admin)?;
    read::company_customers(state.db(), company_id).await
}

/// The company the customer administers as the ledger has it now: 403 when they are not a
/// company admin.
pub(crate) async fn administered_company(
    state: &AppState,
    customer_id: CustomerId,
) -> Result<CompanyId, ApiError> {
    let admin = acting_customer(state.store(), customer_id).await?;
    administered(&admin)
}

/// The write path of a company admin adding a colleague, shared by the API and the pages:
/// answers the new customer.
pub(crate) async fn add_as_company_admin(
    state: &AppState,
    session: CustomerSession,
    body: NewColleague,
) -> Result<CustomerView, ApiError> {
    let admin = acting_customer(state.store(), session.customer_id).await?;
    let company_id = administered(&admin)?;
    let name = Name::parse(&body.name)?;
    let email = unique_email(state, &body.email, None).await?;

    let customer_id = CustomerId::from_uuid(uuid::Uuid::now_v7());
    let welcome_email = requested_welcome(state, body.send_welcome_email, customer_id).await?;
    let register = RegisterCustomer {
        customer_id,
        name,
        email,
        company: company_facts(state.store(), Some(company_id)).await?,
        portal_access: body.portal_access,
        password_hash: None,
        company_admin: false,
        see_company_incidents: false,
        services: body.services,
        welcome_email,
    };
    authorise_add_colleague(&admin, &register).map_err(refusal)?;
    let events = decide_all(
        CustomerState::default(),
        vec![CustomerCommand::Register(register)],
    )?;
    writer(state, session)
        .append::<CustomerState>(
            &StreamName::customer(customer_id),
            ExpectedVersion::NoStream,
            &events,
        )
        .await?;

    read::customer(state.db(), customer_id).await
}

/// The write path of a company admin changing a colleague's access and services, shared by
/// the API and the pages: 404 for a customer outside the admin's company; answers the
/// colleague.
pub(crate) async fn change_as_company_admin(
    state: &AppState,
    session: CustomerSession,
    colleague_id: CustomerId,
    body: &ColleagueChanges,
) -> Result<CustomerView, ApiError> {
    let stream = StreamName::customer(colleague_id);
    let acting_id = session.customer_id;
    let welcome = requested_welcome(state, body.send_welcome_email, colleague_id).await?;
    let writer = writer(state, session);

    retry_on_conflict(|| async {
        let admin = acting_customer(state.store(), acting_id).await?;
        let company_id = administered(&admin)?;
        let loaded = load::<CustomerState>(state.store(), &stream).await?;
        let colleague = loaded.state.customer().ok_or(ApiError::NotFound)?;
        if !company_admin::can_list_colleague(&admin, colleague) {
            return Err(ApiError::NotFound);
        }
        let mut commands = colleague_commands(state, body, company_id).await?;
        if let Some(welcome) = welcome.clone() {
            commands.push(CustomerCommand::RequestWelcomeEmail(welcome));
        }
        for cmd in &commands {
            authorise_colleague_command(&admin, colleague, cmd).map_err(refusal)?;
        }
        let events = decide_all(loaded.state, commands)?;
        if session::revokes_portal_access(&events) {
            session::end_customer_sessions(state.db(), colleague_id).await?;
        }
        writer
            .append::<CustomerState>(&stream, ExpectedVersion::Exact(loaded.version), &events)
            .await
    })
    .await?;

    read::customer(state.db(), colleague_id).await
}

/// Services first (checked against the company's services now), then portal access.
async fn colleague_commands(
    state: &AppState,
    body: &ColleagueChanges,
    company_id: CompanyId,
) -> Result<Vec<CustomerCommand>, ApiError> {
    let mut commands = Vec::new();
    if let Some(services) = &body.services {
        commands.push(CustomerCommand::SetServices {
            services: services.clone(),
            company: company_facts(state.store(), Some(company_id)).await?,
        });
    }
    match body.portal_access {
        Some(true) => commands.push(CustomerCommand::GrantPortalAccess {
            welcome_email: None,
        }),
        Some(false) => commands.push(CustomerCommand::RevokePortalAccess),
        None => {}
    }
    Ok(commands)
}

/// The signed-in customer as the ledger has them now.
async fn acting_customer(store: &AnyStore, customer_id: CustomerId) -> Result<Customer, ApiError> {
    let loaded = load::<CustomerState>(store, &StreamName::customer(customer_id)).await?;
    // The session extractor found the customer in the read model, so the stream exists.
    loaded
        .state
        .customer()
        .cloned()
        .ok_or_else(ApiError::not_signed_in)
}

/// The company the customer administers: 403 when they are not a company admin.
fn administered(admin: &Customer) -> Result<CompanyId, ApiError> {
    company_admin::administered_company(admin).map_err(refusal)
}

/// A refusal of the company-admin policy as an answer.
fn refusal(err: CompanyAdminError) -> ApiError {
    match err {
        CompanyAdminError::CustomerNotFound => ApiError::NotFound,
        CompanyAdminError::NotCompanyAdmin | CompanyAdminError::NotAllowedForCompanyAdmin => {
            ApiError::Forbidden
        }
    }
}

//! `POST /api/customers` and `PATCH /api/customers/{id}` (admins): customers, their company,
//! portal access, password, flags and services.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ledgerdesk_domain::company::CompanyState;
use ledgerdesk_domain::customer::{
    CompanyServices, CustomerCommand, CustomerState, RegisterCustomer, WelcomeEmail,
};
use ledgerdesk_domain::value::{Email, Name, PasswordHash};
use ledgerdesk_domain::{CompanyId, CustomerId, ServiceId, StreamName};
use ledgerdesk_store::{AnyStore, ExpectedVersion};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::json::{Body, PathId, present};
use crate::openapi::{self, ErrorEnvelope};
use crate::read::{self, CustomerView};
use crate::session::{self, AdminSession};
use crate::staff::{require_services, writer};
use crate::write::{decide_all, load, retry_on_conflict};
use crate::{AppState, password, welcome};

/// The rules a customer's registration or change can break (422).
const CUSTOMER_RULES: &str = "`invalid_value` (a blank name, a bad email), `weak_password`, \
     `unknown_service`, `unknown_company`, `service_not_in_company`, `customer_has_no_company`, \
     `no_portal_access` (a welcome email for a customer without portal access)";

/// The body of `POST /api/customers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCustomer {
    name: String,
    email: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    company_id: Option<CompanyId>,
    #[serde(default)]
    portal_access: bool,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    company_admin: bool,
    #[serde(default)]
    see_company_incidents: bool,
    /// Service ids, within the company's services.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    services: BTreeSet<ServiceId>,
    /// Mail a welcome with a one-time link to choose a password (needs portal access).
    #[serde(default)]
    send_welcome_email: bool,
}

/// The body of `PATCH /api/customers/{id}`: every field optional; `"company_id": null` moves
/// the customer to no company.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerChanges {
    name: Option<String>,
    email: Option<String>,
    /// The company to move to; `null` moves the customer to no company.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    company_id: Option<Option<CompanyId>>,
    portal_access: Option<bool>,
    password: Option<String>,
    company_admin: Option<bool>,
    see_company_incidents: Option<bool>,
    /// Service ids: the customer's services become exactly these.
    #[schema(value_type = Option<Vec<String>>)]
    services: Option<BTreeSet<ServiceId>>,
    /// Mail a welcome with a one-time link to choose a password (needs portal access).
    #[serde(default)]
    send_welcome_email: bool,
}

/// Registers a customer: 201 with the customer.
#[utoipa::path(
    post,
    path = "/api/customers",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    request_body = NewCustomer,
    responses(
        (status = 201, description = "The new customer", body = CustomerView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (
            status = 409,
            description = "`email_taken`: another customer has the email; `version_conflict`",
            body = ErrorEnvelope
        ),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (status = 422, description = CUSTOMER_RULES, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn register_customer(
    State(state): State<AppState>,
    AdminSession(admin): AdminSession,
    Body(body): Body<NewCustomer>,
) -> Result<(StatusCode, Json<CustomerView>), ApiError> {
    let name = Name::parse(&body.name)?;
    let email = unique_email(&state, &body.email, None).await?;
    require_services(&state, &body.services).await?;
    let company = company_facts(state.store(), body.company_id).await?;
    let password_hash = hash_optional(body.password).await?;

    let customer_id = CustomerId::from_uuid(uuid::Uuid::now_v7());
    let welcome_email = requested_welcome(&state, body.send_welcome_email, customer_id).await?;
    let register = RegisterCustomer {
        customer_id,
        name,
        email,
        company,
        portal_access: body.portal_access,
        password_hash,
        company_admin: body.company_admin,
        see_company_incidents: body.see_company_incidents,
        services: body.services,
        welcome_email,
    };
    let events = decide_all(
        CustomerState::default(),
        vec![CustomerCommand::Register(register)],
    )?;
    let stream = StreamName::customer(customer_id);
    writer(&state, admin)
        .append::<CustomerState>(&stream, ExpectedVersion::NoStream, &events)
        .await?;

    let customer = read::customer(state.db(), customer_id).await?;
    Ok((StatusCode::CREATED, Json(customer)))
}

/// Changes any of a customer's fields in one append: 200 with the customer.
#[utoipa::path(
    patch,
    path = "/api/customers/{id}",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(("id" = String, Path, format = Uuid, description = "The customer's id")),
    request_body = CustomerChanges,
    responses(
        (status = 200, description = "The changed customer", body = CustomerView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 404, description = openapi::NOT_FOUND, body = ErrorEnvelope),
        (
            status = 409,
            description = "`email_taken`: another customer has the email; `version_conflict`",
            body = ErrorEnvelope
        ),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (status = 422, description = CUSTOMER_RULES, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn change_customer(
    State(state): State<AppState>,
    AdminSession(admin): AdminSession,
    PathId(customer_id): PathId<CustomerId>,
    Body(body): Body<CustomerChanges>,
) -> Result<Json<CustomerView>, ApiError> {
    let name = body.name.as_deref().map(Name::parse).transpose()?;
    let email = match &body.email {
        Some(email) => Some(unique_email(&state, email, Some(customer_id)).await?),
        None => None,
    };
    if let Some(services) = &body.services {
        require_services(&state, services).await?;
    }
    let password_hash = hash_optional(body.password.clone()).await?;
    let welcome = requested_welcome(&state, body.send_welcome_email, customer_id).await?;
    let stream = StreamName::customer(customer_id);
    let writer = writer(&state, admin);

    retry_on_conflict(|| async {
        let loaded = load::<CustomerState>(state.store(), &stream).await?;
        let current = loaded.state.customer().ok_or(ApiError::NotFound)?;
        let company_id = body.company_id.unwrap_or(current.company_id);
        let company = company_facts(state.store(), company_id).await?;
        let changes = Changes {
            name: name.clone(),
            email: email.clone(),
            password_hash: password_hash.clone(),
            company,
            welcome: welcome.clone(),
        };
        let commands = commands(&body, changes);
        let events = decide_all(loaded.state, commands)?;
        if session::revokes_portal_access(&events) {
            session::end_customer_sessions(state.db(), customer_id).await?;
        }
        writer
            .append::<CustomerState>(&stream, ExpectedVersion::Exact(loaded.version), &events)
            .await
    })
    .await?;

    Ok(Json(read::customer(state.db(), customer_id).await?))
}

/// The validated values a change carries, computed once before any retry.
struct Changes {
    name: Option<Name>,
    email: Option<Email>,
    password_hash: Option<PasswordHash>,
    /// The company the customer ends up in, with its services now.
    company: Option<CompanyServices>,
    /// The welcome email to request, if asked for.
    welcome: Option<WelcomeEmail>,
}

/// The commands of a change, in an order where each one sees the previous ones' effect:
/// details, company move, services (checked against the new company), flags, password, access.
fn commands(body: &CustomerChanges, changes: Changes) -> Vec<CustomerCommand> {
    let mut commands = Vec::new();
    if changes.name.is_some() || changes.email.is_some() {
        commands.push(CustomerCommand::ChangeDetails {
            name: changes.name,
            email: changes.email,
        });
    }
    if let Some(company_id) = body.company_id {
        commands.push(CustomerCommand::MoveToCompany { company_id });
    }
    if let Some(services) = &body.services {
        commands.push(CustomerCommand::SetServices {
            services: services.clone(),
            company: changes.company,
        });
    }
    let toggles = [
        (
            body.company_admin,
            CustomerCommand::GrantCompanyAdmin,
            CustomerCommand::RevokeCompanyAdmin,
        ),
        (
            body.see_company_incidents,
            CustomerCommand::GrantCompanyWideVisibility,
            CustomerCommand::RevokeCompanyWideVisibility,
        ),
    ];
    for (wanted, grant, revoke) in toggles {
        if let Some(wanted) = wanted {
            commands.push(if wanted { grant } else { revoke });
        }
    }
    if let Some(password_hash) = changes.password_hash {
        commands.push(CustomerCommand::SetPassword { password_hash });
    }
    match body.portal_access {
        Some(true) => commands.push(CustomerCommand::GrantPortalAccess {
            welcome_email: None,
        }),
        Some(false) => commands.push(CustomerCommand::RevokePortalAccess),
        None => {}
    }
    if let Some(welcome) = changes.welcome {
        commands.push(CustomerCommand::RequestWelcomeEmail(welcome));
    }
    commands
}

/// The company's current services from its stream: 422 `unknown_company` when it does not exist.
pub(crate) async fn company_facts(
    store: &AnyStore,
    company_id: Option<CompanyId>,
) -> Result<Option<CompanyServices>, ApiError> {
    let Some(company_id) = company_id else {
        return Ok(None);
    };
    let loaded = load::<CompanyState>(store, &StreamName::company(company_id)).await?;
    let company = loaded.state.company().ok_or_else(|| {
        ApiError::rule(
            "unknown_company",
            format!("company {company_id} does not exist"),
        )
    })?;
    Ok(Some(CompanyServices {
        company_id,
        services: company.services.clone(),
    }))
}

/// A valid email no other customer has: 422 `invalid_value` or 409 `email_taken` otherwise.
pub(crate) async fn unique_email(
    state: &AppState,
    email: &str,
    except: Option<CustomerId>,
) -> Result<Email, ApiError> {
    let email = Email::parse(email)?;
    if read::customer_email_taken(state.db(), email.as_str(), except).await? {
        return Err(ApiError::Conflict {
            code: "email_taken",
            message: "another customer already has this email".to_owned(),
        });
    }
    Ok(email)
}

async fn hash_optional(password: Option<String>) -> Result<Option<PasswordHash>, ApiError> {
    match password {
        Some(password) => Ok(Some(password::hash_blocking(password).await?)),
        None => Ok(None),
    }
}

/// The welcome email to record when `requested`: its link's token is derived again by the
/// notifier, which mails it (ADR 12).
pub(crate) async fn requested_welcome(
    state: &AppState,
    requested: bool,
    customer_id: CustomerId,
) -> Result<Option<WelcomeEmail>, ApiError> {
    if !requested {
        return Ok(None);
    }
    Ok(Some(welcome::welcome_email(state, customer_id).await?))
}

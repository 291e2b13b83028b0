//! `GET`/`POST /portal/colleagues`: a company admin's colleagues with their portal access and
//! services, and the form to add one, through the same policy and write path as
//! `/portal/api/company/customers` (`portal::company`).

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ledgerdesk_domain::value::{Email, Name};
use ledgerdesk_domain::{CustomerId, ServiceId};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::pages::form::Fields;
use crate::pages::layout::{Layout, Section};
use crate::pages::{PageError, PageId, PageSession, csrf, render, sentence};
use crate::portal::company::{
    ColleagueChanges, NewColleague, add_as_company_admin, administered_company,
    change_as_company_admin, colleagues_of,
};
use crate::read;

/// `?added=1` or `?changed=1` after a form was sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    added: Option<String>,
    changed: Option<String>,
}

/// One colleague, ready to show.
#[derive(Debug)]
pub(crate) struct ColleagueRow {
    id: String,
    is_self: bool,
    service_boxes: Vec<ServiceBox>,
    name: String,
    email: String,
    portal_access: bool,
    company_admin: bool,
    services: String,
}

/// One of the company's services as a checkbox.
#[derive(Debug)]
pub(crate) struct ServiceBox {
    id: String,
    name: String,
    checked: bool,
}

/// Messages next to the fields of the add-a-colleague form.
#[derive(Debug, Default)]
pub(crate) struct ColleagueErrors {
    name: Option<String>,
    email: Option<String>,
    services: Option<String>,
    welcome: Option<String>,
    form: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/colleagues.html")]
struct ColleaguesPage {
    layout: Layout,
    colleagues: Vec<ColleagueRow>,
    services: Vec<ServiceBox>,
    name: String,
    email: String,
    portal_access: bool,
    send_welcome_email: bool,
    errors: ColleagueErrors,
    notice: Option<&'static str>,
}

/// The company admin's colleagues and the form to add one; 403 page for other customers.
pub(crate) async fn list_colleagues(
    State(state): State<AppState>,
    page: PageSession,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let done = query.map(|Query(query)| query).unwrap_or_default();

    let mut colleagues = colleagues_page(
        &state,
        &page,
        &Fields::default(),
        ColleagueErrors::default(),
    )
    .await?;
    colleagues.portal_access = true;
    colleagues.send_welcome_email = true;
    colleagues.notice = if done.added.is_some() {
        Some("Your colleague is added.")
    } else {
        done.changed.map(|_| "The colleague's access is saved.")
    };
    Ok(render(&colleagues))
}

/// Adds a colleague and lists them; the form with messages next to the fields otherwise.
pub(crate) async fn add_colleague(
    State(state): State<AppState>,
    page: PageSession,
    fields: Fields,
) -> Result<Response, PageError> {
    csrf::check(&page.csrf, fields.get("csrf"))?;

    let errors = match checked_colleague(&fields) {
        Ok(colleague) => match add_as_company_admin(&state, page.session, colleague).await {
            Ok(_) => return Ok(Redirect::to("/portal/colleagues?added=1").into_response()),
            Err(err) => refused_colleague(err)?,
        },
        Err(errors) => errors,
    };

    let colleagues = colleagues_page(&state, &page, &fields, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&colleagues)).into_response())
}

/// Sets a colleague's portal access and services and lists the colleagues again; the list
/// with a message when the change is refused.
pub(crate) async fn change_colleague(
    State(state): State<AppState>,
    page: PageSession,
    PageId(colleague_id): PageId<CustomerId>,
    fields: Fields,
) -> Result<Response, PageError> {
    csrf::check(&page.csrf, fields.get("csrf"))?;
    let services: Result<BTreeSet<ServiceId>, _> = fields
        .all("services")
        .into_iter()
        .map(ServiceId::parse)
        .collect();
    let changes = ColleagueChanges {
        portal_access: Some(fields.get("portal_access").is_some()),
        services: Some(services.map_err(|_| ApiError::NotFound)?),
        send_welcome_email: false,
    };

    let message = match change_as_company_admin(&state, page.session, colleague_id, &changes).await
    {
        Ok(_) => return Ok(Redirect::to("/portal/colleagues?changed=1").into_response()),
        Err(ApiError::Unprocessable { message, .. }) => sentence(&message),
        Err(ApiError::Forbidden) => "You cannot change your own access here.".to_owned(),
        Err(other) => return Err(other.into()),
    };
    let errors = ColleagueErrors {
        form: Some(message),
        ..ColleagueErrors::default()
    };
    let colleagues = colleagues_page(&state, &page, &Fields::default(), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&colleagues)).into_response())
}

/// The fields as the portal API's body, or a message next to each field at fault.
fn checked_colleague(fields: &Fields) -> Result<NewColleague, ColleagueErrors> {
    let mut errors = ColleagueErrors::default();
    let name = fields.text("name");
    if let Err(err) = Name::parse(&name) {
        errors.name = Some(sentence(&err.to_string()));
    }
    let email = fields.text("email");
    if let Err(err) = Email::parse(&email) {
        errors.email = Some(sentence(&err.to_string()));
    }
    let services: Result<BTreeSet<ServiceId>, _> = fields
        .all("services")
        .into_iter()
        .map(ServiceId::parse)
        .collect();
    let Ok(services) = services else {
        errors.services = Some("Choose services from the list.".to_owned());
        return Err(errors);
    };
    if errors.name.is_some() || errors.email.is_some() {
        return Err(errors);
    }
    Ok(NewColleague {
        name,
        email,
        portal_access: fields.get("portal_access").is_some(),
        services,
        send_welcome_email: fields.get("send_welcome_email").is_some(),
    })
}

/// A refusal of the write path, next to the field it is about; other errors are error pages.
fn refused_colleague(err: ApiError) -> Result<ColleagueErrors, PageError> {
    let mut errors = ColleagueErrors::default();
    match err {
        ApiError::Conflict { message, .. } => errors.email = Some(sentence(&message)),
        ApiError::Unprocessable { code, message } => {
            let message = Some(sentence(&message));
            match code {
                "service_not_in_company" => errors.services = message,
                "no_portal_access" => {
                    errors.welcome = Some(
                        "A welcome email needs portal access: tick \"May use the portal\" too, \
                         or leave the welcome email out."
                            .to_owned(),
                    );
                }
                _ => errors.form = message,
            }
        }
        other => return Err(other.into()),
    }
    Ok(errors)
}

async fn colleagues_page(
    state: &AppState,
    page: &PageSession,
    fields: &Fields,
    errors: ColleagueErrors,
) -> Result<ColleaguesPage, ApiError> {
    let colleagues = colleagues_of(state, page.session.customer_id).await?;
    let company_id = administered_company(state, page.session.customer_id).await?;
    let company = read::company(state.db(), company_id).await?;
    let mut names = BTreeMap::new();
    for service_id in &company.services {
        let service = read::service(
            state.db(),
            ServiceId::parse(service_id).map_err(ApiError::internal)?,
        )
        .await?;
        names.insert(service.id, service.name);
    }
    let checked = fields.all("services");

    Ok(ColleaguesPage {
        layout: Layout::signed_in(state, page, Section::Colleagues).await?,
        colleagues: colleagues
            .into_iter()
            .map(|colleague| ColleagueRow {
                is_self: colleague.id == page.session.customer_id.to_string(),
                service_boxes: names
                    .iter()
                    .map(|(id, name)| ServiceBox {
                        checked: colleague.services.contains(id),
                        id: id.clone(),
                        name: name.clone(),
                    })
                    .collect(),
                services: service_names(&names, &colleague.services),
                id: colleague.id,
                name: colleague.name,
                email: colleague.email,
                portal_access: colleague.portal_access,
                company_admin: colleague.company_admin,
            })
            .collect(),
        services: names
            .iter()
            .map(|(id, name)| ServiceBox {
                checked: checked.contains(&id.as_str()),
                id: id.clone(),
                name: name.clone(),
            })
            .collect(),
        name: fields.text("name"),
        email: fields.text("email"),
        portal_access: fields.get("portal_access").is_some(),
        send_welcome_email: fields.get("send_welcome_email").is_some(),
        errors,
        notice: None,
    })
}

/// The names of `ids` among the company's services, by name; "None" when there are none.
fn service_names(names: &BTreeMap<String, String>, ids: &[String]) -> String {
    let mut found: Vec<&str> = ids
        .iter()
        .filter_map(|id| names.get(id).map(String::as_str))
        .collect();
    found.sort_unstable();
    if found.is_empty() {
        "None".to_owned()
    } else {
        found.join(", ")
    }
}

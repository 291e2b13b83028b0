//! The customer's incidents as pages: the list with a status filter and a text search, one
//! incident with its public updates and a form to add one, and the form to log an incident.
//!
//! Reads go through `read::incidents` with `Audience::Customer` (so through
//! `query::visible_incidents_sql`) and writes through `portal::incidents`, exactly as the portal
//! API does: an incident the customer cannot see is the same 404 page as one that does not exist.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ledgerdesk_domain::ServiceId;
use ledgerdesk_domain::value::{CommentBody, Description, IncidentTitle};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::incidents::{IncidentKey, PageQuery, PageRequest};
use crate::pages::form::Fields;
use crate::pages::layout::{Layout, Section, settings};
use crate::pages::{PageError, PageId, PageSession, csrf, render, sentence};
use crate::portal::incidents::{
    IdempotencyKey, NewPortalIncident, comment_as_customer, enabled_portal_types, log_as_customer,
};
use crate::read::incidents::{self as read, Audience, PortalIncidentView};
use crate::read::{self as directory, ServiceView};
use crate::session::random_token;

/// The statuses a customer can filter by, with what the page calls them.
const STATUSES: [(&str, &str); 4] = [
    ("open", "Open"),
    ("in_progress", "In progress"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
];

/// `?status=&q=&cursor=` of the list; empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

/// `?logged=1` or `?updated=1` after a form was sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    logged: Option<String>,
    updated: Option<String>,
}

/// One incident in the list or on its page, ready to show.
#[derive(Debug)]
pub(crate) struct IncidentRow {
    reference: String,
    title: String,
    description: String,
    status: String,
    status_label: &'static str,
    type_label: String,
    service: String,
    created_at: String,
    updated_at: String,
    updates: Vec<UpdateRow>,
}

/// One public update, ready to show.
#[derive(Debug)]
pub(crate) struct UpdateRow {
    author: &'static str,
    body: String,
    created_at: String,
}

/// A select's option.
#[derive(Debug)]
pub(crate) struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "portal/incidents.html")]
struct ListPage {
    layout: Layout,
    incidents: Vec<IncidentRow>,
    statuses: Vec<Choice>,
    search: String,
    filtered: bool,
    next_page: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/incident.html")]
struct DetailPage {
    layout: Layout,
    incident: IncidentRow,
    notice: Option<String>,
    update: String,
    update_error: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/new_incident.html")]
struct NewIncidentPage {
    layout: Layout,
    types: Vec<Choice>,
    services: Vec<Choice>,
    title: String,
    description: String,
    idempotency_key: String,
    errors: FieldErrors,
}

/// Messages shown next to the fields of the log-an-incident form.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors {
    portal_type: Option<String>,
    service: Option<String>,
    title: Option<String>,
    description: Option<String>,
    form: Option<String>,
}

/// `GET /portal`: the customer's incidents.
pub(crate) async fn home() -> Redirect {
    Redirect::to("/portal/incidents")
}

/// The incidents the customer can see, newest first, filtered by status and text.
pub(crate) async fn list_incidents(
    State(state): State<AppState>,
    page: PageSession,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let request = PageRequest::from_query(PageQuery {
        limit: None,
        cursor: query.cursor.clone().filter(|cursor| !cursor.is_empty()),
        status: Some(query.status.clone()).filter(|status| !status.is_empty()),
        q: Some(query.q.clone()),
    })?;
    let audience = Audience::Customer(page.session.customer_id);

    let found = read::incidents_page(state.db(), audience, &request).await?;
    let found: Vec<PortalIncidentView> = found.into_iter().map(|i| i.into_portal()).collect();
    let (found, next_cursor) = request.split(found, |incident| incident.number);
    let names = Names::load(&state, &page).await?;
    let next_page = next_cursor.map(|cursor| next_page_query(&query, &cursor));

    let list = ListPage {
        layout: Layout::signed_in(&state, &page, Section::Incidents).await?,
        incidents: found.into_iter().map(|i| names.row(i)).collect(),
        statuses: choices(&STATUSES, &query.status),
        filtered: request.status.is_some() || request.search.is_some(),
        search: query.q,
        next_page,
    };
    Ok(render(&list))
}

/// One incident the customer can see, with its public updates and the form to add one.
pub(crate) async fn show_incident(
    State(state): State<AppState>,
    page: PageSession,
    PageId(key): PageId<IncidentKey>,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let done = query.map(|Query(query)| query).unwrap_or_default();
    let notice = if done.logged.is_some() {
        Some("Your incident is logged. The service desk has been told.".to_owned())
    } else {
        done.updated.map(|_| "Your update is added.".to_owned())
    };

    let detail = detail_page(&state, &page, key, notice, String::new(), None).await?;
    Ok(render(&detail))
}

/// Adds the customer's update and shows the incident again; the form with a message when the
/// update is not valid.
pub(crate) async fn add_update(
    State(state): State<AppState>,
    page: PageSession,
    PageId(key): PageId<IncidentKey>,
    fields: Fields,
) -> Result<Response, PageError> {
    csrf::check(&page.csrf, fields.get("csrf"))?;
    let body = fields.text("body");

    let refused = match CommentBody::parse(&body) {
        Ok(_) => match comment_as_customer(&state, page.session, key, &body).await {
            Ok(_) => None,
            Err(ApiError::Unprocessable { message, .. } | ApiError::Conflict { message, .. }) => {
                Some(sentence(&message))
            }
            Err(other) => return Err(other.into()),
        },
        Err(err) => Some(sentence(&err.to_string())),
    };
    let Some(message) = refused else {
        let reference = read::incident(state.db(), audience(&page), key)
            .await?
            .reference;
        return Ok(
            Redirect::to(&format!("/portal/incidents/{reference}?updated=1#updates"))
                .into_response(),
        );
    };

    let detail = detail_page(&state, &page, key, None, body, Some(message)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&detail)).into_response())
}

/// The form to log an incident: enabled portal types and the customer's effective services.
pub(crate) async fn new_incident(
    State(state): State<AppState>,
    page: PageSession,
) -> Result<Response, PageError> {
    let form = new_incident_page(&state, &page, &Fields::default(), FieldErrors::default()).await?;
    Ok(render(&form))
}

/// Logs the incident and shows it; the form with messages next to the fields otherwise.
pub(crate) async fn log_incident(
    State(state): State<AppState>,
    page: PageSession,
    fields: Fields,
) -> Result<Response, PageError> {
    csrf::check(&page.csrf, fields.get("csrf"))?;

    let errors = match checked_incident(&fields) {
        Ok(body) => {
            let bytes = serde_json::to_vec(&body).map_err(ApiError::internal)?;
            let key = IdempotencyKey(fields.get("idempotency_key").map(str::to_owned));
            match log_as_customer(&state, page.session, &key, body, &bytes).await {
                Ok(incident) => {
                    let to = format!("/portal/incidents/{}?logged=1", incident.reference);
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(err) => refused_incident(err)?,
            }
        }
        Err(errors) => errors,
    };

    let form = new_incident_page(&state, &page, &fields, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form)).into_response())
}

/// The fields as the portal API's body, or a message next to each field at fault.
fn checked_incident(fields: &Fields) -> Result<NewPortalIncident, FieldErrors> {
    let mut errors = FieldErrors::default();
    let portal_type = fields.text("type");
    if portal_type.is_empty() {
        errors.portal_type = Some("Choose what kind of incident this is.".to_owned());
    }
    let service_id = ServiceId::parse(fields.get("service_id").unwrap_or_default()).ok();
    if service_id.is_none() {
        errors.service = Some("Choose the service the incident is about.".to_owned());
    }
    let title = fields.text("title");
    if let Err(err) = IncidentTitle::parse(&title) {
        errors.title = Some(sentence(&err.to_string()));
    }
    let description = fields.text("description");
    if let Err(err) = Description::parse(&description) {
        errors.description = Some(sentence(&err.to_string()));
    }
    match service_id {
        Some(service_id) if errors.is_empty() => Ok(NewPortalIncident {
            portal_type,
            service_id,
            title,
            description,
        }),
        _ => Err(errors),
    }
}

/// A refusal of the write path, next to the field it is about; other errors are error pages.
fn refused_incident(err: ApiError) -> Result<FieldErrors, PageError> {
    let mut errors = FieldErrors::default();
    match err {
        ApiError::Unprocessable { code, message } => {
            let message = Some(sentence(&message));
            match code {
                "portal_type_unavailable" => errors.portal_type = message,
                "service_not_available" | "service_retired" => errors.service = message,
                _ => errors.form = message,
            }
        }
        ApiError::Conflict {
            code: "idempotency_key_reused",
            ..
        } => {
            errors.form = Some(
                "This form was already sent with other details. Check your incidents before \
                 sending it again."
                    .to_owned(),
            );
        }
        other => return Err(other.into()),
    }
    Ok(errors)
}

async fn new_incident_page(
    state: &AppState,
    page: &PageSession,
    fields: &Fields,
    errors: FieldErrors,
) -> Result<NewIncidentPage, ApiError> {
    let types = enabled_portal_types(state.store()).await?;
    let types: Vec<(String, String)> = types
        .iter()
        .map(|t| (t.name.as_str().to_owned(), t.label.as_str().to_owned()))
        .collect();
    let services: Vec<(String, String)> = offered_services(state, page)
        .await?
        .into_iter()
        .map(|service| (service.id, service.name))
        .collect();

    Ok(NewIncidentPage {
        layout: Layout::signed_in(state, page, Section::NewIncident).await?,
        types: choices(&types, fields.get("type").unwrap_or_default()),
        services: choices(&services, fields.get("service_id").unwrap_or_default()),
        title: fields.text("title"),
        description: fields.text("description"),
        idempotency_key: fields
            .get("idempotency_key")
            .map_or_else(random_token, str::to_owned),
        errors,
    })
}

/// The services the customer may log an incident on: effective and not retired.
async fn offered_services(
    state: &AppState,
    page: &PageSession,
) -> Result<Vec<ServiceView>, ApiError> {
    let services = directory::effective_services(state.db(), page.session.customer_id).await?;
    Ok(services
        .into_iter()
        .filter(|service| !service.retired)
        .collect())
}

async fn detail_page(
    state: &AppState,
    page: &PageSession,
    key: IncidentKey,
    notice: Option<String>,
    update: String,
    update_error: Option<String>,
) -> Result<DetailPage, ApiError> {
    let incident = read::incident(state.db(), audience(page), key).await?;
    let names = Names::load(state, page).await?;

    Ok(DetailPage {
        layout: Layout::signed_in(state, page, Section::None).await?,
        incident: names.row(incident.into_portal()),
        notice,
        update,
        update_error,
    })
}

fn audience(page: &PageSession) -> Audience {
    Audience::Customer(page.session.customer_id)
}

/// What ids and codes are called on the pages: services and portal types by name.
struct Names {
    customer: String,
    services: BTreeMap<String, String>,
    types: BTreeMap<String, String>,
}

impl Names {
    async fn load(state: &AppState, page: &PageSession) -> Result<Self, ApiError> {
        let services = directory::effective_services(state.db(), page.session.customer_id).await?;
        let settings = settings(state).await?;
        Ok(Self {
            customer: format!("customer:{}", page.session.customer_id),
            services: services.into_iter().map(|s| (s.id, s.name)).collect(),
            types: settings
                .portal_types
                .iter()
                .map(|t| (t.name.as_str().to_owned(), t.label.as_str().to_owned()))
                .collect(),
        })
    }

    fn row(&self, incident: PortalIncidentView) -> IncidentRow {
        let status_label = STATUSES
            .iter()
            .find(|(status, _)| *status == incident.status)
            .map_or("Unknown", |(_, label)| label);
        let type_label = incident
            .portal_type
            .as_ref()
            .and_then(|name| self.types.get(name))
            .cloned()
            .unwrap_or_else(|| "Logged by the service desk".to_owned());
        let updates = incident
            .comments
            .into_iter()
            .map(|comment| UpdateRow {
                author: if comment.author == "staff" {
                    "Service desk"
                } else if comment.author == self.customer {
                    "You"
                } else {
                    "A colleague"
                },
                body: comment.body,
                created_at: display_time(&comment.created_at),
            })
            .collect();
        IncidentRow {
            service: self
                .services
                .get(&incident.service_id)
                .cloned()
                .unwrap_or_default(),
            reference: incident.reference,
            title: incident.title,
            description: incident.description,
            status: incident.status,
            status_label,
            type_label,
            created_at: display_time(&incident.created_at),
            updated_at: display_time(&incident.updated_at),
            updates,
        }
    }
}

impl FieldErrors {
    fn is_empty(&self) -> bool {
        self.portal_type.is_none()
            && self.service.is_none()
            && self.title.is_none()
            && self.description.is_none()
            && self.form.is_none()
    }
}

/// Options with `selected` marking the one whose value is `current`.
fn choices<V: AsRef<str>, L: AsRef<str>>(options: &[(V, L)], current: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice {
            value: value.as_ref().to_owned(),
            label: label.as_ref().to_owned(),
            selected: value.as_ref() == current,
        })
        .collect()
}

/// The list's query for the next page: the same filter, from `cursor`.
fn next_page_query(query: &ListQuery, cursor: &str) -> String {
    let pairs = [
        ("status", query.status.as_str()),
        ("q", query.q.as_str()),
        ("cursor", cursor),
    ];
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// An RFC 3339 time as `4 Dec 2026, 18:30 UTC`; the text as it is when it does not parse.
fn display_time(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_owned(),
        |time| {
            time.with_timezone(&chrono::Utc)
                .format("%-d %b %Y, %H:%M UTC")
                .to_string()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_log_form_names_each_field_at_fault() {
        let service = "0190a000-0000-7000-8000-000000000001";
        let long_title = "t".repeat(1000);
        let cases = [
            (
                vec![
                    ("type", "issue"),
                    ("service_id", service),
                    ("title", "Printer"),
                ],
                "",
                "valid",
            ),
            (
                vec![("service_id", service), ("title", "Printer")],
                "type",
                "no type",
            ),
            (
                vec![("type", "issue"), ("service_id", "x"), ("title", "Printer")],
                "service",
                "bad service",
            ),
            (
                vec![("type", "issue"), ("service_id", service), ("title", "  ")],
                "title",
                "blank title",
            ),
            (
                vec![
                    ("type", "issue"),
                    ("service_id", service),
                    ("title", &long_title),
                ],
                "title",
                "long title",
            ),
        ];

        for (pairs, at_fault, message) in cases {
            let checked = checked_incident(&fields(&pairs));

            let faults = match &checked {
                Ok(_) => String::new(),
                Err(errors) => [
                    ("type", &errors.portal_type),
                    ("service", &errors.service),
                    ("title", &errors.title),
                    ("description", &errors.description),
                ]
                .iter()
                .filter(|(_, error)| error.is_some())
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(","),
            };
            assert_eq!(faults, at_fault, "{message}");
        }
    }

    #[test]
    fn times_show_in_utc_with_the_month_in_words() {
        assert_eq!(
            display_time("2026-12-04T18:30:05.123456Z"),
            "4 Dec 2026, 18:30 UTC"
        );
        assert_eq!(
            display_time("2026-12-04T20:30:00+02:00"),
            "4 Dec 2026, 18:30 UTC"
        );
        assert_eq!(display_time("not a time"), "not a time");
    }
}

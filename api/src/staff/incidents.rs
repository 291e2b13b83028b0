//! Incidents for staff (agents and admins): `POST /api/incidents`, `GET /api/incidents`,
//! `GET`/`PATCH /api/incidents/{id}` (`{id}` or `INC-<n>`), and
//! `POST /api/incidents/{id}/comments`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use ledgerdesk_domain::incident::{
    AddComment, IncidentCommand, IncidentState, IncidentStatus, LogIncident, LoggedBy,
};
use ledgerdesk_domain::value::{CommentBody, Description, IncidentTitle, IncidentType};
use ledgerdesk_domain::{
    Actor, Channel, CommentId, CustomerId, IncidentId, IncidentReference, ServiceId, StreamName,
    UserId,
};
use ledgerdesk_store::{AnyStore, ExpectedVersion};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::incidents::{
    self, IfMatch, IncidentKey, PageQuery, PageRequest, customer_facts, decide_log,
    its_customer_can_see, service_facts, user_facts,
};
use crate::json::{Body, PathId, present};
use crate::openapi::{self, ErrorEnvelope, Page};
use crate::read::incidents::{self as read, Audience, CommentView, IncidentView};
use crate::session::StaffSession;
use crate::staff::writer;

/// The body of `POST /api/incidents`; `show_in_portal` defaults to true.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewIncident {
    title: String,
    #[serde(default)]
    description: String,
    /// The internal incident type, e.g. `bug`.
    #[serde(rename = "type")]
    incident_type: String,
    #[schema(value_type = String, format = Uuid)]
    service_id: ServiceId,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    customer_id: Option<CustomerId>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    assignee_id: Option<UserId>,
    #[serde(default = "shown")]
    show_in_portal: bool,
}

/// The body of `PATCH /api/incidents/{id}`: every field optional; `null` for `customer_id` or
/// `assignee_id` removes the customer or the assignee.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncidentChanges {
    title: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    incident_type: Option<String>,
    #[schema(value_type = Option<String>, format = Uuid)]
    service_id: Option<ServiceId>,
    /// `null` removes the customer.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    customer_id: Option<Option<CustomerId>>,
    /// `null` removes the assignee.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    assignee_id: Option<Option<UserId>>,
    /// `open`, `in_progress`, `resolved` or `closed`.
    status: Option<String>,
    show_in_portal: Option<bool>,
    /// Mail the customer (public content only); they must be able to see the incident.
    #[serde(default)]
    notify_customer: bool,
}

/// The body of `POST /api/incidents/{id}/comments`; comments are internal unless `public`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewComment {
    body: String,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    notify_customer: bool,
}

/// Logs an incident for any customer (or none) on any active service: 201 with the incident.
#[utoipa::path(
    post,
    path = "/api/incidents",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    request_body = NewIncident,
    responses(
        (status = 201, description = "The new incident", body = IncidentView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 409, description = openapi::VERSION_CONFLICT, body = ErrorEnvelope),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_value`, `unknown_service`, `unknown_customer`, \
                `unknown_user`, `service_retired`, `user_deactivated`",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn log_incident(
    State(state): State<AppState>,
    staff: StaffSession,
    Body(body): Body<NewIncident>,
) -> Result<(StatusCode, Json<IncidentView>), ApiError> {
    let log = body.into_log(state.store()).await?;
    let incident_id = log.incident_id;

    let events = decide_log(state.db(), log).await?;
    let stream = StreamName::incident(incident_id);
    writer(&state, staff)
        .append::<IncidentState>(&stream, ExpectedVersion::NoStream, &events)
        .await?;

    let incident =
        read::incident(state.db(), Audience::Staff, IncidentKey::Id(incident_id)).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

/// Lists incidents, newest first: `{"items", "next_cursor"}`; `status` filters.
#[utoipa::path(
    get,
    path = "/api/incidents",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of incidents", body = Page<IncidentView>),
        (status = 400, description = openapi::BAD_QUERY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn list_incidents(
    State(state): State<AppState>,
    _staff: StaffSession,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<IncidentView>>, ApiError> {
    let page = PageRequest::parse(query)?;

    let items = read::incidents_page(state.db(), Audience::Staff, &page).await?;
    Ok(Json(page.answer(items, |incident| incident.number)))
}

/// One incident by id or reference, with every comment.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(("id" = String, Path, description = "The incident's id or its reference, `INC-<n>`")),
    responses(
        (status = 200, description = "The incident", body = IncidentView),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 404, description = openapi::NOT_FOUND, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn show_incident(
    State(state): State<AppState>,
    _staff: StaffSession,
    PathId(key): PathId<IncidentKey>,
) -> Result<Json<IncidentView>, ApiError> {
    Ok(Json(
        read::incident(state.db(), Audience::Staff, key).await?,
    ))
}

/// Changes any of an incident's fields in one append, optionally guarded by `If-Match`, and
/// optionally asks to notify its customer: 200 with the incident.
#[utoipa::path(
    patch,
    path = "/api/incidents/{id}",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(
        ("id" = String, Path, description = "The incident's id or its reference, `INC-<n>`"),
        (
            "If-Match" = Option<String>,
            Header,
            description = "The incident's `version` as read, quoted: `\"3\"`; another \
                version answers 409 at once"
        ),
    ),
    request_body = IncidentChanges,
    responses(
        (status = 200, description = "The changed incident", body = IncidentView),
        (
            status = 400,
            description = "`malformed_json`, `invalid_body`, `expected_json` (the body is not \
                the documented JSON), `invalid_if_match`",
            body = ErrorEnvelope
        ),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 404, description = openapi::NOT_FOUND, body = ErrorEnvelope),
        (
            status = 409,
            description = "`version_conflict` (`If-Match` names another version, or the \
                incident kept changing), `incident_closed`, `invalid_status_transition`",
            body = ErrorEnvelope
        ),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_value`, `unknown_service`, `unknown_customer`, \
                `unknown_user`, `service_retired`, `user_deactivated`, \
                `customer_cannot_see_incident`, `notify_separately`",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn change_incident(
    State(state): State<AppState>,
    staff: StaffSession,
    PathId(key): PathId<IncidentKey>,
    if_match: IfMatch,
    Body(body): Body<IncidentChanges>,
) -> Result<Json<IncidentView>, ApiError> {
    let incident_id = read::incident_id(state.db(), key).await?;
    let changes = Changes::check(&state, &body).await?;
    let notify = changes.notify_customer;
    let db = state.db();

    let writer = writer(&state, staff);
    incidents::change(&writer, incident_id, if_match, |incident_state| {
        let mut commands = changes.commands();
        async move {
            if notify {
                let customer_can_see = its_customer_can_see(db, &incident_state).await?;
                commands.push(IncidentCommand::NotifyCustomer { customer_can_see });
            }
            Ok(commands)
        }
    })
    .await?;

    let incident = read::incident(db, Audience::Staff, IncidentKey::Id(incident_id)).await?;
    Ok(Json(incident))
}

/// Adds a public or internal comment, optionally notifying the customer: 201 with the comment.
#[utoipa::path(
    post,
    path = "/api/incidents/{id}/comments",
    tag = "staff",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(("id" = String, Path, description = "The incident's id or its reference, `INC-<n>`")),
    request_body = NewComment,
    responses(
        (status = 201, description = "The new comment", body = CommentView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 404, description = openapi::NOT_FOUND, body = ErrorEnvelope),
        (
            status = 409,
            description = "`incident_closed`, `version_conflict`",
            body = ErrorEnvelope
        ),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_value` (a blank body), `customer_cannot_see_incident`, \
                `internal_comment_never_notifies`",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn comment_on_incident(
    State(state): State<AppState>,
    staff: StaffSession,
    PathId(key): PathId<IncidentKey>,
    Body(body): Body<NewComment>,
) -> Result<(StatusCode, Json<CommentView>), ApiError> {
    let incident_id = read::incident_id(state.db(), key).await?;
    let comment = AddComment {
        comment_id: CommentId::from_uuid(uuid::Uuid::now_v7()),
        body: CommentBody::parse(&body.body)?,
        public: body.public,
        author: Actor::Staff(staff.user_id),
        notify_customer: body.notify_customer,
        customer_can_see: false,
    };
    let db = state.db();

    let writer = writer(&state, staff);
    incidents::change(&writer, incident_id, IfMatch(None), |incident_state| {
        let mut comment = comment.clone();
        async move {
            comment.customer_can_see =
                comment.notify_customer && its_customer_can_see(db, &incident_state).await?;
            Ok(vec![IncidentCommand::AddComment(comment)])
        }
    })
    .await?;

    let comment_id = comment.comment_id.to_string();
    let comment = read::comment(db, Audience::Staff, incident_id, &comment_id).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

impl NewIncident {
    /// The command to log this incident, with a new id: 422 for a broken value or an unknown
    /// service, customer or staff user.
    async fn into_log(self, store: &AnyStore) -> Result<LogIncident, ApiError> {
        let title = IncidentTitle::parse(&self.title)?;
        let description = Description::parse(&self.description)?;
        let incident_type = IncidentType::parse(&self.incident_type)?;
        let service = service_facts(store, self.service_id).await?;
        let customer = match self.customer_id {
            Some(customer_id) => Some(customer_facts(store, customer_id).await?),
            None => None,
        };
        let assignee = match self.assignee_id {
            Some(user_id) => Some(user_facts(store, user_id).await?),
            None => None,
        };

        Ok(LogIncident {
            incident_id: IncidentId::from_uuid(uuid::Uuid::now_v7()),
            // Replaced by the reserved one in `decide_log`.
            reference: IncidentReference::from_number(1)?,
            title,
            description,
            service,
            assignee,
            channel: Channel::StaffApi,
            logged_by: LoggedBy::Staff {
                incident_type,
                customer,
                show_in_portal: self.show_in_portal,
            },
        })
    }
}

/// A PATCH's validated values and the facts it needs, checked once before any retry.
struct Changes {
    title: Option<IncidentTitle>,
    description: Option<Description>,
    incident_type: Option<IncidentType>,
    service: Option<ledgerdesk_domain::service::ServiceFacts>,
    customer: Option<Option<ledgerdesk_domain::customer::CustomerFacts>>,
    assignee: Option<Option<ledgerdesk_domain::user::UserFacts>>,
    status: Option<IncidentStatus>,
    show_in_portal: Option<bool>,
    notify_customer: bool,
}

impl Changes {
    /// Validates the values and loads the facts: 422 for a broken value or an unknown service,
    /// customer or staff user.
    async fn check(state: &AppState, body: &IncidentChanges) -> Result<Self, ApiError> {
        refuse_notify_with_visibility_change(body)?;
        let store = state.store();
        let service = match body.service_id {
            Some(service_id) => Some(service_facts(store, service_id).await?),
            None => None,
        };
        let customer = match body.customer_id {
            Some(Some(customer_id)) => Some(Some(customer_facts(store, customer_id).await?)),
            Some(None) => Some(None),
            None => None,
        };
        let assignee = match body.assignee_id {
            Some(Some(user_id)) => Some(Some(user_facts(store, user_id).await?)),
            Some(None) => Some(None),
            None => None,
        };

        Ok(Self {
            title: body
                .title
                .as_deref()
                .map(IncidentTitle::parse)
                .transpose()?,
            description: body
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()?,
            incident_type: body
                .incident_type
                .as_deref()
                .map(IncidentType::parse)
                .transpose()?,
            service,
            customer,
            assignee,
            status: body
                .status
                .as_deref()
                .map(IncidentStatus::parse)
                .transpose()?,
            show_in_portal: body.show_in_portal,
            notify_customer: body.notify_customer,
        })
    }

    /// The commands, in an order each can be decided in: a reopening first (a closed incident
    /// takes nothing else), closing last, the notification after everything.
    fn commands(&self) -> Vec<IncidentCommand> {
        let mut commands = Vec::new();
        let status = self
            .status
            .map(|status| IncidentCommand::ChangeStatus { status });
        let closes = self.status == Some(IncidentStatus::Closed);
        if !closes {
            commands.extend(status.clone());
        }
        if self.title.is_some() || self.description.is_some() {
            commands.push(IncidentCommand::ChangeDetails {
                title: self.title.clone(),
                description: self.description.clone(),
            });
        }
        if let Some(incident_type) = self.incident_type.clone() {
            commands.push(IncidentCommand::ChangeType { incident_type });
        }
        if let Some(service) = self.service {
            commands.push(IncidentCommand::ChangeService { service });
        }
        if let Some(customer) = self.customer {
            commands.push(IncidentCommand::ChangeCustomer { customer });
        }
        if let Some(assignee) = self.assignee {
            commands.push(IncidentCommand::Assign { assignee });
        }
        match self.show_in_portal {
            Some(true) => commands.push(IncidentCommand::ShowInPortal),
            Some(false) => commands.push(IncidentCommand::HideFromPortal),
            None => {}
        }
        if closes {
            commands.extend(status);
        }
        commands
    }
}

/// Whether the customer can see the incident is judged on the read model as it stands before
/// the request, so a notification cannot ride along with a change of what they see.
fn refuse_notify_with_visibility_change(body: &IncidentChanges) -> Result<(), ApiError> {
    let changes_visibility =
        body.show_in_portal.is_some() || body.service_id.is_some() || body.customer_id.is_some();
    if body.notify_customer && changes_visibility {
        return Err(ApiError::rule(
            "notify_separately",
            "notify the customer in a request of its own after changing what they can see",
        ));
    }
    Ok(())
}

fn shown() -> bool {
    true
}

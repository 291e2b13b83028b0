//! Incidents in the portal: `GET /portal/api/types`, `GET`/`POST /portal/api/incidents`,
//! `GET /portal/api/incidents/{id}` and `POST /portal/api/incidents/{id}/comments`.
//!
//! Every read goes through `query::visible_incidents_sql`, or `query::visible_page_sql` for the
//! list (`read::incidents`, `Audience::Customer`);
//! an incident the customer cannot see answers 404 exactly like one that does not exist.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use ledgerdesk_domain::incident::{
    AddComment, IncidentCommand, IncidentState, LogIncident, LoggedBy,
};
use ledgerdesk_domain::portal_settings::{PortalSettingsState, PortalType};
use ledgerdesk_domain::service::ServiceFacts;
use ledgerdesk_domain::value::{CommentBody, Description, IncidentTitle, PortalTypeName};
use ledgerdesk_domain::{
    Actor, Channel, CommentId, CustomerId, IncidentId, IncidentReference, ServiceId, StreamName,
};
use ledgerdesk_projections::query;
use ledgerdesk_store::{AnyStore, ExpectedVersion, Idempotency};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::incidents::{
    self, IfMatch, IncidentKey, PageQuery, PageRequest, customer_facts, decide_log,
};
use crate::json::{Body, BodyWithBytes, PathId};
use crate::openapi::{self, ErrorEnvelope, Page};
use crate::portal::writer;
use crate::read::incidents::{self as read, Audience, CommentView, PortalIncidentView};
use crate::session::CustomerSession;
use crate::write::load;

/// The body of `POST /portal/api/incidents`: `type` is a portal type's name.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPortalIncident {
    /// An enabled portal type's name (`GET /portal/api/types`).
    #[serde(rename = "type")]
    pub(crate) portal_type: String,
    /// One of the customer's effective services.
    #[schema(value_type = String, format = Uuid)]
    pub(crate) service_id: ServiceId,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: String,
}

/// The body of `POST /portal/api/incidents/{id}/comments`; a customer's comment is public.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPortalComment {
    body: String,
}

/// A portal type a customer may choose: `{"name","label"}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PortalTypeOption {
    /// What `POST /portal/api/incidents` takes as `type`.
    name: String,
    /// What customers read.
    label: String,
}

/// The `Idempotency-Key` header, if the request has one (the pages send a form field instead).
#[derive(Debug)]
pub(crate) struct IdempotencyKey(pub(crate) Option<String>);

/// The enabled portal types: `{"items": [{"name","label"}]}`.
#[utoipa::path(
    get,
    path = "/portal/api/types",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    responses(
        (status = 200, description = "The enabled portal types", body = Page<PortalTypeOption>),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn list_portal_types(
    State(state): State<AppState>,
    _session: CustomerSession,
) -> Result<Json<Page<PortalTypeOption>>, ApiError> {
    let types = enabled_portal_types(state.store()).await?;

    let items = types
        .iter()
        .map(|portal_type| PortalTypeOption {
            name: portal_type.name.as_str().to_owned(),
            label: portal_type.label.as_str().to_owned(),
        })
        .collect();
    Ok(Json(Page {
        items,
        next_cursor: None,
    }))
}

/// The incidents the customer can see, newest first: `{"items", "next_cursor"}`.
#[utoipa::path(
    get,
    path = "/portal/api/incidents",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    params(PageQuery),
    responses(
        (
            status = 200,
            description = "A page of the incidents the customer can see",
            body = Page<PortalIncidentView>
        ),
        (status = 400, description = openapi::BAD_QUERY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn list_my_incidents(
    State(state): State<AppState>,
    session: CustomerSession,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<PortalIncidentView>>, ApiError> {
    let page = PageRequest::parse(query)?;
    let audience = Audience::Customer(session.customer_id);

    let items = read::incidents_page(state.db(), audience, &page).await?;
    let items: Vec<PortalIncidentView> = items.into_iter().map(|i| i.into_portal()).collect();
    Ok(Json(page.answer(items, |incident| incident.number)))
}

/// One incident the customer can see, by id or reference; 404 otherwise.
#[utoipa::path(
    get,
    path = "/portal/api/incidents/{id}",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    params(("id" = String, Path, description = "The incident's id or its reference, `INC-<n>`")),
    responses(
        (
            status = 200,
            description = "The incident, public comments only",
            body = PortalIncidentView
        ),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (
            status = 404,
            description = "`not_found`: no such incident, or one the customer cannot see",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn show_my_incident(
    State(state): State<AppState>,
    session: CustomerSession,
    PathId(key): PathId<IncidentKey>,
) -> Result<Json<PortalIncidentView>, ApiError> {
    let audience = Audience::Customer(session.customer_id);

    let incident = read::incident(state.db(), audience, key).await?;
    Ok(Json(incident.into_portal()))
}

/// Logs an incident as the customer, on one of their effective services with an enabled portal
/// type: 201 with the portal incident. With `Idempotency-Key`, a replay answers the first
/// incident and appends nothing; the key with another body answers 409.
#[utoipa::path(
    post,
    path = "/portal/api/incidents",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    params((
        "Idempotency-Key" = Option<String>,
        Header,
        description = "1 to 200 printable ASCII characters; a replay with the same body answers \
            the first incident and appends nothing"
    )),
    request_body = NewPortalIncident,
    responses(
        (status = 201, description = "The new incident", body = PortalIncidentView),
        (
            status = 400,
            description = "`malformed_json`, `invalid_body`, `expected_json` (the body is not \
                the documented JSON), `invalid_idempotency_key`",
            body = ErrorEnvelope
        ),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (
            status = 409,
            description = "`idempotency_key_reused`: the key came with another body; \
                `version_conflict`",
            body = ErrorEnvelope
        ),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_value`, `portal_type_unavailable`, `service_not_available`, \
                `service_retired`",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn log_my_incident(
    State(state): State<AppState>,
    session: CustomerSession,
    idempotency_key: IdempotencyKey,
    BodyWithBytes(body, bytes): BodyWithBytes<NewPortalIncident>,
) -> Result<(StatusCode, Json<PortalIncidentView>), ApiError> {
    let incident = log_as_customer(&state, session, &idempotency_key, body, &bytes).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

/// Adds the customer's (public) comment to an incident they can see: 201 with the comment.
#[utoipa::path(
    post,
    path = "/portal/api/incidents/{id}/comments",
    tag = "portal",
    security(("bearer" = []), ("portal_cookie" = [])),
    params(("id" = String, Path, description = "The incident's id or its reference, `INC-<n>`")),
    request_body = NewPortalComment,
    responses(
        (status = 201, description = "The new comment", body = CommentView),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (
            status = 404,
            description = "`not_found`: no such incident, or one the customer cannot see",
            body = ErrorEnvelope
        ),
        (
            status = 409,
            description = "`incident_closed`, `version_conflict`",
            body = ErrorEnvelope
        ),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (status = 422, description = "`invalid_value` (a blank body)", body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn comment_on_my_incident(
    State(state): State<AppState>,
    session: CustomerSession,
    PathId(key): PathId<IncidentKey>,
    Body(body): Body<NewPortalComment>,
) -> Result<(StatusCode, Json<CommentView>), ApiError> {
    let comment = comment_as_customer(&state, session, key, &body.body).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

/// The write path of logging an incident in the portal, shared by the API and the pages:
/// decides as the customer and answers the incident as they see it. `bytes` fingerprints the
/// request for `idempotency_key`.
pub(crate) async fn log_as_customer(
    state: &AppState,
    session: CustomerSession,
    idempotency_key: &IdempotencyKey,
    body: NewPortalIncident,
    bytes: &[u8],
) -> Result<PortalIncidentView, ApiError> {
    let customer_id = session.customer_id;
    let (incident_id, idempotency) = idempotency_key.scoped(customer_id, bytes)?;
    let log = body.into_log(state, customer_id, incident_id).await?;

    let events = decide_log(state.db(), log).await?;
    let stream = StreamName::incident(incident_id);
    writer(state, session)
        .append_once::<IncidentState>(
            &stream,
            ExpectedVersion::NoStream,
            &events,
            idempotency.as_ref(),
        )
        .await?;

    let incident = read::incident(
        state.db(),
        Audience::Customer(customer_id),
        IncidentKey::Id(incident_id),
    )
    .await?;
    Ok(incident.into_portal())
}

/// The write path of a customer's update on an incident they can see, shared by the API and
/// the pages: 404 when they cannot see it; answers the comment as they see it.
pub(crate) async fn comment_as_customer(
    state: &AppState,
    session: CustomerSession,
    key: IncidentKey,
    body: &str,
) -> Result<CommentView, ApiError> {
    let audience = Audience::Customer(session.customer_id);
    let visible = read::incident(state.db(), audience, key).await?;
    let incident_id = IncidentId::parse(&visible.id).map_err(ApiError::internal)?;
    let text = CommentBody::parse(body)?;
    let comment_id = CommentId::from_uuid(uuid::Uuid::now_v7());

    let comment = AddComment {
        comment_id,
        body: text,
        public: true,
        author: Actor::Customer(session.customer_id),
        notify_customer: false,
        customer_can_see: false,
    };
    let writer = writer(state, session);
    incidents::change(&writer, incident_id, IfMatch(None), |_| {
        let cmd = IncidentCommand::AddComment(comment.clone());
        async move { Ok(vec![cmd]) }
    })
    .await?;

    read::comment(state.db(), audience, incident_id, &comment_id.to_string()).await
}

/// The enabled portal types, in the settings' order: what a customer may log.
pub(crate) async fn enabled_portal_types(store: &AnyStore) -> Result<Vec<PortalType>, ApiError> {
    let settings = load::<PortalSettingsState>(store, &StreamName::portal_settings()).await?;
    Ok(settings
        .state
        .settings()
        .enabled_portal_types()
        .cloned()
        .collect())
}

impl NewPortalIncident {
    /// The command to log this incident as the customer: 422 for a broken value, an unknown
    /// portal type or a service not on offer.
    async fn into_log(
        self,
        state: &AppState,
        customer_id: CustomerId,
        incident_id: IncidentId,
    ) -> Result<LogIncident, ApiError> {
        let title = IncidentTitle::parse(&self.title)?;
        let description = Description::parse(&self.description)?;
        let portal_type = portal_type(state.store(), &self.portal_type).await?;
        let service = service_on_offer(state.store(), self.service_id).await?;
        let logged_by = LoggedBy::Customer {
            customer: customer_facts(state.store(), customer_id).await?,
            portal_type,
            effective_services: query::effective_services(state.db(), customer_id).await?,
        };

        Ok(LogIncident {
            incident_id,
            // Replaced by the reserved one in `decide_log`.
            reference: IncidentReference::from_number(1)?,
            title,
            description,
            service,
            assignee: None,
            channel: Channel::Portal,
            logged_by,
        })
    }
}

impl IdempotencyKey {
    /// The incident id and store key for this customer's request: without a key, a new id; with
    /// one, an id derived from (customer, key), so a replay names the same incident, and the
    /// key scoped by customer with the body's bytes as the fingerprint.
    fn scoped(
        &self,
        customer_id: CustomerId,
        body: &[u8],
    ) -> Result<(IncidentId, Option<Idempotency>), ApiError> {
        let Some(key) = &self.0 else {
            return Ok((IncidentId::from_uuid(uuid::Uuid::now_v7()), None));
        };
        let digest = Sha256::digest(format!("portal-incident\n{customer_id}\n{key}"));
        let mut bytes = [0_u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        let incident_id =
            IncidentId::from_uuid(uuid::Builder::from_custom_bytes(bytes).into_uuid());

        let store_key = format!(
            "portal-incident:{customer_id}:{}",
            hex::encode(&digest[16..])
        );
        let idempotency = Idempotency::for_request(&store_key, body).map_err(ApiError::internal)?;
        Ok((incident_id, Some(idempotency)))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(header) = parts.headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        let key = header
            .to_str()
            .ok()
            .filter(|key| Idempotency::for_request(key, b"").is_ok())
            .ok_or_else(|| ApiError::BadRequest {
                code: "invalid_idempotency_key",
                message: "Idempotency-Key must be 1 to 200 printable ASCII characters".to_owned(),
            })?;
        Ok(Self(Some(key.to_owned())))
    }
}

/// The portal type called `name` from the portal settings, enabled or not (the domain refuses
/// a disabled one): 422 `portal_type_unavailable` when there is none.
async fn portal_type(store: &AnyStore, name: &str) -> Result<PortalType, ApiError> {
    let unavailable = || ApiError::rule("portal_type_unavailable", "no such portal type");
    let name = PortalTypeName::parse(name).map_err(|_| unavailable())?;
    let settings = load::<PortalSettingsState>(store, &StreamName::portal_settings()).await?;
    settings
        .state
        .settings()
        .portal_type(&name)
        .cloned()
        .ok_or_else(unavailable)
}

/// A service's facts; an unknown service answers like one not on offer to the customer
/// (422 `service_not_available`), so the portal does not reveal which ids exist.
async fn service_on_offer(
    store: &AnyStore,
    service_id: ServiceId,
) -> Result<ServiceFacts, ApiError> {
    incidents::service_facts(store, service_id)
        .await
        .map_err(|err| match err {
            ApiError::Unprocessable { .. } => ApiError::rule(
                "service_not_available",
                format!("service {service_id} is not available to the customer"),
            ),
            other => other,
        })
}

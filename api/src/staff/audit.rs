//! The audit endpoints (admins only, DESIGN §3.3): `GET /api/incidents/{id}/history`,
//! `GET /api/audit/events` (the global feed), `GET /api/incidents/{id}/access?at=` (who could
//! see an incident at a moment, and why) and `GET /api/customers/{id}/access?at=` (which
//! incidents a customer could see at a moment, and why).
//!
//! They read the ledger through `EventStore`, never the read model, so they show what was
//! recorded. Secrets in event data (every field named `*_hash`: password and token hashes) are
//! replaced with `"[redacted]"` before anything leaves the server (ADR 10).

use std::collections::HashSet;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::{DateTime, SecondsFormat, Utc};
use ledgerdesk_domain::{CustomerId, Event, LedgerState, StreamName};
use ledgerdesk_projections::db::{Cell, ReadDb};
use ledgerdesk_store::{AnyStore, Checkpoint, EventStore, RecordedEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::ApiError;
use crate::incidents::IncidentKey;
use crate::json::PathId;
use crate::openapi::{self, ErrorEnvelope, Page};
use crate::read::incidents as read;
use crate::session::AdminSession;

/// The default and the largest page of the global feed.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;
/// How many events the as-of fold reads at a time.
const FOLD_BATCH: u32 = 1000;
/// What a secret in event data is replaced with.
const REDACTED: &str = "[redacted]";

/// One ledger event as the audit endpoints show it (DESIGN §6).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuditEvent {
    /// The event's global position.
    position: i64,
    /// e.g. `incident-<id>`.
    stream: String,
    /// The event's version in its stream, from 1.
    version: u64,
    #[serde(rename = "type")]
    event_type: String,
    schema_version: u16,
    /// RFC 3339, UTC, microseconds.
    occurred_at: String,
    /// RFC 3339, UTC, microseconds: when the store recorded the event.
    recorded_at: String,
    /// `staff:<id>`, `customer:<id>`, `system`, `email` or `import:<name>`.
    actor: String,
    /// `staff-api`, `portal`, `email`, `import`, `cli` or `system`.
    #[schema(value_type = String)]
    channel: Value,
    /// The event's data as stored, every `*_hash` field reading `[redacted]`.
    #[schema(value_type = Object)]
    data: Value,
}

/// A page of the global feed: `{"items", "next_cursor"}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuditPage {
    items: Vec<AuditEvent>,
    /// The position to pass as `after` for the next page; `null` when no event follows yet.
    next_cursor: Option<i64>,
}

/// Who could see an incident at a moment: `{"incident_id", "at", "customers"}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IncidentAccess {
    incident_id: String,
    /// The moment asked about, in UTC.
    at: String,
    customers: Vec<CustomerAccess>,
}

/// A customer who could see the incident, and why.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CustomerAccess {
    customer_id: String,
    /// `own_incident` or `company_wide`.
    reason: &'static str,
}

/// What a customer could see at a moment: `{"customer_id", "at", "incidents"}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CustomerVisibility {
    customer_id: String,
    /// The moment asked about, in UTC.
    at: String,
    incidents: Vec<IncidentSeen>,
}

/// An incident the customer could see, and why.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IncidentSeen {
    incident_id: String,
    /// Its reference, `INC-<n>`.
    reference: String,
    /// `own_incident` or `company_wide`.
    reason: &'static str,
}

/// `?after=<position>&limit=<n>` of the global feed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct FeedQuery {
    /// The position of the last event already read (a `next_cursor`); 0 or none for the start.
    after: Option<i64>,
    /// How many events, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// `?at=<RFC 3339>` of the as-of access question.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AccessQuery {
    /// The moment, RFC 3339 (a `+` offset must be sent as `%2B`).
    at: String,
}

/// The incident's events, oldest first: `{"items": [audit event], "next_cursor": null}`.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/history",
    tag = "audit",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(("id" = String, Path, description = "The incident's id or its reference, `INC-<n>`")),
    responses(
        (status = 200, description = "Every event of the incident", body = Page<AuditEvent>),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 404, description = openapi::NOT_FOUND, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn show_incident_history(
    State(state): State<AppState>,
    _admin: AdminSession,
    PathId(key): PathId<IncidentKey>,
) -> Result<Json<Page<AuditEvent>>, ApiError> {
    let incident_id = read::incident_id(state.db(), key).await?;

    let recorded = state
        .store()
        .read_stream(&StreamName::incident(incident_id), 0)
        .await?;
    if recorded.is_empty() {
        return Err(ApiError::NotFound);
    }

    let items: Vec<AuditEvent> = recorded.into_iter().map(AuditEvent::from).collect();
    Ok(Json(Page {
        items,
        next_cursor: None,
    }))
}

/// The global feed after a position, in the store's gap-safe order:
/// `{"items": [audit event], "next_cursor": <position to pass as after> | null}`.
#[utoipa::path(
    get,
    path = "/api/audit/events",
    tag = "audit",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "A page of the ledger in global order", body = AuditPage),
        (
            status = 400,
            description = "`invalid_query`: the query string has the wrong shape, or no event \
                has the position `after`",
            body = ErrorEnvelope
        ),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn list_audit_events(
    State(state): State<AppState>,
    _admin: AdminSession,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(query) = query.map_err(|rejection| invalid_query(rejection.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let after = match query.after {
        None | Some(0) => Checkpoint::START,
        Some(position) => checkpoint_of(state.db(), position).await?,
    };

    // One event more than asked tells whether another page follows.
    let mut recorded = state.store().read_all(after, limit + 1).await?;
    let more = recorded.len() > limit as usize;
    recorded.truncate(limit as usize);

    let next_cursor = more
        .then(|| recorded.last().map(|event| event.position))
        .flatten();
    let items: Vec<AuditEvent> = recorded.into_iter().map(AuditEvent::from).collect();
    Ok(Json(AuditPage { items, next_cursor }))
}

/// Who could see the incident at `at`, and why:
/// `{"incident_id", "at", "customers": [{"customer_id", "reason"}]}`.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/access",
    tag = "audit",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(("id" = String, Path, description = "The incident's id or its reference, `INC-<n>`"), AccessQuery),
    responses(
        (status = 200, description = "Who could see the incident then", body = IncidentAccess),
        (
            status = 400,
            description = "`invalid_query`: no `at`, or one that is not RFC 3339",
            body = ErrorEnvelope
        ),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 404, description = openapi::NOT_FOUND, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn show_incident_access(
    State(state): State<AppState>,
    _admin: AdminSession,
    PathId(key): PathId<IncidentKey>,
    query: Result<Query<AccessQuery>, QueryRejection>,
) -> Result<Json<IncidentAccess>, ApiError> {
    let at = moment(query)?;
    let incident_id = read::incident_id(state.db(), key).await?;
    let stream = StreamName::incident(incident_id);

    let ledger = ledger_at(state.store(), &stream, at).await?;

    let customers = ledger
        .who_can_see(incident_id)
        .into_iter()
        .map(|(customer_id, reason)| CustomerAccess {
            customer_id: customer_id.to_string(),
            reason: reason.as_str(),
        })
        .collect();
    Ok(Json(IncidentAccess {
        incident_id: incident_id.to_string(),
        at: timestamp(at),
        customers,
    }))
}

/// Which incidents the customer could see at `at`, and why:
/// `{"customer_id", "at", "incidents": [{"incident_id", "reference", "reason"}]}`, ordered by
/// incident id. A customer not yet registered at `at` could see nothing: an empty list.
#[utoipa::path(
    get,
    path = "/api/customers/{id}/access",
    tag = "audit",
    security(("bearer" = []), ("staff_cookie" = [])),
    params(("id" = String, Path, description = "The customer's id"), AccessQuery),
    responses(
        (status = 200, description = "What the customer could see then", body = CustomerVisibility),
        (
            status = 400,
            description = "`invalid_query`: no `at`, or one that is not RFC 3339",
            body = ErrorEnvelope
        ),
        (status = 401, description = openapi::NOT_SIGNED_IN, body = ErrorEnvelope),
        (status = 403, description = openapi::NOT_ADMIN, body = ErrorEnvelope),
        (status = 404, description = openapi::NOT_FOUND, body = ErrorEnvelope),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn show_customer_access(
    State(state): State<AppState>,
    _admin: AdminSession,
    PathId(customer_id): PathId<CustomerId>,
    query: Result<Query<AccessQuery>, QueryRejection>,
) -> Result<Json<CustomerVisibility>, ApiError> {
    let at = moment(query)?;
    let stream = StreamName::customer(customer_id);

    let ledger = ledger_at(state.store(), &stream, at).await?;

    let incidents = ledger
        .visible_incidents(customer_id)
        .into_iter()
        .filter_map(|incident_id| {
            let reason = ledger.can_see(customer_id, incident_id)?;
            let incident = ledger.incident(incident_id)?;
            Some(IncidentSeen {
                incident_id: incident_id.to_string(),
                reference: incident.reference.to_string(),
                reason: reason.as_str(),
            })
        })
        .collect();
    Ok(Json(CustomerVisibility {
        customer_id: customer_id.to_string(),
        at: timestamp(at),
        incidents,
    }))
}

/// The moment `?at=` names, or 400 `invalid_query` when the query has the wrong shape or `at`
/// is not an RFC 3339 time.
fn moment(query: Result<Query<AccessQuery>, QueryRejection>) -> Result<DateTime<Utc>, ApiError> {
    let Query(query) = query.map_err(|rejection| invalid_query(rejection.body_text()))?;
    DateTime::parse_from_rfc3339(&query.at)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| invalid_query("at must be an RFC 3339 time".to_owned()))
}

/// The ledger as it stood at `at`, asked about `stream`: 404 when the stream has no event.
async fn ledger_at(
    store: &AnyStore,
    stream: &StreamName,
    at: DateTime<Utc>,
) -> Result<LedgerState, ApiError> {
    if store.stream_version(stream).await? == 0 {
        return Err(ApiError::NotFound);
    }
    fold_until(store, at).await
}

impl From<RecordedEvent> for AuditEvent {
    fn from(event: RecordedEvent) -> Self {
        let mut data = event.data;
        redact(&mut data);
        Self {
            position: event.position,
            stream: event.stream.to_string(),
            version: event.version,
            event_type: event.event_type,
            schema_version: event.schema_version,
            occurred_at: timestamp(event.occurred_at),
            recorded_at: timestamp(event.recorded_at),
            actor: event.metadata.actor.to_string(),
            channel: serde_json::to_value(event.metadata.channel).unwrap_or(Value::Null),
            data,
        }
    }
}

/// The ledger folded from every event recorded at or before `at`, in global order.
///
/// `recorded_at` (the store's clock when the append committed its transaction) is used rather
/// than `occurred_at` (the caller's clock, historical for imports): the question is what the
/// portal enforced at `at`, and it enforced what the ledger held. A stream is cut at its first
/// event recorded after `at`, so every stream is folded as a prefix even if two transactions'
/// clocks disagree with their commit order.
async fn fold_until(store: &AnyStore, at: DateTime<Utc>) -> Result<LedgerState, ApiError> {
    let mut ledger = LedgerState::default();
    let mut cut: HashSet<StreamName> = HashSet::new();
    let mut after = Checkpoint::START;
    loop {
        let batch = store.read_all(after, FOLD_BATCH).await?;
        let Some(last) = batch.last() else {
            return Ok(ledger);
        };
        after = last.checkpoint;
        for event in batch {
            if cut.contains(&event.stream) || event.recorded_at > at {
                cut.insert(event.stream);
                continue;
            }
            let decoded = Event::decode(&event.stream, &event.event_type, event.data)
                .map_err(ApiError::internal)?;
            ledger
                .apply(&event.stream, &decoded)
                .map_err(ApiError::internal)?;
        }
    }
}

/// The checkpoint of the event at `position`, found by looking the event up: 400
/// `invalid_query` when the ledger has no event there (ADR 10).
async fn checkpoint_of(db: &ReadDb, position: i64) -> Result<Checkpoint, ApiError> {
    // PostgreSQL orders the feed by writing transaction, then position; on SQLite, where one
    // writer commits at a time, the commit is the position itself.
    let sql = if matches!(db, ReadDb::Postgres(_)) {
        "select transaction_id::text::bigint from events where position = $1"
    } else {
        "select position from events where position = $1"
    };
    let rows = db.fetch_all(sql, &[position.into()]).await?;
    let commit = rows
        .first()
        .and_then(|row| row.first())
        .and_then(Cell::as_int)
        .ok_or_else(|| invalid_query(format!("no event has position {position}")))?;
    Ok(Checkpoint { commit, position })
}

/// Replaces every field named `*_hash` (password and token hashes), at any depth, with
/// `"[redacted]"`.
fn redact(data: &mut Value) {
    match data {
        Value::Object(fields) => {
            for (name, value) in fields.iter_mut() {
                if name.ends_with("_hash") && !value.is_null() {
                    *value = Value::String(REDACTED.to_owned());
                } else {
                    redact(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn invalid_query(message: String) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_query",
        message,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_hash_field_is_redacted_at_any_depth_and_nothing_else() {
        let mut data = json!({
            "customer_id": "c1",
            "password_hash": "$argon2id$v=19$secret",
            "welcome_email": {"token_hash": "abc", "expires_at": "2026-12-05T00:00:00Z"},
            "links": [{"token_hash": "def"}],
            "none_hash": null,
        });

        redact(&mut data);

        assert_eq!(
            data,
            json!({
                "customer_id": "c1",
                "password_hash": "[redacted]",
                "welcome_email": {"token_hash": "[redacted]", "expires_at": "2026-12-05T00:00:00Z"},
                "links": [{"token_hash": "[redacted]"}],
                "none_hash": null,
            })
        );
    }
}

//! What the staff and portal incident endpoints share: incident keys in paths (id or
//! `INC-<n>`), paging, `If-Match`, and the facts from other aggregates that incident commands
//! carry, loaded from their streams.

use std::str::FromStr;

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use axum::http::header::IF_MATCH;
use axum::http::request::Parts;
use ledgerdesk_domain::customer::{CustomerFacts, CustomerState};
use ledgerdesk_domain::incident::{
    IncidentCommand, IncidentEvent, IncidentState, IncidentStatus, LogIncident,
};
use ledgerdesk_domain::service::{ServiceFacts, ServiceState};
use ledgerdesk_domain::user::{UserFacts, UserState};
use ledgerdesk_domain::{CustomerId, IncidentId, IncidentReference, ServiceId, StreamName, UserId};
use ledgerdesk_projections::db::ReadDb;
use ledgerdesk_store::{AnyStore, ExpectedVersion};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::openapi::Page;
use crate::read::incidents::customer_can_see;
use crate::references;
use crate::write::{Writer, decide_all, load, retry_on_conflict};

/// The default and the largest page size of lists (DESIGN §6).
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;
/// The longest search text a list takes.
const MAX_SEARCH_CHARS: usize = 200;

/// An incident named in a path: its id, or its reference `INC-<n>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IncidentKey {
    Id(IncidentId),
    Reference(IncidentReference),
}

/// `?limit=&cursor=&status=&q=`; the cursor is opaque to clients.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// How many incidents, 1 to 500 (default 50).
    pub(crate) limit: Option<i64>,
    /// The previous page's `next_cursor`.
    pub(crate) cursor: Option<String>,
    /// Only incidents with this status: `open`, `in_progress`, `resolved` or `closed`.
    pub(crate) status: Option<String>,
    /// Only incidents whose title or description holds this text, ignoring case (at most 200
    /// characters).
    pub(crate) q: Option<String>,
}

/// A checked page request: at most `limit` incidents with references below `before`, of
/// `status` when given, whose title or description holds `search` when given.
#[derive(Debug)]
pub(crate) struct PageRequest {
    pub(crate) limit: i64,
    pub(crate) before: i64,
    pub(crate) status: Option<IncidentStatus>,
    pub(crate) search: Option<String>,
}

/// The version a client read, from `If-Match: "<version>"`; absent when the header is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IfMatch(pub(crate) Option<u64>);

impl FromStr for IncidentKey {
    type Err = ApiError;

    fn from_str(input: &str) -> Result<Self, ApiError> {
        if let Ok(id) = IncidentId::parse(input) {
            return Ok(Self::Id(id));
        }
        IncidentReference::parse(input)
            .map(Self::Reference)
            .map_err(|_| ApiError::NotFound)
    }
}

impl PageRequest {
    /// The first page at the default size, unfiltered: what a request without a query asks.
    pub(crate) fn first_page() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            before: i64::MAX,
            status: None,
            search: None,
        }
    }

    /// Checks the query: 400 `invalid_query` for a bad shape, cursor or status.
    pub(crate) fn parse(query: Result<Query<PageQuery>, QueryRejection>) -> Result<Self, ApiError> {
        let Query(query) = query.map_err(|rejection| invalid_query(rejection.body_text()))?;
        Self::from_query(query)
    }

    /// Checks a query already split into its fields, as [`PageRequest::parse`] does.
    pub(crate) fn from_query(query: PageQuery) -> Result<Self, ApiError> {
        let invalid = invalid_query;
        let before = match &query.cursor {
            Some(cursor) => cursor
                .parse::<i64>()
                .ok()
                .filter(|number| *number > 0)
                .ok_or_else(|| invalid("the cursor is not one this server gave".to_owned()))?,
            None => i64::MAX,
        };
        let status = query
            .status
            .as_deref()
            .map(IncidentStatus::parse)
            .transpose()
            .map_err(|err| invalid(err.to_string()))?;
        let search = query
            .q
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty());
        if search
            .as_ref()
            .is_some_and(|text| text.chars().count() > MAX_SEARCH_CHARS)
        {
            return Err(invalid(format!(
                "the search text is longer than {MAX_SEARCH_CHARS} characters"
            )));
        }

        Ok(Self {
            limit: query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
            before,
            status,
            search,
        })
    }

    /// `{"items", "next_cursor"}` from a page fetched with one item more than the limit.
    pub(crate) fn answer<T>(&self, items: Vec<T>, number: impl Fn(&T) -> i64) -> Page<T> {
        let (items, next_cursor) = self.split(items, number);
        Page { items, next_cursor }
    }

    /// The page's items and the cursor of the next page (`None` on the last), from a page
    /// fetched with one item more than the limit.
    pub(crate) fn split<T>(
        &self,
        mut items: Vec<T>,
        number: impl Fn(&T) -> i64,
    ) -> (Vec<T>, Option<String>) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|item| number(item).to_string())
        } else {
            None
        };
        (items, next_cursor)
    }
}

fn invalid_query(message: String) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_query",
        message,
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(header) = parts.headers.get(IF_MATCH) else {
            return Ok(Self(None));
        };
        let version = header
            .to_str()
            .ok()
            .map(|value| value.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|value| value.parse::<u64>().ok())
            .ok_or_else(|| ApiError::BadRequest {
                code: "invalid_if_match",
                message: "If-Match must be a quoted incident version, e.g. \"3\"".to_owned(),
            })?;
        Ok(Self(Some(version)))
    }
}

/// Decides `commands` on the incident's stream and appends them. With `if_match`, a stream at
/// another version answers 409 at once; without, a conflict is decided again.
///
/// `commands` builds the commands from the loaded state, so facts that depend on it (whether
/// the incident's customer can see it) are fresh on every attempt.
pub(crate) async fn change<F, Fut>(
    writer: &Writer,
    incident_id: IncidentId,
    if_match: IfMatch,
    commands: F,
) -> Result<(), ApiError>
where
    F: Fn(IncidentState) -> Fut,
    Fut: Future<Output = Result<Vec<IncidentCommand>, ApiError>>,
{
    let stream = StreamName::incident(incident_id);
    let attempt = || async {
        let loaded = load::<IncidentState>(&writer.store, &stream).await?;
        if loaded.state.incident().is_none() {
            return Err(ApiError::NotFound);
        }
        if if_match.0.is_some_and(|version| version != loaded.version) {
            return Err(ApiError::VersionConflict);
        }
        let commands = commands(loaded.state.clone()).await?;
        let events = decide_all(loaded.state, commands)?;
        let expected = ExpectedVersion::Exact(loaded.version);
        writer
            .append::<IncidentState>(&stream, expected, &events)
            .await
    };
    match if_match.0 {
        Some(_) => attempt().await?,
        None => retry_on_conflict(attempt).await?,
    };
    Ok(())
}

/// Decides logging `log` and reserves its reference. The command is decided once with a
/// placeholder reference first, so that a request the rules refuse reserves no number.
pub(crate) async fn decide_log(
    db: &ReadDb,
    mut log: LogIncident,
) -> Result<Vec<IncidentEvent>, ApiError> {
    log.reference = IncidentReference::from_number(u64::MAX).map_err(ApiError::internal)?;
    let dry_run = IncidentCommand::Log(Box::new(log.clone()));
    decide_all(IncidentState::default(), vec![dry_run])?;

    log.reference = references::reserve(db, log.incident_id).await?;
    let log = IncidentCommand::Log(Box::new(log));
    Ok(decide_all(IncidentState::default(), vec![log])?)
}

/// Whether the incident's customer can see it now, by the read model; `false` without one.
pub(crate) async fn its_customer_can_see(
    db: &ReadDb,
    state: &IncidentState,
) -> Result<bool, ApiError> {
    let Some(incident) = state.incident() else {
        return Ok(false);
    };
    match incident.customer_id {
        Some(customer_id) => customer_can_see(db, customer_id, incident.id).await,
        None => Ok(false),
    }
}

/// A service's facts from its stream: 422 `unknown_service` when it does not exist.
pub(crate) async fn service_facts(
    store: &AnyStore,
    service_id: ServiceId,
) -> Result<ServiceFacts, ApiError> {
    let loaded = load::<ServiceState>(store, &StreamName::service(service_id)).await?;
    loaded
        .state
        .service()
        .map(|service| service.facts())
        .ok_or_else(|| unknown("unknown_service", "service", service_id))
}

/// A customer's facts from their stream: 422 `unknown_customer` when they do not exist.
pub(crate) async fn customer_facts(
    store: &AnyStore,
    customer_id: CustomerId,
) -> Result<CustomerFacts, ApiError> {
    let loaded = load::<CustomerState>(store, &StreamName::customer(customer_id)).await?;
    loaded
        .state
        .customer()
        .map(|customer| customer.facts())
        .ok_or_else(|| unknown("unknown_customer", "customer", customer_id))
}

/// A staff user's facts from their stream: 422 `unknown_user` when they do not exist.
pub(crate) async fn user_facts(store: &AnyStore, user_id: UserId) -> Result<UserFacts, ApiError> {
    let loaded = load::<UserState>(store, &StreamName::user(user_id)).await?;
    loaded
        .state
        .user()
        .map(|user| user.facts())
        .ok_or_else(|| unknown("unknown_user", "staff user", user_id))
}

fn unknown(code: &'static str, what: &str, id: impl std::fmt::Display) -> ApiError {
    ApiError::rule(code, format!("{what} {id} does not exist"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_request_without_a_query_asks_for_the_first_page() {
        let empty = PageQuery::default();

        let parsed = PageRequest::parse(Ok(Query(empty))).expect("an empty query is valid");

        let first = PageRequest::first_page();
        assert_eq!(
            (parsed.limit, parsed.before, parsed.status, parsed.search),
            (first.limit, first.before, first.status, first.search),
            "portal_incidents_page_sql describes what a request without a query runs"
        );
    }
}

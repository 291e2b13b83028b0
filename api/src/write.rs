//! The write path: load a stream, fold it with `evolve`, `decide`, append with the version read,
//! retry a conflict by deciding again, then wait until the portal read model has the append
//! (read-your-writes, ADR 8).

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::Utc;
use ledgerdesk_domain::company::{CompanyEvent, CompanyState};
use ledgerdesk_domain::customer::{CustomerEvent, CustomerState};
use ledgerdesk_domain::incident::{IncidentEvent, IncidentState};
use ledgerdesk_domain::portal_settings::{PortalSettingsEvent, PortalSettingsState};
use ledgerdesk_domain::service::{ServiceEvent, ServiceState};
use ledgerdesk_domain::user::{UserEvent, UserState};
use ledgerdesk_domain::{Actor, Aggregate, Channel, Event, EventId, StreamName};
use ledgerdesk_projections::db::{Cell, ReadDb};
use ledgerdesk_projections::portal;
use ledgerdesk_store::{
    AnyStore, AppendOutcome, Checkpoint, EventStore, ExpectedVersion, Idempotency, Metadata,
    NewEvent,
};
use serde_json::Value;

use crate::error::ApiError;
use crate::metrics::METRICS;

/// How many times a write is decided again after a version conflict before answering 409.
const MAX_ATTEMPTS: usize = 5;
/// How often the read model's checkpoint is polled while waiting for a write.
const POLL_EVERY: Duration = Duration::from_millis(10);

/// An aggregate state that can be loaded from and appended to its stream.
pub trait StreamState: Aggregate + Send + Sync {
    /// This aggregate's event out of a decoded ledger event, if it is one.
    fn pick(event: Event) -> Option<Self::Event>;
    /// The stored form of one of this aggregate's events: type, schema version, data.
    fn encode(event: &Self::Event) -> (&'static str, u16, Value);
}

/// A stream's state and the version it was read at.
#[derive(Debug)]
pub struct Loaded<S> {
    /// The folded state.
    pub state: S,
    /// The stream's version (0 when it has no events).
    pub version: u64,
}

/// Who writes, through which channel, and whether to wait for the read model.
#[derive(Clone, Debug)]
pub struct Writer {
    /// The ledger.
    pub store: AnyStore,
    /// The read model, for read-your-writes.
    pub db: ReadDb,
    /// Who causes the events.
    pub actor: Actor,
    /// How the request came in.
    pub channel: Channel,
    /// Shared by every event of the request.
    pub correlation_id: uuid::Uuid,
    /// How long to wait for the portal read model after an append; `None` does not wait (the
    /// CLI, where no projector may be running).
    pub wait_for_read_model: Option<Duration>,
}

impl<S> Loaded<S> {
    /// The expectation for appending to what was read.
    #[must_use]
    pub fn expected(&self) -> ExpectedVersion {
        if self.version == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(self.version)
        }
    }
}

/// Reads a stream and folds it into its aggregate's state.
///
/// # Errors
/// 500 when the ledger cannot be read or holds an event the domain cannot decode.
pub async fn load<S: StreamState>(
    store: &AnyStore,
    stream: &StreamName,
) -> Result<Loaded<S>, ApiError> {
    let recorded = store.read_stream(stream, 0).await?;
    let mut state = S::default();
    let mut version = 0;
    for event in recorded {
        let decoded = Event::decode(&event.stream, &event.event_type, event.data)
            .map_err(ApiError::internal)?;
        if let Some(event) = S::pick(decoded) {
            state = state.evolve(&event);
        }
        version = event.version;
    }
    Ok(Loaded { state, version })
}

/// Decides `commands` one after the other, each against the state the previous ones left.
///
/// # Errors
/// The first rule a command breaks.
pub fn decide_all<S: StreamState>(
    mut state: S,
    commands: Vec<S::Command>,
) -> Result<Vec<S::Event>, S::Error> {
    let mut events = Vec::new();
    for cmd in commands {
        let decided = state.decide(cmd)?;
        state = decided
            .iter()
            .fold(state, |state, event| state.evolve(event));
        events.extend(decided);
    }
    Ok(events)
}

/// Runs `attempt` again while it fails with a version conflict, at most [`MAX_ATTEMPTS`] times.
///
/// # Errors
/// The last attempt's error.
pub async fn retry_on_conflict<T, F, Fut>(mut attempt: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(ApiError::VersionConflict) if tries < MAX_ATTEMPTS => {
                tracing::warn!(
                    attempt = tries,
                    "a stream changed while deciding, deciding again"
                );
                tries += 1;
            }
            other => return other,
        }
    }
}

impl Writer {
    /// Appends `events` (nothing for none) and waits for the read model when configured.
    ///
    /// # Errors
    /// [`ApiError::VersionConflict`] when the stream moved since it was read,
    /// [`ApiError::NotCaughtUp`] when the read model does not catch up in time, 500 otherwise.
    pub async fn append<S: StreamState>(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: &[S::Event],
    ) -> Result<Option<AppendOutcome>, ApiError> {
        self.append_once::<S>(stream, expected, events, None).await
    }

    /// Appends like [`Writer::append`] under an idempotency key: a replay of the same request
    /// gets the first request's outcome and appends nothing.
    ///
    /// # Errors
    /// As [`Writer::append`], and 409 `idempotency_key_reused` when the key came with another
    /// request.
    pub async fn append_once<S: StreamState>(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: &[S::Event],
        idempotency: Option<&Idempotency>,
    ) -> Result<Option<AppendOutcome>, ApiError> {
        if events.is_empty() {
            return Ok(None);
        }
        let now = Utc::now();
        let batch = events
            .iter()
            .map(|event| {
                let (event_type, schema_version, data) = S::encode(event);
                let metadata = Metadata {
                    actor: self.actor.clone(),
                    channel: self.channel,
                    correlation_id: self.correlation_id,
                    causation_id: None,
                };
                let event_id = EventId::from_uuid(uuid::Uuid::now_v7());
                NewEvent::new(event_id, event_type, schema_version, data, metadata, now)
                    .map_err(ApiError::internal)
            })
            .collect::<Result<Vec<_>, _>>()?;

        let outcome = self
            .store
            .append(stream, expected, &batch, idempotency)
            .await?;
        if outcome.replayed {
            tracing::info!(stream.id = %stream, "replayed an idempotent request");
        } else {
            METRICS.record_append(batch.len());
            tracing::info!(stream.id = %stream, n_events = batch.len(), "appended events");
        }

        if let Some(timeout) = self.wait_for_read_model {
            wait_for_read_model(&self.db, outcome.checkpoint, timeout).await?;
        }
        Ok(Some(outcome))
    }
}

/// Waits until the portal projection's checkpoint is at or past `reached`.
///
/// # Errors
/// [`ApiError::NotCaughtUp`] after `timeout`; 500 when the checkpoint cannot be read.
pub async fn wait_for_read_model(
    db: &ReadDb,
    reached: Checkpoint,
    timeout: Duration,
) -> Result<(), ApiError> {
    let started = Instant::now();
    let sql = "select commit_id, position from projection_checkpoints where name = $1";
    loop {
        let rows = db.fetch_all(sql, &[portal::NAME.into()]).await?;
        let at = rows.first().map(|row| Checkpoint {
            commit: row.first().and_then(Cell::as_int).unwrap_or(0),
            position: row.get(1).and_then(Cell::as_int).unwrap_or(0),
        });
        if at.is_some_and(|at| at >= reached) {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            tracing::warn!(
                event.seq = reached.position,
                "the portal read model did not reach a write in time"
            );
            return Err(ApiError::NotCaughtUp);
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

impl StreamState for ServiceState {
    fn pick(event: Event) -> Option<ServiceEvent> {
        match event {
            Event::Service(event) => Some(event),
            _ => None,
        }
    }

    fn encode(event: &ServiceEvent) -> (&'static str, u16, Value) {
        (event.event_type(), event.schema_version(), event.to_data())
    }
}

impl StreamState for CompanyState {
    fn pick(event: Event) -> Option<CompanyEvent> {
        match event {
            Event::Company(event) => Some(event),
            _ => None,
        }
    }

    fn encode(event: &CompanyEvent) -> (&'static str, u16, Value) {
        (event.event_type(), event.schema_version(), event.to_data())
    }
}

impl StreamState for CustomerState {
    fn pick(event: Event) -> Option<CustomerEvent> {
        match event {
            Event::Customer(event) => Some(event),
            _ => None,
        }
    }

    fn encode(event: &CustomerEvent) -> (&'static str, u16, Value) {
        (event.event_type(), event.schema_version(), event.to_data())
    }
}

impl StreamState for UserState {
    fn pick(event: Event) -> Option<UserEvent> {
        match event {
            Event::User(event) => Some(event),
            _ => None,
        }
    }

    fn encode(event: &UserEvent) -> (&'static str, u16, Value) {
        (event.event_type(), event.schema_version(), event.to_data())
    }
}

impl StreamState for IncidentState {
    fn pick(event: Event) -> Option<IncidentEvent> {
        match event {
            Event::Incident(event) => Some(event),
            _ => None,
        }
    }

    fn encode(event: &IncidentEvent) -> (&'static str, u16, Value) {
        (event.event_type(), event.schema_version(), event.to_data())
    }
}

impl StreamState for PortalSettingsState {
    fn pick(event: Event) -> Option<PortalSettingsEvent> {
        match event {
            Event::PortalSettings(event) => Some(event),
            _ => None,
        }
    }

    fn encode(event: &PortalSettingsEvent) -> (&'static str, u16, Value) {
        (event.event_type(), event.schema_version(), event.to_data())
    }
}

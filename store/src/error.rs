//! Errors of the event store: conflicts callers branch on, separated from infrastructure failures.

use ledgerdesk_domain::StreamName;
use ledgerdesk_domain::upcast::UpcastError;

use crate::ExpectedVersion;

/// What can go wrong when appending to or reading from the event store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream's version was not the one the caller expected; nothing was written.
    #[error("stream {stream} is at version {actual}, not at the expected {expected}")]
    Conflict {
        /// The stream appended to.
        stream: StreamName,
        /// What the caller expected.
        expected: ExpectedVersion,
        /// The stream's version when the append was tried (0 when it has no events).
        actual: u64,
    },
    /// The idempotency key was used before for a request with other content.
    #[error("idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// An event id of the batch is already in the ledger, or appears twice in the batch;
    /// nothing was written.
    #[error("an event id of the batch is already in the ledger or appears twice in the batch")]
    DuplicateEventId,
    /// The request itself is not valid (for example an empty batch).
    #[error("invalid append: {0}")]
    InvalidAppend(&'static str),
    /// A stored event could not be brought to the current schema version.
    #[error("failed to upcast stored event at position {position}")]
    Upcast {
        /// The event's global position.
        position: i64,
        /// Why it failed.
        #[source]
        source: UpcastError,
    },
    /// A stored row does not hold what the schema promises.
    #[error("stored event at position {position} is unreadable: {reason}")]
    Corrupt {
        /// The event's global position.
        position: i64,
        /// What was wrong.
        reason: String,
    },
    /// The database failed or could not be reached.
    #[error("event store database failed")]
    Database(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error("failed to migrate the event store database")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether the error is an optimistic-concurrency conflict the caller may resolve by
    /// reloading the stream and deciding again.
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }
}

/// Turns a unique violation on one of the ledger's keys into the store error it means.
///
/// This is the one place where database constraint names become store errors.
pub(crate) fn classify_unique_violation(
    err: sqlx::Error,
    stream: &StreamName,
    expected: ExpectedVersion,
    actual: u64,
) -> StoreError {
    let constraint = match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => db.constraint().map(str::to_owned),
        _ => return StoreError::Database(err),
    };
    // SQLite does not report the constraint name, only the columns in the message.
    let message = match &err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        _ => String::new(),
    };
    let on_event_id =
        constraint.as_deref() == Some("events_event_id_key") || message.contains("events.event_id");
    let on_stream_version = constraint.as_deref() == Some("events_stream_version_key")
        || message.contains("events.stream, events.version");
    if on_event_id {
        return StoreError::DuplicateEventId;
    }
    if on_stream_version {
        return StoreError::Conflict {
            stream: stream.clone(),
            expected,
            actual,
        };
    }
    StoreError::Database(err)
}

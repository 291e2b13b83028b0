//! The Ledgerdesk event store: one [`EventStore`] trait with PostgreSQL and SQLite backends.
//!
//! The store keeps streams of events with optimistic concurrency, atomic batches, idempotency
//! keys, a gap-safe global order, a per-stream SHA-256 hash chain and upcasting on every read.
//! It knows nothing of incidents or customers: events are typed JSON to it. What the backends
//! share (planning an append, hashing, verifying, turning rows into events) lives in this crate's
//! backend-neutral modules; `postgres` and `sqlite` hold only their SQL.

mod any;
mod append;
mod checkpoint;
mod error;
mod event;
mod hash;
mod idempotency;
mod postgres;
mod prepared;
mod row;
mod sqlite;
mod verify;
mod version;
mod wake;
mod welcome_token;

use std::future::Future;

use ledgerdesk_domain::StreamName;

pub use crate::any::AnyStore;
pub use crate::append::AppendOutcome;
pub use crate::checkpoint::Checkpoint;
pub use crate::error::StoreError;
pub use crate::event::{InvalidEvent, Metadata, NewEvent, RecordedEvent};
pub use crate::hash::Hash;
pub use crate::idempotency::{Idempotency, InvalidIdempotencyKey};
pub use crate::postgres::PgStore;
pub use crate::prepared::PreparedAppend;
pub use crate::sqlite::SqliteStore;
pub use crate::verify::{BrokenLink, LinkProblem, VerifyReport};
pub use crate::version::ExpectedVersion;
pub use crate::wake::WakeUp;
pub use crate::welcome_token::{WelcomeKey, token_customer, token_hash};

/// The PostgreSQL `LISTEN`/`NOTIFY` channel that carries wake-up hints.
pub const NOTIFY_CHANNEL: &str = "ledgerdesk_events";

/// An append-only ledger of event streams.
///
/// Every implementation passes the contract suite in `store/tests/contract`.
pub trait EventStore: Clone + Send + Sync + 'static {
    /// Writes a batch to a stream without committing it: checks the idempotency key, then the
    /// expected version, then inserts every event or none.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the stream is not at the expected version,
    /// [`StoreError::IdempotencyKeyReused`] when the key came with other content,
    /// [`StoreError::DuplicateEventId`] when an event id is taken,
    /// [`StoreError::InvalidAppend`] for an empty batch, [`StoreError::Database`] otherwise.
    /// In every error case nothing was written.
    fn prepare_append(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: &[NewEvent],
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<PreparedAppend, StoreError>> + Send;

    /// Appends a batch to a stream atomically; see [`EventStore::prepare_append`].
    ///
    /// # Errors
    /// As [`EventStore::prepare_append`], and [`StoreError::Database`] if the commit fails.
    fn append(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: &[NewEvent],
        idempotency: Option<&Idempotency>,
    ) -> impl Future<Output = Result<AppendOutcome, StoreError>> + Send {
        async move {
            let prepared = self
                .prepare_append(stream, expected, events, idempotency)
                .await?;
            prepared.commit().await
        }
    }

    /// Reads a stream's events after `after_version` (0 for all), oldest first, upcast.
    ///
    /// # Errors
    /// [`StoreError::Database`], or [`StoreError::Upcast`]/[`StoreError::Corrupt`] for a stored
    /// event that cannot be read.
    fn read_stream(
        &self,
        stream: &StreamName,
        after_version: u64,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send;

    /// Reads up to `limit` events of the whole ledger after `after`, in global order, upcast.
    ///
    /// Gap-safe: no event can later appear before the last one returned.
    ///
    /// # Errors
    /// As [`EventStore::read_stream`].
    fn read_all(
        &self,
        after: Checkpoint,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, StoreError>> + Send;

    /// How many events the ledger holds after `after` (committed or not yet visible to readers).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    fn count_after(
        &self,
        after: Checkpoint,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The stream's current version, 0 when it has no events.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    fn stream_version(
        &self,
        stream: &StreamName,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Checks every stream's hash chain.
    ///
    /// # Errors
    /// [`StoreError::Database`], or [`StoreError::Corrupt`] for a row that cannot be read.
    fn verify(&self) -> impl Future<Output = Result<VerifyReport, StoreError>> + Send;

    /// Wake-up hints for readers; a hint, never the source of truth.
    fn wake_up(&self) -> &WakeUp;
}

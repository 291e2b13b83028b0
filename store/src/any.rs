//! The backend chosen at run time from a database URL.

use ledgerdesk_domain::StreamName;

use crate::{
    AppendOutcome, Checkpoint, EventStore, ExpectedVersion, Idempotency, NewEvent, PgStore,
    PreparedAppend, RecordedEvent, SqliteStore, StoreError, VerifyReport, WakeUp,
};

/// Either backend, picked by the URL's scheme: `postgres://`/`postgresql://` or `sqlite:`.
#[derive(Clone, Debug)]
pub enum AnyStore {
    /// A PostgreSQL server.
    Postgres(PgStore),
    /// An embedded SQLite file.
    Sqlite(SqliteStore),
}

impl AnyStore {
    /// Opens the store at `url` and applies pending migrations.
    ///
    /// # Errors
    /// [`StoreError::InvalidAppend`] is never returned here; [`StoreError::Database`] for an
    /// unknown scheme or an unreachable database, [`StoreError::Migrate`] when migrating fails.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(PgStore::connect(url, 16).await?));
        }
        if url.starts_with("sqlite:") {
            return Ok(Self::Sqlite(SqliteStore::connect(url).await?));
        }
        Err(StoreError::Database(sqlx::Error::Configuration(
            "database URL must start with postgres://, postgresql:// or sqlite:".into(),
        )))
    }

    /// Opens an existing store at `url`: like [`AnyStore::connect`], except that an SQLite file
    /// that does not exist is an error instead of a new, empty ledger.
    ///
    /// # Errors
    /// As [`AnyStore::connect`].
    pub async fn open_existing(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            return Ok(Self::Sqlite(SqliteStore::open_existing(url).await?));
        }
        Self::connect(url).await
    }

    /// The backend's name, for logs and reports.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

impl EventStore for AnyStore {
    async fn prepare_append(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: &[NewEvent],
        idempotency: Option<&Idempotency>,
    ) -> Result<PreparedAppend, StoreError> {
        match self {
            Self::Postgres(store) => {
                store
                    .prepare_append(stream, expected, events, idempotency)
                    .await
            }
            Self::Sqlite(store) => {
                store
                    .prepare_append(stream, expected, events, idempotency)
                    .await
            }
        }
    }

    async fn append(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: &[NewEvent],
        idempotency: Option<&Idempotency>,
    ) -> Result<AppendOutcome, StoreError> {
        match self {
            Self::Postgres(store) => store.append(stream, expected, events, idempotency).await,
            Self::Sqlite(store) => store.append(stream, expected, events, idempotency).await,
        }
    }

    async fn read_stream(
        &self,
        stream: &StreamName,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        match self {
            Self::Postgres(store) => store.read_stream(stream, after_version).await,
            Self::Sqlite(store) => store.read_stream(stream, after_version).await,
        }
    }

    async fn read_all(
        &self,
        after: Checkpoint,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        match self {
            Self::Postgres(store) => store.read_all(after, limit).await,
            Self::Sqlite(store) => store.read_all(after, limit).await,
        }
    }

    async fn count_after(&self, after: Checkpoint) -> Result<u64, StoreError> {
        match self {
            Self::Postgres(store) => store.count_after(after).await,
            Self::Sqlite(store) => store.count_after(after).await,
        }
    }

    async fn stream_version(&self, stream: &StreamName) -> Result<u64, StoreError> {
        match self {
            Self::Postgres(store) => store.stream_version(stream).await,
            Self::Sqlite(store) => store.stream_version(stream).await,
        }
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        match self {
            Self::Postgres(store) => store.verify().await,
            Self::Sqlite(store) => store.verify().await,
        }
    }

    fn wake_up(&self) -> &WakeUp {
        match self {
            Self::Postgres(store) => store.wake_up(),
            Self::Sqlite(store) => store.wake_up(),
        }
    }
}

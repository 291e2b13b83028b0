//! The embedded SQLite backend: one file, one writer at a time, many readers (WAL).
//!
//! Every append's first statement writes, so the transaction takes SQLite's write lock before it
//! reads the stream head; appends are therefore serialized and commit in position order, which
//! makes reading by position alone gap-safe (ADR 0002).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::TryStreamExt;
use ledgerdesk_domain::StreamName;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use crate::append::{PlannedEvent, plan, to_i64};
use crate::error::classify_unique_violation;
use crate::hash::Hash;
use crate::row::StoredRow;
use crate::verify::{StreamHead, Verifier};
use crate::{
    AppendOutcome, Checkpoint, EventStore, ExpectedVersion, Idempotency, NewEvent, PreparedAppend,
    RecordedEvent, StoreError, VerifyReport, WakeUp,
};

/// The event store in an SQLite database file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    wake_up: WakeUp,
}

const SELECT_COLUMNS: &str = r"
    select position, event_id, stream, version, event_type, schema_version, data, actor,
           channel, correlation_id, causation_id, occurred_at, recorded_at, hash
    from events";

impl SqliteStore {
    /// Opens (creating if needed) the database at `url`, e.g. `sqlite://ledgerdesk.db`, and
    /// applies pending migrations.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the file cannot be opened, [`StoreError::Migrate`] when a
    /// migration fails.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::open(url, true).await
    }

    /// Opens the database at `url` only if the file exists, and applies pending migrations:
    /// for commands that inspect a ledger, where a mistyped path must not look like an empty one.
    ///
    /// # Errors
    /// As [`SqliteStore::connect`], and [`StoreError::Database`] when the file does not exist.
    pub async fn open_existing(url: &str) -> Result<Self, StoreError> {
        Self::open(url, false).await
    }

    async fn open(url: &str, create: bool) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            // Full: a committed append survives a power cut, not only a crash of the process.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool and applies pending migrations.
    ///
    /// # Errors
    /// [`StoreError::Migrate`] when a migration fails.
    pub async fn from_pool(pool: SqlitePool) -> Result<Self, StoreError> {
        ledgerdesk_migrations::SQLITE.run(&pool).await?;
        Ok(Self {
            pool,
            wake_up: WakeUp::default(),
        })
    }

    /// The connection pool, for read models that live in the same database.
    #[must_use]
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn insert_events(
        tx: &mut Transaction<'static, Sqlite>,
        stream: &StreamName,
        planned: &[PlannedEvent<'_>],
    ) -> Result<Vec<i64>, StoreError> {
        let mut positions = Vec::with_capacity(planned.len());
        for row in planned {
            let event = row.event;
            let metadata = event.metadata();
            let position: i64 = sqlx::query_scalar(
                r"
                insert into events (
                    event_id, stream, version, event_type, schema_version, data,
                    actor, channel, correlation_id, causation_id, occurred_at, hash
                )
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                returning position
                ",
            )
            .bind(event.event_id().as_uuid().to_string())
            .bind(stream.as_str())
            .bind(to_i64(row.version)?)
            .bind(event.event_type())
            .bind(i32::from(event.schema_version()))
            .bind(event.data().to_string())
            .bind(metadata.actor.to_string())
            .bind(metadata.channel.to_string())
            .bind(metadata.correlation_id.to_string())
            .bind(metadata.causation_id.map(|id| id.to_string()))
            .bind(format_time(event.occurred_at()))
            .bind(row.hash.to_vec())
            .fetch_one(&mut **tx)
            .await?;
            positions.push(position);
        }
        Ok(positions)
    }
}

impl EventStore for SqliteStore {
    #[tracing::instrument(
        name = "store.append",
        skip_all,
        fields(stream.id = %stream, expected_version = %expected, n_events = events.len())
    )]
    async fn prepare_append(
        &self,
        stream: &StreamName,
        expected: ExpectedVersion,
        events: &[NewEvent],
        idempotency: Option<&Idempotency>,
    ) -> Result<PreparedAppend, StoreError> {
        let mut tx = self.pool.begin().await?;

        // A write first: it takes the database's write lock (waiting up to the busy timeout), so
        // the head read below cannot go stale before this transaction commits.
        sqlx::query("insert into streams (stream, version) values ($1, 0) on conflict do nothing")
            .bind(stream.as_str())
            .execute(&mut *tx)
            .await?;

        if let Some(idempotency) = idempotency
            && let Some(outcome) = claim_key(&mut tx, idempotency).await?
        {
            tx.rollback().await?;
            return Ok(PreparedAppend::replayed(outcome));
        }

        let head = sqlx::query("select version, last_hash from streams where stream = $1")
            .bind(stream.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let current_version = u64::try_from(head.try_get::<i64, _>("version")?).unwrap_or(0);
        let last_hash = head
            .try_get::<Option<Vec<u8>>, _>("last_hash")?
            .and_then(|bytes| Hash::try_from(bytes.as_slice()).ok());
        let planned = plan(stream, expected, current_version, last_hash, events)?;
        let positions = match Self::insert_events(&mut tx, stream, &planned).await {
            Ok(positions) => positions,
            Err(StoreError::Database(err)) => {
                return Err(classify_unique_violation(
                    err,
                    stream,
                    expected,
                    current_version,
                ));
            }
            Err(other) => return Err(other),
        };
        let outcome = outcome_of(stream, &planned, &positions)?;

        sqlx::query("update streams set version = $2, last_hash = $3 where stream = $1")
            .bind(stream.as_str())
            .bind(to_i64(outcome.last_version)?)
            .bind(planned.last().map(|p| p.hash.to_vec()))
            .execute(&mut *tx)
            .await?;
        if let Some(idempotency) = idempotency {
            let outcome_json = serde_json::to_string(&outcome)
                .map_err(|_| StoreError::InvalidAppend("outcome cannot be serialized"))?;
            sqlx::query("update idempotency_keys set outcome = $2 where key = $1")
                .bind(idempotency.key())
                .bind(outcome_json)
                .execute(&mut *tx)
                .await?;
        }

        Ok(PreparedAppend::sqlite(outcome, tx, self.wake_up.clone()))
    }

    async fn read_stream(
        &self,
        stream: &StreamName,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let sql = format!("{SELECT_COLUMNS} where stream = $1 and version > $2 order by version");
        let rows = sqlx::query(&sql)
            .bind(stream.as_str())
            .bind(to_i64(after_version)?)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| stored_row(row)?.into_recorded())
            .collect()
    }

    async fn read_all(
        &self,
        after: Checkpoint,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        // One writer at a time commits positions in order, so position alone is gap-safe.
        let sql = format!("{SELECT_COLUMNS} where position > $1 order by position limit $2");
        let rows = sqlx::query(&sql)
            .bind(after.position)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| stored_row(row)?.into_recorded())
            .collect()
    }

    async fn count_after(&self, after: Checkpoint) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("select count(*) from events where position > $1")
            .bind(after.position)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn stream_version(&self, stream: &StreamName) -> Result<u64, StoreError> {
        let version: Option<i64> =
            sqlx::query_scalar("select version from streams where stream = $1")
                .bind(stream.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(version.and_then(|v| u64::try_from(v).ok()).unwrap_or(0))
    }

    #[tracing::instrument(name = "store.verify", skip_all)]
    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut tx = self.pool.begin().await?;
        // One read transaction is one snapshot in WAL mode, for the events and the heads alike,
        // so appends running meanwhile cannot look like truncated streams.
        let mut verifier = Verifier::default();
        let sql = format!("{SELECT_COLUMNS} order by stream, version");
        let mut rows = sqlx::query(&sql).fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            match stored_row(&row) {
                Ok(stored) => verifier.check(&stored),
                Err(_) => verifier.unreadable(
                    row.try_get("stream").unwrap_or_default(),
                    row.try_get("version").unwrap_or_default(),
                    row.try_get("position").ok(),
                ),
            }
        }
        drop(rows);

        let heads = sqlx::query("select stream, version, last_hash from streams order by stream")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| {
                Ok(StreamHead {
                    stream: row.try_get("stream")?,
                    version: u64::try_from(row.try_get::<i64, _>("version")?).unwrap_or(0),
                    last_hash: row
                        .try_get::<Option<Vec<u8>>, _>("last_hash")?
                        .and_then(|bytes| Hash::try_from(bytes.as_slice()).ok()),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        tx.commit().await?;
        Ok(verifier.finish(&heads))
    }

    fn wake_up(&self) -> &WakeUp {
        &self.wake_up
    }
}

async fn claim_key(
    tx: &mut Transaction<'static, Sqlite>,
    idempotency: &Idempotency,
) -> Result<Option<AppendOutcome>, StoreError> {
    let claimed = sqlx::query(
        "insert into idempotency_keys (key, fingerprint) values ($1, $2) on conflict do nothing",
    )
    .bind(idempotency.key())
    .bind(idempotency.fingerprint().to_vec())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if claimed == 1 {
        return Ok(None);
    }

    let row = sqlx::query("select fingerprint, outcome from idempotency_keys where key = $1")
        .bind(idempotency.key())
        .fetch_one(&mut **tx)
        .await?;
    let fingerprint: Vec<u8> = row.try_get("fingerprint")?;
    if fingerprint.as_slice() != idempotency.fingerprint().as_slice() {
        return Err(StoreError::IdempotencyKeyReused);
    }
    let outcome: Option<String> = row.try_get("outcome")?;
    outcome
        .and_then(|text| serde_json::from_str(&text).ok())
        .map(Some)
        .ok_or_else(|| StoreError::Corrupt {
            position: 0,
            reason: "idempotency key without outcome".into(),
        })
}

fn outcome_of(
    stream: &StreamName,
    planned: &[PlannedEvent<'_>],
    positions: &[i64],
) -> Result<AppendOutcome, StoreError> {
    let (Some(first), Some(last)) = (planned.first(), planned.last()) else {
        return Err(StoreError::InvalidAppend(
            "a batch needs at least one event",
        ));
    };
    let first_position = positions.iter().copied().min().unwrap_or(0);
    let last_position = positions.iter().copied().max().unwrap_or(0);
    Ok(AppendOutcome {
        stream: stream.clone(),
        first_version: first.version,
        last_version: last.version,
        first_position,
        last_position,
        checkpoint: Checkpoint {
            commit: last_position,
            position: last_position,
        },
        replayed: false,
    })
}

fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_time(row: &SqliteRow, column: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    let text: String = row.try_get(column)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|err| sqlx::Error::ColumnDecode {
            index: column.to_owned(),
            source: Box::new(err),
        })
}

fn parse_uuid(text: &str, column: &str) -> Result<uuid::Uuid, sqlx::Error> {
    uuid::Uuid::parse_str(text).map_err(|err| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(err),
    })
}

fn stored_row(row: &SqliteRow) -> Result<StoredRow, sqlx::Error> {
    let position: i64 = row.try_get("position")?;
    let data: String = row.try_get("data")?;
    let causation: Option<String> = row.try_get("causation_id")?;
    Ok(StoredRow {
        position,
        commit: position,
        event_id: parse_uuid(&row.try_get::<String, _>("event_id")?, "event_id")?,
        stream: row.try_get("stream")?,
        version: row.try_get("version")?,
        event_type: row.try_get("event_type")?,
        schema_version: row.try_get("schema_version")?,
        data: serde_json::from_str(&data).map_err(|err| sqlx::Error::ColumnDecode {
            index: "data".into(),
            source: Box::new(err),
        })?,
        actor: row.try_get("actor")?,
        channel: row.try_get("channel")?,
        correlation_id: parse_uuid(
            &row.try_get::<String, _>("correlation_id")?,
            "correlation_id",
        )?,
        causation_id: causation
            .as_deref()
            .map(|text| parse_uuid(text, "causation_id"))
            .transpose()?,
        occurred_at: parse_time(row, "occurred_at")?,
        recorded_at: parse_time(row, "recorded_at")?,
        hash: row.try_get("hash")?,
    })
}

//! The PostgreSQL backend: several processes may append and read concurrently.
//!
//! Appends to one stream are ordered by a transaction-level advisory lock taken before the
//! transaction writes anything, so a later append to a stream always has a later transaction id.
//! Readers of the whole ledger only pass transactions older than the oldest one still running
//! (`pg_snapshot_xmin`), which makes the read gap-safe (ADR 0002).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use ledgerdesk_domain::StreamName;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};
use tokio::sync::oneshot;

use crate::append::{PlannedEvent, plan, to_i64};
use crate::error::classify_unique_violation;
use crate::hash::Hash;
use crate::row::StoredRow;
use crate::verify::{StreamHead, Verifier};
use crate::{
    AppendOutcome, Checkpoint, EventStore, ExpectedVersion, Idempotency, NOTIFY_CHANNEL, NewEvent,
    PreparedAppend, RecordedEvent, StoreError, VerifyReport, WakeUp,
};

/// The event store on a PostgreSQL server.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    wake_up: WakeUp,
    _listener: Arc<ListenerGuard>,
}

/// Stops the notification listener when the last clone of the store is dropped.
#[derive(Debug)]
struct ListenerGuard(Option<oneshot::Sender<()>>);

impl Drop for ListenerGuard {
    fn drop(&mut self) {
        if let Some(stop) = self.0.take() {
            let _ = stop.send(());
        }
    }
}

const SELECT_COLUMNS: &str = r"
    select position, transaction_id::text::bigint as commit, event_id, stream, version,
           event_type, schema_version, data, actor, channel, correlation_id, causation_id,
           occurred_at, recorded_at, hash
    from events";

impl PgStore {
    /// Connects to `url`, applies pending migrations and starts listening for wake-up hints.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the server cannot be reached, [`StoreError::Migrate`] when
    /// a migration fails.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// Uses an existing pool: applies pending migrations and starts listening for hints.
    ///
    /// # Errors
    /// As [`PgStore::connect`].
    pub async fn from_pool(pool: PgPool) -> Result<Self, StoreError> {
        ledgerdesk_migrations::POSTGRES.run(&pool).await?;
        let wake_up = WakeUp::default();
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(NOTIFY_CHANNEL).await?;
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(forward_notifications(listener, wake_up.clone(), stopped));

        Ok(Self {
            pool,
            wake_up,
            _listener: Arc::new(ListenerGuard(Some(stop))),
        })
    }

    /// The connection pool, for read models that live in the same database.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn insert_events(
        tx: &mut Transaction<'static, Postgres>,
        stream: &StreamName,
        planned: &[PlannedEvent<'_>],
    ) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        let mut event_ids = Vec::with_capacity(planned.len());
        let mut versions = Vec::with_capacity(planned.len());
        let mut types = Vec::with_capacity(planned.len());
        let mut schema_versions = Vec::with_capacity(planned.len());
        let mut data = Vec::with_capacity(planned.len());
        let mut actors = Vec::with_capacity(planned.len());
        let mut channels = Vec::with_capacity(planned.len());
        let mut correlations = Vec::with_capacity(planned.len());
        let mut causations = Vec::with_capacity(planned.len());
        let mut times = Vec::with_capacity(planned.len());
        let mut hashes = Vec::with_capacity(planned.len());
        for row in planned {
            let event = row.event;
            event_ids.push(event.event_id().as_uuid());
            versions.push(i64::try_from(row.version).unwrap_or(i64::MAX));
            types.push(event.event_type().to_owned());
            schema_versions.push(i32::from(event.schema_version()));
            data.push(event.data().clone());
            actors.push(event.metadata().actor.to_string());
            channels.push(event.metadata().channel.to_string());
            correlations.push(event.metadata().correlation_id);
            causations.push(event.metadata().causation_id);
            times.push(event.occurred_at());
            hashes.push(row.hash.to_vec());
        }

        // One statement inserts the events, moves the stream head and queues the wake-up hint
        // (delivered at commit): every round trip saved shortens the hold on the stream's lock.
        let (last_version, last_hash) = match planned.last() {
            Some(last) => (last.version, last.hash.to_vec()),
            None => return Ok(Vec::new()),
        };
        let rows = sqlx::query(
            r"
            with inserted as (
                insert into events (
                    event_id, stream, version, event_type, schema_version, data,
                    actor, channel, correlation_id, causation_id, occurred_at, hash
                )
                select e.event_id, $1, e.version, e.event_type, e.schema_version, e.data,
                       e.actor, e.channel, e.correlation_id, e.causation_id, e.occurred_at, e.hash
                from unnest(
                    $2::uuid[], $3::bigint[], $4::text[], $5::int[], $6::jsonb[], $7::text[],
                    $8::text[], $9::uuid[], $10::uuid[], $11::timestamptz[], $12::bytea[]
                ) as e(
                    event_id, version, event_type, schema_version, data,
                    actor, channel, correlation_id, causation_id, occurred_at, hash
                )
                order by e.version
                returning position, transaction_id
            ),
            head as (
                insert into streams (stream, version, last_hash)
                values ($1, $13, $14)
                on conflict (stream) do update
                set version = excluded.version, last_hash = excluded.last_hash
            ),
            hint as (
                select pg_notify($15, '')
            )
            select inserted.position, inserted.transaction_id::text::bigint as commit
            from inserted cross join hint
            ",
        )
        .bind(stream.as_str())
        .bind(event_ids)
        .bind(versions)
        .bind(types)
        .bind(schema_versions)
        .bind(data)
        .bind(actors)
        .bind(channels)
        .bind(correlations)
        .bind(causations)
        .bind(times)
        .bind(hashes)
        .bind(i64::try_from(last_version).unwrap_or(i64::MAX))
        .bind(last_hash)
        .bind(NOTIFY_CHANNEL)
        .fetch_all(&mut **tx)
        .await?;

        rows.iter()
            .map(|row| Ok((row.try_get("position")?, row.try_get("commit")?)))
            .collect()
    }
}

impl EventStore for PgStore {
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

        // Taken before anything is written, so this transaction's id is assigned only once every
        // earlier append to the stream has finished: per-stream order is global order.
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(stream_lock_key(stream))
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
            .fetch_optional(&mut *tx)
            .await?;
        let (current_version, last_hash) = match head {
            Some(row) => (
                row.try_get::<i64, _>("version")?,
                row.try_get::<Option<Vec<u8>>, _>("last_hash")?,
            ),
            None => (0, None),
        };
        let current_version = u64::try_from(current_version).unwrap_or(0);
        let last_hash = last_hash.and_then(|bytes| Hash::try_from(bytes.as_slice()).ok());
        let planned = plan(stream, expected, current_version, last_hash, events)?;
        let inserted = Self::insert_events(&mut tx, stream, &planned)
            .await
            .map_err(|err| classify_unique_violation(err, stream, expected, current_version))?;
        let outcome = outcome_of(stream, &planned, &inserted)?;

        if let Some(idempotency) = idempotency {
            sqlx::query("update idempotency_keys set outcome = $2 where key = $1")
                .bind(idempotency.key())
                .bind(sqlx::types::Json(&outcome))
                .execute(&mut *tx)
                .await?;
        }
        Ok(PreparedAppend::postgres(outcome, tx, self.wake_up.clone()))
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
        // Only transactions older than the oldest one still running are read: every one of them
        // has finished, so no event can later appear before the last one returned.
        let sql = format!(
            "{SELECT_COLUMNS}
            where (transaction_id, position) > ($1::text::xid8, $2)
              and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            order by transaction_id, position
            limit $3"
        );
        let rows = sqlx::query(&sql)
            .bind(after.commit.to_string())
            .bind(after.position)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| stored_row(row)?.into_recorded())
            .collect()
    }

    async fn count_after(&self, after: Checkpoint) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "select count(*) from events where (transaction_id, position) > ($1::text::xid8, $2)",
        )
        .bind(after.commit.to_string())
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
        // One snapshot for the events and the stream heads, so appends running meanwhile
        // cannot look like truncated streams.
        sqlx::query("set transaction isolation level repeatable read, read only")
            .execute(&mut *tx)
            .await?;
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

/// Records the key, or returns the first request's outcome when the key is known.
///
/// A concurrent first request with the same key makes this wait until it has finished.
async fn claim_key(
    tx: &mut Transaction<'static, Postgres>,
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
    let outcome: Option<sqlx::types::Json<AppendOutcome>> = row.try_get("outcome")?;
    match outcome {
        Some(outcome) => Ok(Some(outcome.0)),
        None => Err(StoreError::Corrupt {
            position: 0,
            reason: "idempotency key without outcome".into(),
        }),
    }
}

/// A 64-bit advisory lock key for a stream. Two streams sharing a key only wait for each other.
fn stream_lock_key(stream: &StreamName) -> i64 {
    let digest = Sha256::digest(stream.as_str().as_bytes());
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

fn outcome_of(
    stream: &StreamName,
    planned: &[PlannedEvent<'_>],
    inserted: &[(i64, i64)],
) -> Result<AppendOutcome, StoreError> {
    let (Some(first), Some(last)) = (planned.first(), planned.last()) else {
        return Err(StoreError::InvalidAppend(
            "a batch needs at least one event",
        ));
    };
    let first_position = inserted
        .iter()
        .map(|(position, _)| *position)
        .min()
        .unwrap_or(0);
    let (last_position, commit) = inserted.iter().copied().max().unwrap_or((0, 0));
    Ok(AppendOutcome {
        stream: stream.clone(),
        first_version: first.version,
        last_version: last.version,
        first_position,
        last_position,
        checkpoint: Checkpoint {
            commit,
            position: last_position,
        },
        replayed: false,
    })
}

fn stored_row(row: &PgRow) -> Result<StoredRow, sqlx::Error> {
    Ok(StoredRow {
        position: row.try_get("position")?,
        commit: row.try_get("commit")?,
        event_id: row.try_get("event_id")?,
        stream: row.try_get("stream")?,
        version: row.try_get("version")?,
        event_type: row.try_get("event_type")?,
        schema_version: row.try_get("schema_version")?,
        data: row.try_get("data")?,
        actor: row.try_get("actor")?,
        channel: row.try_get("channel")?,
        correlation_id: row.try_get("correlation_id")?,
        causation_id: row.try_get("causation_id")?,
        occurred_at: row.try_get("occurred_at")?,
        recorded_at: row.try_get("recorded_at")?,
        hash: row.try_get("hash")?,
    })
}

async fn forward_notifications(
    mut listener: PgListener,
    wake_up: WakeUp,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            received = listener.recv() => match received {
                Ok(_) => wake_up.notify(),
                Err(err) => {
                    // The listener reconnects on the next receive; readers poll meanwhile.
                    tracing::warn!(error = %err, "lost the event notification connection, retrying");
                    wake_up.notify();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            },
        }
    }
}

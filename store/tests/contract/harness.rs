//! Test backends: a fresh PostgreSQL database or SQLite file per test, and event builders.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use ledgerdesk_domain::{Actor, Channel, EventId, StreamName};
use ledgerdesk_store::{
    Checkpoint, EventStore, Metadata, NewEvent, PgStore, RecordedEvent, SqliteStore,
};
use ledgerdesk_test_databases::TestDatabase;

/// A backend under test, with the few raw operations the contract needs besides the store.
pub(crate) trait TestBackend {
    /// The store under test.
    type Store: EventStore;

    /// The store, freshly migrated and empty.
    fn store(&self) -> &Self::Store;

    /// Whether a second append can commit while another append's transaction is open.
    fn concurrent_writers(&self) -> bool;

    /// Changes the stored data of one event behind the store's back, as an intruder would.
    async fn tamper_with_event(&self, position: i64);

    /// Deletes one stored event behind the store's back, as an intruder would.
    async fn delete_event(&self, position: i64);

    /// Makes one stored event unreadable (a column no longer holds its type's values).
    async fn break_event(&self, position: i64);
}

pub(crate) struct PgBackend {
    store: PgStore,
    _database: TestDatabase,
}

impl PgBackend {
    /// Creates a new database on the test server; panics if the server cannot be reached.
    pub(crate) async fn create() -> Self {
        let database = TestDatabase::postgres().await;
        let store = PgStore::connect(&database.url(), 32)
            .await
            .expect("connect to the test database");
        Self {
            store,
            _database: database,
        }
    }

    /// Runs `sql` on the event at `position` with the append-only trigger switched off.
    async fn execute(&self, sql: &str, position: i64) {
        let mut tx = self.store.pool().begin().await.unwrap();
        sqlx::query("alter table events disable trigger events_append_only")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(sql)
            .bind(position)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("alter table events enable trigger events_append_only")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

impl TestBackend for PgBackend {
    type Store = PgStore;

    fn store(&self) -> &PgStore {
        &self.store
    }

    fn concurrent_writers(&self) -> bool {
        true
    }

    async fn tamper_with_event(&self, position: i64) {
        self.execute(
            r#"update events set data = jsonb_set(data, '{n}', '999') where position = $1"#,
            position,
        )
        .await;
    }

    async fn delete_event(&self, position: i64) {
        self.execute("delete from events where position = $1", position)
            .await;
    }

    async fn break_event(&self, position: i64) {
        sqlx::query("alter table events drop constraint events_hash_length")
            .execute(self.store.pool())
            .await
            .unwrap();
        self.execute(
            "update events set hash = '\\x00' where position = $1",
            position,
        )
        .await;
    }
}

pub(crate) struct SqliteBackend {
    store: SqliteStore,
    _database: TestDatabase,
}

impl SqliteBackend {
    /// Creates a new database file under the target directory.
    pub(crate) async fn create() -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("contract");
        let database = TestDatabase::sqlite_in(&dir);
        let store = SqliteStore::connect(&database.url())
            .await
            .expect("open the SQLite test database");
        Self {
            store,
            _database: database,
        }
    }

    /// Drops one append-only trigger for good, then runs `sql` on the event at `position`.
    async fn execute(&self, drop_trigger: &str, sql: &str, position: i64) {
        let mut tx = self.store.pool().begin().await.unwrap();
        sqlx::query(drop_trigger).execute(&mut *tx).await.unwrap();
        sqlx::query(sql)
            .bind(position)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

impl TestBackend for SqliteBackend {
    type Store = SqliteStore;

    fn store(&self) -> &SqliteStore {
        &self.store
    }

    fn concurrent_writers(&self) -> bool {
        false
    }

    async fn tamper_with_event(&self, position: i64) {
        self.execute(
            "drop trigger events_refuse_update",
            "update events set data = json_set(data, '$.n', 999) where position = $1",
            position,
        )
        .await;
    }

    async fn delete_event(&self, position: i64) {
        self.execute(
            "drop trigger events_refuse_delete",
            "delete from events where position = $1",
            position,
        )
        .await;
    }

    async fn break_event(&self, position: i64) {
        self.execute(
            "drop trigger events_refuse_update",
            "update events set data = '{not json' where position = $1",
            position,
        )
        .await;
    }
}

/// A stream name unique to this call.
pub(crate) fn new_stream(prefix: &str) -> StreamName {
    StreamName::parse(&format!("{prefix}-{}", uuid::Uuid::now_v7())).unwrap()
}

/// A fixed time, so hashes do not depend on the clock.
pub(crate) fn occurred_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap()
}

/// A test event carrying `n`, of a type the domain does not know (so no upcaster touches it).
pub(crate) fn numbered(n: u64) -> NewEvent {
    raw_event("contract.numbered", 1, serde_json::json!({ "n": n }))
}

/// Any event, as the caller spells it.
pub(crate) fn raw_event(
    event_type: &str,
    schema_version: u16,
    data: serde_json::Value,
) -> NewEvent {
    NewEvent::new(
        EventId::from_uuid(uuid::Uuid::now_v7()),
        event_type,
        schema_version,
        data,
        Metadata {
            actor: Actor::System,
            channel: Channel::Cli,
            correlation_id: uuid::Uuid::now_v7(),
            causation_id: None,
        },
        occurred_at(),
    )
    .unwrap()
}

/// The `n` carried by a [`numbered`] event.
pub(crate) fn number_of(event: &ledgerdesk_store::RecordedEvent) -> u64 {
    event.data["n"].as_u64().expect("a numbered event")
}

/// Waits at most `seconds` for a future that must finish.
pub(crate) async fn within<T>(seconds: u64, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), future)
        .await
        .expect("expected the operation to finish in time")
}

/// Reads the whole ledger after `after` until at least `count` events are visible (or ten
/// seconds pass), and returns what it read.
///
/// On PostgreSQL a reader waits for every transaction older than the ones it reads, in any
/// database of the server, so a test running beside this one can delay, never change, a read.
pub(crate) async fn read_all_until<S: EventStore>(
    store: &S,
    after: Checkpoint,
    count: usize,
) -> Vec<RecordedEvent> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let events = store.read_all(after, 1000).await.unwrap();
        if events.len() >= count || tokio::time::Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

//! Append throughput of the event store on both backends, next to a raw-INSERT baseline.
//!
//! Run with `cargo bench -p ledgerdesk-store --bench append`. For each backend it measures
//! single-event appends, 100-event batch appends and 16 concurrent writers, and inserts the same
//! rows into a plain table with plain INSERTs in the same run; the ratio is the figure that
//! matters. PostgreSQL is reached through `LEDGERDESK_BENCH_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), where a scratch database is created and
//! dropped. `LEDGERDESK_BENCH_SCALE` (default 1) multiplies the number of operations.
#![expect(
    clippy::print_stdout,
    reason = "a benchmark reports on standard output"
)]
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use ledgerdesk_domain::{Actor, Channel, EventId, StreamName};
use ledgerdesk_store::{EventStore, ExpectedVersion, Metadata, NewEvent, PgStore, SqliteStore};
use sqlx::{Connection, PgConnection, PgPool, SqlitePool};

const WRITERS: usize = 16;
const BATCH: usize = 100;

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let scale: usize = std::env::var("LEDGERDESK_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let plan = Plan {
        single: 1000 * scale,
        batches: 50 * scale,
        per_writer: 100 * scale,
    };
    println!(
        "append benchmark: {} single appends, {} batches of {BATCH}, {WRITERS} writers x {} appends",
        plan.single, plan.batches, plan.per_writer
    );
    println!(
        "{:<9} {:<26} {:>12} {:>12} {:>7}",
        "backend", "workload", "store/s", "raw/s", "ratio"
    );

    let sqlite_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench");
    std::fs::create_dir_all(&sqlite_dir).unwrap();
    let sqlite_path = sqlite_dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
    let sqlite = SqliteStore::connect(&format!("sqlite://{}", sqlite_path.display()))
        .await
        .unwrap();
    create_sqlite_plain_table(sqlite.pool()).await;
    run_backend(
        "sqlite",
        &sqlite,
        &Raw::Sqlite(sqlite.pool().clone()),
        &plan,
    )
    .await;
    drop(sqlite);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite_path.display()));
    }

    let admin_url = std::env::var("LEDGERDESK_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let database = format!("ledgerdesk_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("create database {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let postgres = PgStore::connect(&format!("{base}/{database}"), 32)
        .await
        .unwrap();
    create_pg_plain_table(postgres.pool()).await;
    run_backend(
        "postgres",
        &postgres,
        &Raw::Postgres(postgres.pool().clone()),
        &plan,
    )
    .await;
    postgres.pool().close().await;
    drop(postgres);
    let drop_sql = format!("drop database {database} with (force)");
    sqlx::query(&drop_sql).execute(&mut admin).await.unwrap();
}

struct Plan {
    single: usize,
    batches: usize,
    per_writer: usize,
}

/// The baseline: the same rows into a plain table, without checks, hashing or bookkeeping.
#[derive(Clone)]
enum Raw {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

async fn run_backend<S: EventStore>(name: &str, store: &S, raw: &Raw, plan: &Plan) {
    // Single-event appends, one writer, spread over 100 streams.
    let events: Vec<_> = (0..plan.single).map(event).collect();
    let streams: Vec<_> = (0..100).map(|_| stream()).collect();
    let started = Instant::now();
    for (index, event) in events.iter().enumerate() {
        let target = &streams[index % streams.len()];
        store
            .append(
                target,
                ExpectedVersion::Any,
                std::slice::from_ref(event),
                None,
            )
            .await
            .unwrap();
    }
    let store_rate = rate(plan.single, started.elapsed());
    let started = Instant::now();
    for event in &events {
        raw.insert(std::slice::from_ref(event)).await;
    }
    report(
        name,
        "single-event appends",
        store_rate,
        rate(plan.single, started.elapsed()),
    );

    // Batches of 100 events, each a new stream; rates are in events per second.
    let batches: Vec<Vec<NewEvent>> = (0..plan.batches)
        .map(|b| (0..BATCH).map(|i| event(b * BATCH + i)).collect())
        .collect();
    let started = Instant::now();
    for batch in &batches {
        store
            .append(&stream(), ExpectedVersion::NoStream, batch, None)
            .await
            .unwrap();
    }
    let n_events = plan.batches * BATCH;
    let store_rate = rate(n_events, started.elapsed());
    let started = Instant::now();
    for batch in &batches {
        raw.insert(batch).await;
    }
    report(
        name,
        "100-event batches (events)",
        store_rate,
        rate(n_events, started.elapsed()),
    );

    // Sixteen concurrent writers, each appending single events to its own stream.
    let n_events = WRITERS * plan.per_writer;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let store = store.clone();
        let per_writer = plan.per_writer;
        tasks.push(tokio::spawn(async move {
            let target = stream();
            for n in 0..per_writer {
                let one = [event(writer * per_writer + n)];
                store
                    .append(&target, ExpectedVersion::Any, &one, None)
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let store_rate = rate(n_events, started.elapsed());
    let started = Instant::now();
    let mut tasks = Vec::new();
    let raw = Arc::new(raw.clone());
    for writer in 0..WRITERS {
        let raw = raw.clone();
        let per_writer = plan.per_writer;
        tasks.push(tokio::spawn(async move {
            for n in 0..per_writer {
                raw.insert(&[event(writer * per_writer + n)]).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    report(
        name,
        "16 concurrent writers",
        store_rate,
        rate(n_events, started.elapsed()),
    );
}

fn event(n: usize) -> NewEvent {
    NewEvent::new(
        EventId::from_uuid(uuid::Uuid::now_v7()),
        "incident.comment_added",
        2,
        serde_json::json!({
            "comment_id": uuid::Uuid::now_v7(),
            "body": format!("Printer on floor 3 still jams after the toner change ({n})."),
            "public": true,
            "author": "system",
        }),
        Metadata {
            actor: Actor::System,
            channel: Channel::Cli,
            correlation_id: uuid::Uuid::now_v7(),
            causation_id: None,
        },
        Utc::now(),
    )
    .unwrap()
}

fn stream() -> StreamName {
    StreamName::parse(&format!("incident-{}", uuid::Uuid::now_v7())).unwrap()
}

fn rate(n: usize, elapsed: Duration) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    let n = n as f64;
    n / elapsed.as_secs_f64()
}

fn report(backend: &str, workload: &str, store_rate: f64, raw_rate: f64) {
    let ratio = store_rate / raw_rate;
    println!("{backend:<9} {workload:<26} {store_rate:>12.0} {raw_rate:>12.0} {ratio:>7.2}");
}

impl Raw {
    async fn insert(&self, events: &[NewEvent]) {
        match self {
            Self::Postgres(pool) => {
                // One multi-row INSERT, the fastest plain way to write a batch.
                let uuids =
                    |f: &dyn Fn(&NewEvent) -> uuid::Uuid| events.iter().map(f).collect::<Vec<_>>();
                let texts =
                    |f: &dyn Fn(&NewEvent) -> String| events.iter().map(f).collect::<Vec<_>>();
                sqlx::query(
                    r"
                    insert into bench_plain (
                        event_id, stream, version, event_type, schema_version, data,
                        actor, channel, correlation_id, causation_id, occurred_at, hash
                    )
                    select * from unnest(
                        $1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::jsonb[],
                        $7::text[], $8::text[], $9::uuid[], $10::uuid[], $11::timestamptz[],
                        $12::bytea[]
                    )
                    ",
                )
                .bind(uuids(&|e| e.event_id().as_uuid()))
                .bind(texts(&|_| "incident-raw".to_owned()))
                .bind(events.iter().map(|_| 1_i64).collect::<Vec<_>>())
                .bind(texts(&|e| e.event_type().to_owned()))
                .bind(
                    events
                        .iter()
                        .map(|e| i32::from(e.schema_version()))
                        .collect::<Vec<_>>(),
                )
                .bind(events.iter().map(|e| e.data().clone()).collect::<Vec<_>>())
                .bind(texts(&|e| e.metadata().actor.to_string()))
                .bind(texts(&|e| e.metadata().channel.to_string()))
                .bind(uuids(&|e| e.metadata().correlation_id))
                .bind(
                    events
                        .iter()
                        .map(|e| e.metadata().causation_id)
                        .collect::<Vec<_>>(),
                )
                .bind(events.iter().map(NewEvent::occurred_at).collect::<Vec<_>>())
                .bind(events.iter().map(|_| vec![0_u8; 32]).collect::<Vec<_>>())
                .execute(pool)
                .await
                .unwrap();
            }
            Self::Sqlite(pool) => {
                let mut tx = pool.begin().await.unwrap();
                for event in events {
                    sqlx::query(
                        r"
                        insert into bench_plain (
                            event_id, stream, version, event_type, schema_version, data,
                            actor, channel, correlation_id, causation_id, occurred_at, hash
                        )
                        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                        ",
                    )
                    .bind(event.event_id().as_uuid().to_string())
                    .bind("incident-raw")
                    .bind(1_i64)
                    .bind(event.event_type())
                    .bind(i32::from(event.schema_version()))
                    .bind(event.data().to_string())
                    .bind(event.metadata().actor.to_string())
                    .bind(event.metadata().channel.to_string())
                    .bind(event.metadata().correlation_id.to_string())
                    .bind(event.metadata().causation_id.map(|id| id.to_string()))
                    .bind(event.occurred_at().to_rfc3339())
                    .bind(vec![0_u8; 32])
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                }
                tx.commit().await.unwrap();
            }
        }
    }
}

async fn create_pg_plain_table(pool: &PgPool) {
    sqlx::query(
        r"
        create table bench_plain (
            position bigint generated always as identity primary key,
            event_id uuid, stream text, version bigint, event_type text, schema_version int,
            data jsonb, actor text, channel text, correlation_id uuid, causation_id uuid,
            occurred_at timestamptz, recorded_at timestamptz default now(), hash bytea
        )
        ",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn create_sqlite_plain_table(pool: &SqlitePool) {
    sqlx::query(
        r"
        create table bench_plain (
            position integer primary key autoincrement,
            event_id text, stream text, version integer, event_type text, schema_version integer,
            data text, actor text, channel text, correlation_id text, causation_id text,
            occurred_at text, recorded_at text default current_timestamp, hash blob
        )
        ",
    )
    .execute(pool)
    .await
    .unwrap();
}

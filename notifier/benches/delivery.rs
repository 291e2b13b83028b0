//! Notifier throughput on both backends: how fast events become outbox rows (decide), and how
//! fast the outbox is delivered over SMTP to a sink on 127.0.0.1 that accepts everything.
//!
//! `cargo bench -p ledgerdesk-notifier --bench delivery`; `LEDGERDESK_BENCH_MAILS` sets how many
//! mails (default 2000), `LEDGERDESK_BENCH_CONCURRENCY` how many are delivered at once (default
//! the notifier's, 8); the PostgreSQL server is the test-databases crate's
//! (`LEDGERDESK_TEST_DATABASE_URL`).
#![expect(
    clippy::print_stdout,
    reason = "a benchmark reports its figures on standard output"
)]

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use ledgerdesk_domain::{Actor, Channel, EventId, StreamName};
use ledgerdesk_notifier::{Delivery, Notifier, NotifierConfig, Sender, deliver_due};
use ledgerdesk_store::{AnyStore, EventStore as _, ExpectedVersion, Metadata, NewEvent};
use ledgerdesk_test_databases::TestDatabase;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mails: usize = std::env::var("LEDGERDESK_BENCH_MAILS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2000);
    let port = start_sink().await?;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("notifier-bench");
    for database in [
        TestDatabase::sqlite_in(&dir),
        TestDatabase::postgres().await,
    ] {
        let backend = if database.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        };
        let store = AnyStore::connect(&database.url()).await?;
        seed(&store, mails).await?;
        let mut config = NotifierConfig::new(
            "http://127.0.0.1:8080".to_owned(),
            "Bench <bench@127.0.0.1>".parse()?,
            Delivery::Smtp {
                host: "127.0.0.1".to_owned(),
                port,
                credentials: None,
            },
        );
        config.smtp_timeout = Duration::from_secs(10);
        if let Some(concurrency) = std::env::var("LEDGERDESK_BENCH_CONCURRENCY")
            .ok()
            .and_then(|value| value.parse().ok())
        {
            config.concurrency = concurrency;
        }

        let started = Instant::now();
        let mut notifier = Notifier::start(store.clone(), config.clone()).await?;
        notifier.catch_up().await?;
        let decided = started.elapsed();
        let started = Instant::now();
        let delivered = deliver_due(&store, &Sender::new(&config), &config).await?;
        let delivering = started.elapsed();

        anyhow::ensure!(delivered == mails, "delivered {delivered} of {mails} mails");
        println!(
            "{backend}: decided {mails} mails in {:.2} s ({:.0} mails/s); delivered them over SMTP in {:.2} s ({:.0} mails/s, {} at a time)",
            decided.as_secs_f64(),
            per_second(mails, decided),
            delivering.as_secs_f64(),
            per_second(mails, delivering),
            config.concurrency,
        );
    }
    Ok(())
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    f64::from(u32::try_from(count).unwrap_or(u32::MAX)) / elapsed.as_secs_f64().max(1e-9)
}

/// One admin, one customer with the portal, and `mails` incidents that customer logged: each
/// owes the admin one mail.
async fn seed(store: &AnyStore, mails: usize) -> anyhow::Result<()> {
    let admin = uuid::Uuid::now_v7();
    let service = uuid::Uuid::now_v7();
    let customer = uuid::Uuid::now_v7();
    let customer_stream = format!("customer-{customer}");
    append(
        store,
        &format!("user-{admin}"),
        &[(
            "user.created",
            json!({"user_id": admin,
        "name": "Admin", "email": "admin@127.0.0.1", "role": "admin"}),
        )],
    )
    .await?;
    append(
        store,
        &format!("service-{service}"),
        &[(
            "service.created",
            json!({"service_id": service, "name": "Email"}),
        )],
    )
    .await?;
    append(
        store,
        &customer_stream,
        &[
            (
                "customer.registered",
                json!({"customer_id": customer, "name": "Cy",
            "email": "cy@127.0.0.1", "company_id": null}),
            ),
            ("customer.portal_access_granted", json!({})),
            ("customer.service_granted", json!({"service_id": service})),
        ],
    )
    .await?;
    for n in 1..=mails {
        let incident = uuid::Uuid::now_v7();
        let logged = json!({"incident_id": incident, "reference": n, "title": "Down",
            "description": "It stopped working.", "incident_type": "bug",
            "portal_type": "issue", "service_id": service, "customer_id": customer,
            "company_id": null, "channel": "portal", "shown_in_portal": true});
        append(
            store,
            &format!("incident-{incident}"),
            &[("incident.logged", logged)],
        )
        .await?;
    }
    Ok(())
}

async fn append(store: &AnyStore, stream: &str, events: &[(&str, Value)]) -> anyhow::Result<()> {
    let metadata = Metadata {
        actor: Actor::System,
        channel: Channel::Portal,
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: None,
    };
    let events = events
        .iter()
        .map(|(event_type, data)| {
            let id = EventId::from_uuid(uuid::Uuid::now_v7());
            NewEvent::new(
                id,
                event_type,
                1,
                data.clone(),
                metadata.clone(),
                Utc::now(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    store
        .append(
            &StreamName::parse(stream)?,
            ExpectedVersion::Any,
            &events,
            None,
        )
        .await?;
    Ok(())
}

/// An SMTP server on 127.0.0.1 that accepts every message and keeps none; returns its port.
async fn start_sink() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = converse(stream).await;
            });
        }
    });
    Ok(port)
}

async fn converse(stream: tokio::net::TcpStream) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 127.0.0.1 bench sink\r\n").await?;
    let mut in_data = false;
    while let Some(line) = lines.next_line().await? {
        if in_data {
            if line == "." {
                in_data = false;
                write.write_all(b"250 queued\r\n").await?;
            }
            continue;
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-127.0.0.1\r\n250 8BITMIME\r\n",
            "DATA" => {
                in_data = true;
                b"354 go ahead\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 ok\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

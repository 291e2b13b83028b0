//! Portal projection benchmarks on both backends: the rebuild rate over a generated ledger of
//! at least a million events, and the time one company-service revocation takes to apply when
//! it hides 10,000 incidents.
//!
//! Run with `cargo bench -p ledgerdesk-projections --bench projection`.
//! `LEDGERDESK_BENCH_EVENTS` sets the ledger size (default 1,000,000);
//! `LEDGERDESK_TEST_DATABASE_URL` names the PostgreSQL server (a scratch database is used).
#![expect(
    clippy::print_stdout,
    reason = "a benchmark reports on standard output"
)]
#![expect(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]

use std::path::Path;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use ledgerdesk_domain::{Actor, Channel, CustomerId, EventId, StreamName};
use ledgerdesk_projections::db::ReadDb;
use ledgerdesk_projections::{Projector, ProjectorConfig, query, rebuild};
use ledgerdesk_store::{AnyStore, EventStore, ExpectedVersion, Metadata, NewEvent};
use ledgerdesk_test_databases::TestDatabase;
use serde_json::{Value, json};

const SERVICES: usize = 20;
const COMPANIES: usize = 200;
const CUSTOMERS_PER_COMPANY: usize = 50;
const REVOKED_INCIDENTS: usize = 10_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let target: usize = std::env::var("LEDGERDESK_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    println!("projection benchmark: a ledger of at least {target} events");
    println!("{:<9} {:<44} {:>14}", "backend", "measure", "value");

    for on_postgres in [false, true] {
        let (name, database) = if on_postgres {
            ("postgres", TestDatabase::postgres().await)
        } else {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench");
            ("sqlite", TestDatabase::sqlite_in(&dir))
        };
        let store = AnyStore::connect(&database.url()).await.unwrap();
        rebuild_rate(name, &store, target).await;
        drop(store);
        drop(database);

        let database = if on_postgres {
            TestDatabase::postgres().await
        } else {
            TestDatabase::sqlite_in(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench"))
        };
        let store = AnyStore::connect(&database.url()).await.unwrap();
        revocation(name, &store).await;
    }
}

async fn rebuild_rate(backend: &str, store: &AnyStore, target: usize) {
    let started = Instant::now();
    let n_events = generate_ledger(store, target).await;
    let append_secs = started.elapsed().as_secs_f64();
    report(backend, "events generated", &n_events.to_string());
    report(
        backend,
        "append rate while generating (events/s)",
        &rate(n_events, append_secs),
    );

    let started = Instant::now();
    rebuild(store, "portal", &|_| {}).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    report(backend, "rebuild wall time (s)", &format!("{secs:.1}"));
    report(backend, "rebuild rate (events/s)", &rate(n_events, secs));
}

async fn revocation(backend: &str, store: &AnyStore) {
    let company = uuid::Uuid::now_v7();
    let (kept, revoked) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let mut writer = Writer::new(store);
    for service in [kept, revoked] {
        writer
            .push(
                &format!("service-{service}"),
                "service.created",
                json!({"service_id": service, "name": "Email"}),
            )
            .await;
    }
    let company_stream = format!("company-{company}");
    writer
        .push(
            &company_stream,
            "company.registered",
            json!({"company_id": company, "name": "Acme"}),
        )
        .await;
    for service in [kept, revoked] {
        writer
            .push(
                &company_stream,
                "company.service_granted",
                json!({"service_id": service}),
            )
            .await;
    }
    let customers = customers_of(&mut writer, company, &[kept, revoked], 100).await;
    for n in 0..REVOKED_INCIDENTS {
        let customer = customers[n % customers.len()];
        log_incident(&mut writer, n + 1, revoked, customer, Some(company)).await;
    }
    writer.flush().await;
    let mut projector = Projector::start(store.clone(), ProjectorConfig::default())
        .await
        .unwrap();
    projector.catch_up().await.unwrap();
    let db = ReadDb::of(store);
    let visible_before = query::visible_incidents(&db, CustomerId::from_uuid(customers[0]))
        .await
        .unwrap()
        .len();

    writer
        .push(
            &company_stream,
            "company.service_revoked",
            json!({"service_id": revoked}),
        )
        .await;
    writer.flush().await;
    let started = Instant::now();
    let applied = projector.run_once().await.unwrap();
    let millis = started.elapsed().as_secs_f64() * 1000.0;

    assert_eq!(applied, 1, "one event: the revocation");
    assert!(
        visible_before >= REVOKED_INCIDENTS / 2,
        "company-wide customers saw them before"
    );
    assert!(
        query::visible_incidents(&db, CustomerId::from_uuid(customers[0]))
            .await
            .unwrap()
            .is_empty(),
        "and none after"
    );
    report(
        backend,
        "revoke a service hiding 10,000 incidents (ms)",
        &format!("{millis:.0}"),
    );
}

/// Appends a realistic mix: services, companies with services, customers with access and
/// services, then incidents with assignments, status changes and comments, until `target`.
async fn generate_ledger(store: &AnyStore, target: usize) -> usize {
    let mut writer = Writer::new(store);
    let services: Vec<uuid::Uuid> = (0..SERVICES).map(|_| uuid::Uuid::now_v7()).collect();
    for service in &services {
        writer
            .push(
                &format!("service-{service}"),
                "service.created",
                json!({"service_id": service, "name": "Service"}),
            )
            .await;
    }
    let mut customers = Vec::new();
    for c in 0..COMPANIES {
        let company = uuid::Uuid::now_v7();
        let stream = format!("company-{company}");
        writer
            .push(
                &stream,
                "company.registered",
                json!({"company_id": company, "name": format!("Company {c}")}),
            )
            .await;
        let granted: Vec<uuid::Uuid> = (0..4).map(|k| services[(c + k * 5) % SERVICES]).collect();
        for service in &granted {
            writer
                .push(
                    &stream,
                    "company.service_granted",
                    json!({"service_id": service}),
                )
                .await;
        }
        for customer in customers_of(&mut writer, company, &granted, CUSTOMERS_PER_COMPANY).await {
            customers.push((customer, company, granted.clone()));
        }
    }
    let mut n = 0;
    while writer.count < target {
        let (customer, company, granted) = &customers[n % customers.len()];
        n += 1;
        let incident = log_incident(
            &mut writer,
            n,
            granted[n % granted.len()],
            *customer,
            Some(*company),
        )
        .await;
        let stream = format!("incident-{incident}");
        writer
            .push(
                &stream,
                "incident.assigned",
                json!({"assignee_id": uuid::Uuid::now_v7()}),
            )
            .await;
        writer
            .push(
                &stream,
                "incident.status_changed",
                json!({"status": "in_progress"}),
            )
            .await;
        for (k, public) in [(0, true), (1, false), (2, true)] {
            let body = format!("Update {k}: looked into it.");
            writer.push(&stream, "incident.comment_added", json!({"comment_id": uuid::Uuid::now_v7(), "body": body, "public": public, "author": "system"})).await;
        }
        writer
            .push(
                &stream,
                "incident.status_changed",
                json!({"status": "resolved"}),
            )
            .await;
    }
    writer.flush().await;
    writer.count
}

async fn customers_of(
    writer: &mut Writer<'_>,
    company: uuid::Uuid,
    services: &[uuid::Uuid],
    n: usize,
) -> Vec<uuid::Uuid> {
    let mut customers = Vec::new();
    for k in 0..n {
        let customer = uuid::Uuid::now_v7();
        let stream = format!("customer-{customer}");
        let email = format!("c{}@example.com", customer.simple());
        writer.push(&stream, "customer.registered", json!({"customer_id": customer, "name": format!("Customer {k}"), "email": email, "company_id": company})).await;
        writer
            .push(&stream, "customer.portal_access_granted", json!({}))
            .await;
        if k % 2 == 0 {
            writer
                .push(
                    &stream,
                    "customer.company_wide_visibility_granted",
                    json!({}),
                )
                .await;
        }
        for service in services {
            writer
                .push(
                    &stream,
                    "customer.service_granted",
                    json!({"service_id": service}),
                )
                .await;
        }
        customers.push(customer);
    }
    customers
}

async fn log_incident(
    writer: &mut Writer<'_>,
    reference: usize,
    service: uuid::Uuid,
    customer: uuid::Uuid,
    company: Option<uuid::Uuid>,
) -> uuid::Uuid {
    let incident = uuid::Uuid::now_v7();
    let data = json!({
        "incident_id": incident, "reference": reference, "title": "Printer jams",
        "description": "The printer on floor 3 jams on every second page.",
        "incident_type": "bug", "portal_type": null, "service_id": service,
        "customer_id": customer, "company_id": company, "channel": "staff-api",
        "shown_in_portal": true,
    });
    writer
        .push(&format!("incident-{incident}"), "incident.logged", data)
        .await;
    incident
}

/// Appends events one stream batch at a time, flushing when the stream changes.
struct Writer<'a> {
    store: &'a AnyStore,
    stream: Option<String>,
    pending: Vec<NewEvent>,
    count: usize,
}

impl<'a> Writer<'a> {
    fn new(store: &'a AnyStore) -> Self {
        Self {
            store,
            stream: None,
            pending: Vec::new(),
            count: 0,
        }
    }

    async fn push(&mut self, stream: &str, event_type: &str, data: Value) {
        if self.stream.as_deref() != Some(stream) {
            self.flush().await;
            self.stream = Some(stream.to_owned());
        }
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
            + Duration::seconds(i64::try_from(self.count).unwrap());
        let metadata = Metadata {
            actor: Actor::System,
            channel: Channel::Import,
            correlation_id: uuid::Uuid::now_v7(),
            causation_id: None,
        };
        let version = ledgerdesk_domain::current_schema_version(event_type).unwrap();
        let event = NewEvent::new(
            EventId::from_uuid(uuid::Uuid::now_v7()),
            event_type,
            version,
            data,
            metadata,
            at,
        )
        .unwrap();
        self.pending.push(event);
        self.count += 1;
    }

    async fn flush(&mut self) {
        let Some(stream) = self.stream.take() else {
            return;
        };
        let stream = StreamName::parse(&stream).unwrap();
        self.store
            .append(&stream, ExpectedVersion::Any, &self.pending, None)
            .await
            .unwrap();
        self.pending.clear();
    }
}

fn rate(n: usize, secs: f64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    let n = n as f64;
    format!("{:.0}", n / secs)
}

fn report(backend: &str, measure: &str, value: &str) {
    println!("{backend:<9} {measure:<44} {value:>14}");
}

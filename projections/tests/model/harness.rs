//! Backends, appending a history model's events, and comparing the model with the rule.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use ledgerdesk_domain::testing::history::{HistoryModel, Step};
use ledgerdesk_domain::{CustomerId, Event, EventId, IncidentId, LedgerState, StreamName};
use ledgerdesk_projections::db::ReadDb;
use ledgerdesk_projections::query;
use ledgerdesk_store::{AnyStore, Checkpoint, EventStore, ExpectedVersion, Metadata, NewEvent};
use ledgerdesk_test_databases::TestDatabase;

/// A store on a scratch database; the database goes when this is dropped.
pub(crate) struct Backend {
    pub(crate) store: AnyStore,
    pub(crate) db: ReadDb,
    _database: TestDatabase,
}

impl Backend {
    pub(crate) async fn sqlite() -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("projections");
        Self::open(TestDatabase::sqlite_in(&dir)).await
    }

    pub(crate) async fn postgres() -> Self {
        Self::open(TestDatabase::postgres().await).await
    }

    async fn open(database: TestDatabase) -> Self {
        let store = AnyStore::connect(&database.url())
            .await
            .expect("open the test store");
        let db = ReadDb::of(&store);
        Self {
            store,
            db,
            _database: database,
        }
    }
}

/// Appends the events a step decided, one append per stream entry, at a time derived from the
/// step's index so that histories are reproducible; returns the streams and where the last
/// append ended.
pub(crate) async fn append_step(
    store: &AnyStore,
    model: &mut HistoryModel,
    step: &Step,
    index: usize,
) -> (Vec<StreamName>, Option<Checkpoint>) {
    let actor = model.actor_of(step);
    let channel = model.channel_of(step);
    let at = base_time() + Duration::seconds(i64::try_from(index).unwrap());
    let mut streams = Vec::new();
    let mut last = None;
    for (stream, events) in model.apply(step) {
        let correlation_id = uuid::Uuid::now_v7();
        let batch: Vec<NewEvent> = events
            .iter()
            .map(|event| new_event(event, actor.clone(), channel, correlation_id, at))
            .collect();
        let outcome = store
            .append(&stream, ExpectedVersion::Any, &batch, None)
            .await
            .unwrap();
        last = Some(outcome.checkpoint);
        streams.push(stream);
    }
    (streams, last)
}

fn new_event(
    event: &Event,
    actor: ledgerdesk_domain::Actor,
    channel: ledgerdesk_domain::Channel,
    correlation_id: uuid::Uuid,
    at: DateTime<Utc>,
) -> NewEvent {
    NewEvent::new(
        EventId::from_uuid(uuid::Uuid::now_v7()),
        event.event_type(),
        event.schema_version(),
        event.to_data(),
        Metadata {
            actor,
            channel,
            correlation_id,
            causation_id: None,
        },
        at,
    )
    .unwrap()
}

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap()
}

/// Folds the events between two checkpoints that belong to `streams` into `ledger`.
pub(crate) async fn fold(
    store: &AnyStore,
    ledger: &mut LedgerState,
    streams: &BTreeSet<StreamName>,
    from: Checkpoint,
    to: Checkpoint,
) {
    let mut reached = from;
    while reached < to {
        let events = store.read_all(reached, 1000).await.unwrap();
        assert!(
            !events.is_empty(),
            "the events the projector applied can be read again"
        );
        for recorded in events.iter().filter(|e| e.checkpoint <= to) {
            if streams.contains(&recorded.stream) {
                let event = Event::decode(
                    &recorded.stream,
                    &recorded.event_type,
                    recorded.data.clone(),
                )
                .unwrap();
                ledger.apply(&recorded.stream, &event).unwrap();
            }
        }
        reached = events.last().unwrap().checkpoint.min(to);
    }
}

/// Every difference between the read model and the rule on `ledger`, for each customer the
/// history can create; empty when they agree.
pub(crate) async fn differences(
    db: &ReadDb,
    ledger: &LedgerState,
    model: &HistoryModel,
) -> Vec<String> {
    let mut found = Vec::new();
    for customer in model.customer_ids() {
        let expected: Vec<(String, String)> = model
            .incident_ids()
            .into_iter()
            .filter_map(|incident| {
                let reason = ledger.can_see(customer, incident)?;
                Some((incident.to_string(), reason.as_str().to_owned()))
            })
            .collect();
        let actual: Vec<(String, String)> = query::visibility_of(db, customer)
            .await
            .unwrap()
            .into_iter()
            .map(|(incident, reason)| (incident.to_string(), reason))
            .collect();
        let mut expected_sorted = expected.clone();
        expected_sorted.sort();
        if actual != expected_sorted {
            found.push(format!(
                "customer {customer}: read model {actual:?}, rule {expected_sorted:?}"
            ));
        }
        found.extend(page_differences(db, ledger, customer, &expected).await);
        let services = query::effective_services(db, customer).await.unwrap();
        let rule_services = if ledger.customer(customer).is_some() {
            ledger.effective_services(customer)
        } else {
            BTreeSet::new()
        };
        if services != rule_services {
            found.push(format!(
                "customer {customer}: effective services {services:?}, rule {rule_services:?}"
            ));
        }
    }
    found
}

/// Incidents on a page in the page check: small, so that histories reach past one page.
const PAGE: i64 = 2;

/// Whether `query::visible_page_sql` gives the newest of what the rule lets `customer` see
/// (`expected`), on the first page and on the page after its first incident.
async fn page_differences(
    db: &ReadDb,
    ledger: &LedgerState,
    customer: CustomerId,
    expected: &[(String, String)],
) -> Vec<String> {
    let mut newest: Vec<(i64, String)> = expected
        .iter()
        .map(|(incident, _)| {
            let id = IncidentId::parse(incident).expect("the rule gives incident ids");
            let incident = ledger.incident(id).expect("a visible incident exists");
            let number = i64::try_from(incident.reference.number()).expect("a small reference");
            (number, id.to_string())
        })
        .collect();
    newest.sort_by(|a, b| b.cmp(a));
    let mut cursors = vec![i64::MAX];
    cursors.extend(newest.first().map(|(number, _)| *number));

    let mut found = Vec::new();
    for before in cursors {
        let sql = query::visible_page_sql("v.incident_id", "", "and v.reference < $2", PAGE);
        let rows = db
            .fetch_all(&sql, &[customer.to_string().into(), before.into()])
            .await
            .expect("the page query runs");
        let actual: Vec<String> = rows
            .iter()
            .filter_map(|row| row.first()?.as_text().map(str::to_owned))
            .collect();
        let wanted: Vec<String> = newest
            .iter()
            .filter(|(number, _)| *number < before)
            .take(usize::try_from(PAGE).expect("a small page"))
            .map(|(_, id)| id.clone())
            .collect();
        if actual != wanted {
            found.push(format!(
                "customer {customer}: page before {before} {actual:?}, rule {wanted:?}"
            ));
        }
    }
    found
}

/// The differences between the read model and the rule on everything `streams` hold up to `to`.
pub(crate) async fn differences_up_to(
    backend: &Backend,
    model: &HistoryModel,
    streams: &BTreeSet<StreamName>,
    to: Checkpoint,
) -> Vec<String> {
    let mut ledger = LedgerState::default();
    fold(&backend.store, &mut ledger, streams, Checkpoint::START, to).await;
    differences(&backend.db, &ledger, model).await
}

//! `ledgerdesk projections status|rebuild` on both backends.

use ledgerdesk_domain::testing::history::{HistoryModel, steps};
use ledgerdesk_domain::{Event, EventId};
use ledgerdesk_store::{AnyStore, EventStore, ExpectedVersion, Metadata, NewEvent};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::harness::{TestDatabase, both_backends, ledgerdesk};

/// Appends a generated history; returns how many events it holds.
async fn append_history(database: &TestDatabase) -> usize {
    let store = AnyStore::connect(&database.url()).await.unwrap();
    let history = steps(20)
        .new_tree(&mut TestRunner::deterministic())
        .unwrap()
        .current();
    let mut model = HistoryModel::new(1);
    let mut n_events = 0;
    for step in &history {
        let (actor, channel) = (model.actor_of(step), model.channel_of(step));
        for (stream, events) in model.apply(step) {
            let batch: Vec<NewEvent> = events
                .iter()
                .map(|event: &Event| {
                    let metadata = Metadata {
                        actor: actor.clone(),
                        channel,
                        correlation_id: uuid::Uuid::now_v7(),
                        causation_id: None,
                    };
                    let id = EventId::from_uuid(uuid::Uuid::now_v7());
                    NewEvent::new(
                        id,
                        event.event_type(),
                        event.schema_version(),
                        event.to_data(),
                        metadata,
                        chrono::Utc::now(),
                    )
                    .unwrap()
                })
                .collect();
            n_events += batch.len();
            store
                .append(&stream, ExpectedVersion::Any, &batch, None)
                .await
                .unwrap();
        }
    }
    n_events
}

#[tokio::test]
async fn status_shows_the_lag_and_rebuild_brings_the_model_up_to_date() {
    for database in both_backends().await {
        let n_events = append_history(&database).await;

        let before = ledgerdesk(&database, &["projections", "status"]).await;
        let rebuilt = ledgerdesk(&database, &["projections", "rebuild", "portal"]).await;
        let after = ledgerdesk(&database, &["projections", "status"]).await;
        let unknown = ledgerdesk(&database, &["projections", "rebuild", "invoices"]).await;

        let before = String::from_utf8_lossy(&before.stdout);
        let line = before
            .lines()
            .find(|l| l.starts_with("portal"))
            .expect("a portal line");
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            fields[2],
            n_events.to_string(),
            "the lag counts every event: {before}"
        );
        assert_eq!(fields[4], "no", "never built: {before}");
        assert!(rebuilt.status.success(), "{rebuilt:?}");
        let after = String::from_utf8_lossy(&after.stdout);
        let fields: Vec<&str> = after
            .lines()
            .find(|l| l.starts_with("portal"))
            .unwrap()
            .split_whitespace()
            .collect();
        assert_eq!(
            (fields[2], fields[3], fields[4]),
            ("0", "1", "yes"),
            "{after}"
        );
        assert!(
            !unknown.status.success(),
            "an unknown projection is refused"
        );
        let logs = String::from_utf8_lossy(&unknown.stderr);
        assert!(logs.contains("unknown projection"), "{logs}");
    }
}

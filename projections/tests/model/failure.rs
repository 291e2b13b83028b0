//! A batch that fails in the middle leaves the read model and the checkpoint as they were, and
//! the next run applies it exactly once.

use std::collections::BTreeSet;

use ledgerdesk_domain::testing::history::{HistoryModel, steps};
use ledgerdesk_projections::{ProjectionError, Projector, ProjectorConfig, query};
use ledgerdesk_store::{Checkpoint, EventStore};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::harness::{Backend, append_step, differences_up_to};

async fn a_failure_in_the_middle_of_a_batch_changes_nothing(backend: Backend) {
    let mut runner = TestRunner::deterministic();
    let history = steps(30).new_tree(&mut runner).unwrap().current();
    let clean = ProjectorConfig {
        batch_size: 10_000,
        ..ProjectorConfig::default()
    };
    let failing = ProjectorConfig {
        fail_after: Some(5),
        ..clean.clone()
    };
    // Some history projected already, so the failure has rows to leave alone.
    let mut model = HistoryModel::new(7);
    let mut streams = BTreeSet::new();
    let mut appended = None;
    for (index, step) in history.iter().enumerate() {
        if index == history.len() / 2 {
            let mut projector = Projector::start(backend.store.clone(), clean.clone())
                .await
                .unwrap();
            wait_for(&mut projector, appended.unwrap()).await;
        }
        let (new_streams, last) = append_step(&backend.store, &mut model, step, index).await;
        streams.extend(new_streams);
        appended = last.or(appended);
    }
    // On PostgreSQL another test's open transaction may hide the newest events for a while;
    // wait until all of them are readable, so the failing batch is the whole tail.
    let last = appended.unwrap();
    loop {
        let visible = backend
            .store
            .read_all(Checkpoint::START, u32::MAX)
            .await
            .unwrap();
        if visible.last().is_some_and(|event| event.checkpoint >= last) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let before = query::dump(&backend.db).await.unwrap();
    let mut broken = Projector::start(backend.store.clone(), failing)
        .await
        .unwrap();
    let start = broken.checkpoint();

    // On PostgreSQL another test's transaction may hide the new events for a moment.
    let err = loop {
        match broken.run_once().await {
            Ok(0) => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
            Ok(n) => panic!("the injected failure did not stop the batch of {n} events"),
            Err(err) => break err,
        }
    };
    let after_failure = query::dump(&backend.db).await.unwrap();
    let mut projector = Projector::start(backend.store.clone(), clean)
        .await
        .unwrap();

    assert!(matches!(err, ProjectionError::Injected), "got {err:?}");
    assert_eq!(after_failure, before, "the failed batch left no row behind");
    assert_eq!(projector.checkpoint(), start, "the checkpoint did not move");
    wait_for(&mut projector, appended.unwrap()).await;
    let found = differences_up_to(&backend, &model, &streams, projector.checkpoint()).await;
    assert!(
        found.is_empty(),
        "applied exactly once, the model equals the rule: {found:?}"
    );
    let dump = query::dump(&backend.db).await.unwrap();
    let versions: Vec<_> = dump
        .iter()
        .find(|(name, _)| name == "incidents")
        .unwrap()
        .1
        .clone();
    for incident in model.incident_ids() {
        if let Some(state) = model.ledger().incident(incident) {
            let row = versions
                .iter()
                .find(|row| row[0].as_text() == Some(&incident.to_string()))
                .unwrap();
            let comments = state.comments.len();
            let stored = dump
                .iter()
                .find(|(name, _)| name == "incident_comments")
                .unwrap()
                .1
                .iter()
                .filter(|c| c[1].as_text() == Some(&incident.to_string()))
                .count();
            assert_eq!(
                stored, comments,
                "each comment once, for incident {incident}: {row:?}"
            );
        }
    }
}

/// Runs the projector until it has passed `target`.
async fn wait_for(projector: &mut Projector, target: Checkpoint) {
    while projector.checkpoint() < target {
        if projector.run_once().await.unwrap() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_batch_changes_nothing_on_sqlite() {
    a_failure_in_the_middle_of_a_batch_changes_nothing(Backend::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_batch_changes_nothing_on_postgres() {
    a_failure_in_the_middle_of_a_batch_changes_nothing(Backend::postgres().await).await;
}

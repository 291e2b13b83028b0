//! A rebuild gives, row by row, the same read model as incremental projection of the same
//! ledger, and never leaves readers a half-built model.

use ledgerdesk_domain::testing::history::{HistoryModel, steps};
use ledgerdesk_projections::{ProjectionError, Projector, ProjectorConfig, query, rebuild, status};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::harness::{Backend, append_step};

async fn rebuilding_gives_the_same_rows_as_incremental_projection(backend: Backend) {
    let mut runner = TestRunner::deterministic();
    // Several histories in one ledger, projected in small batches.
    let config = ProjectorConfig {
        batch_size: 7,
        ..ProjectorConfig::default()
    };
    let mut projector = Projector::start(backend.store.clone(), config)
        .await
        .unwrap();
    let mut appended = None;
    for salt in 1..=5 {
        let history = steps(40).new_tree(&mut runner).unwrap().current();
        let mut model = HistoryModel::new(salt);
        for (index, step) in history.iter().enumerate() {
            let (_, last) = append_step(&backend.store, &mut model, step, index).await;
            appended = last.or(appended);
            if index % 3 == 0 {
                projector.catch_up().await.unwrap();
            }
        }
    }
    while projector.checkpoint() < appended.unwrap() {
        projector.catch_up().await.unwrap();
    }
    let incremental = query::dump(&backend.db).await.unwrap();
    let generation = status(&backend.store).await.unwrap()[0].row.generation;

    let rebuilt_row = rebuild(&backend.store, "portal", &|_| {}).await.unwrap();
    let rebuilt = query::dump(&backend.db).await.unwrap();

    for table in [
        "customers",
        "incidents",
        "incident_comments",
        "customer_own_incidents",
        "company_incidents",
    ] {
        let rows = &incremental
            .iter()
            .find(|(name, _)| name == table)
            .unwrap()
            .1;
        assert!(!rows.is_empty(), "{table} has rows to compare");
    }
    for ((table, before), (_, after)) in incremental.iter().zip(&rebuilt) {
        assert_eq!(before, after, "table {table} differs after the rebuild");
    }
    assert_eq!(
        rebuilt_row.checkpoint,
        projector.checkpoint(),
        "the rebuild reached the same event"
    );
    assert_eq!(
        rebuilt_row.generation,
        generation + 1,
        "the rebuild built a new generation"
    );
    let mut late = HistoryModel::new(99);
    let history = steps(0).new_tree(&mut runner).unwrap().current();
    let (_, last) = append_step(&backend.store, &mut late, &history[0], 0).await;
    let stale = loop {
        match projector.run_once().await {
            Ok(0) => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
            other => break other,
        }
    };
    assert!(
        matches!(stale, Err(ProjectionError::Fenced { .. })),
        "the instance from before the rebuild is fenced out: {stale:?}"
    );
    let mut fresh = Projector::start(backend.store.clone(), ProjectorConfig::default())
        .await
        .unwrap();
    while fresh.checkpoint() < last.unwrap() {
        fresh.catch_up().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_equals_incremental_projection_on_sqlite() {
    rebuilding_gives_the_same_rows_as_incremental_projection(Backend::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_equals_incremental_projection_on_postgres() {
    rebuilding_gives_the_same_rows_as_incremental_projection(Backend::postgres().await).await;
}

async fn two_rebuilds_at_once_leave_a_complete_model(backend: Backend) {
    let mut runner = TestRunner::deterministic();
    let mut model = HistoryModel::new(21);
    let history = steps(40).new_tree(&mut runner).unwrap().current();
    let mut appended = None;
    for (index, step) in history.iter().enumerate() {
        appended = append_step(&backend.store, &mut model, step, index)
            .await
            .1
            .or(appended);
    }
    let mut projector = Projector::start(backend.store.clone(), ProjectorConfig::default())
        .await
        .unwrap();
    while projector.checkpoint() < appended.unwrap() {
        projector.catch_up().await.unwrap();
    }
    let expected = query::dump(&backend.db).await.unwrap();

    let (first, second) = tokio::join!(
        rebuild(&backend.store, "portal", &|_| {}),
        rebuild(&backend.store, "portal", &|_| {}),
    );

    first.expect("the first rebuild succeeds");
    second.expect("the second rebuild succeeds");
    let live_status = &status(&backend.store).await.unwrap()[0];
    assert!(live_status.current, "the live model is the current version");
    let live = query::dump(&backend.db).await.unwrap();
    for ((table, before), (_, after)) in expected.iter().zip(&live) {
        assert_eq!(
            before, after,
            "table {table} is complete after two rebuilds at once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rebuilds_at_once_leave_a_complete_model_on_sqlite() {
    two_rebuilds_at_once_leave_a_complete_model(Backend::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rebuilds_at_once_leave_a_complete_model_on_postgres() {
    two_rebuilds_at_once_leave_a_complete_model(Backend::postgres().await).await;
}

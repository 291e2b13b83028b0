//! The projector loop: one active instance on PostgreSQL, woken by hints, stopped on request.

use std::collections::BTreeSet;
use std::time::Duration;

use ledgerdesk_domain::testing::history::{HistoryModel, steps};
use ledgerdesk_projections::{ProjectorConfig, rebuild, run, status};
use ledgerdesk_store::{AnyStore, Checkpoint};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use tokio::sync::watch;

use crate::harness::{Backend, append_step, differences_up_to};

/// Waits until the portal checkpoint has passed `target`.
async fn projected_past(store: &AnyStore, target: Checkpoint) {
    for _ in 0..3000 {
        if status(store).await.unwrap()[0].row.checkpoint >= target {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the running projector did not reach the appended events in thirty seconds");
}

async fn two_running_instances_project_every_event_once(backend: Backend) {
    // A long poll interval: only the wake-up hint can make the projector this quick.
    let config = ProjectorConfig {
        poll_interval: Duration::from_secs(30),
        ..ProjectorConfig::default()
    };
    let (stop, stopped) = watch::channel(false);
    let first = tokio::spawn(run(backend.store.clone(), config.clone(), stopped.clone()));
    let second = tokio::spawn(run(backend.store.clone(), config, stopped));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let history = steps(30)
        .new_tree(&mut TestRunner::deterministic())
        .unwrap()
        .current();
    let mut model = HistoryModel::new(11);
    let mut streams = BTreeSet::new();
    let mut appended = Checkpoint::START;
    for (index, step) in history.iter().enumerate() {
        let (new_streams, last) = append_step(&backend.store, &mut model, step, index).await;
        streams.extend(new_streams);
        appended = last.unwrap_or(appended);
    }
    projected_past(&backend.store, appended).await;
    let active = active_instances(&backend).await;

    let found = differences_up_to(&backend, &model, &streams, appended).await;
    assert!(
        found.is_empty(),
        "the running projector keeps the model equal to the rule: {found:?}"
    );
    if let Some(active) = active {
        assert_eq!(
            active, 1,
            "exactly one instance holds the projection's lock"
        );
    }
    stop.send(true).unwrap();
    for task in [first, second] {
        let finished = tokio::time::timeout(Duration::from_secs(10), task).await;
        finished
            .expect("the loop stops when asked")
            .unwrap()
            .unwrap();
    }
}

/// On PostgreSQL, how many sessions hold an advisory lock in this database (appends take only
/// transaction-level locks, released at commit, so between appends these are projectors').
async fn active_instances(backend: &Backend) -> Option<i64> {
    let AnyStore::Postgres(store) = &backend.store else {
        return None;
    };
    let count: i64 = sqlx::query_scalar(
        "select count(*) from pg_locks l join pg_database d on d.oid = l.database
         where l.locktype = 'advisory' and l.granted and d.datname = current_database()",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    Some(count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_projector_follows_the_ledger_on_sqlite() {
    two_running_instances_project_every_event_once(Backend::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_one_instance_runs_the_projection_on_postgres() {
    two_running_instances_project_every_event_once(Backend::postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_hidden_behind_an_open_transaction_are_projected_once_it_ends() {
    let backend = Backend::postgres().await;
    let config = ProjectorConfig {
        poll_interval: Duration::from_secs(30),
        ..ProjectorConfig::default()
    };
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(run(backend.store.clone(), config, stopped));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let AnyStore::Postgres(store) = &backend.store else {
        unreachable!("a PostgreSQL backend")
    };
    // An older transaction with an id holds every reader back (ADR 2); its end sends no hint.
    let mut older = store.pool().begin().await.unwrap();
    sqlx::query("select pg_current_xact_id()")
        .execute(&mut *older)
        .await
        .unwrap();

    let history = steps(5)
        .new_tree(&mut TestRunner::deterministic())
        .unwrap()
        .current();
    let mut model = HistoryModel::new(12);
    let mut appended = Checkpoint::START;
    for (index, step) in history.iter().enumerate() {
        appended = append_step(&backend.store, &mut model, step, index)
            .await
            .1
            .unwrap_or(appended);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let held_back = status(&backend.store).await.unwrap()[0].row.checkpoint;
    older.rollback().await.unwrap();

    assert!(
        held_back < appended,
        "the projector could not pass the open transaction"
    );
    projected_past(&backend.store, appended).await;
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();
}

async fn rebuilds_beside_the_running_projector_succeed(backend: Backend) {
    let config = ProjectorConfig {
        poll_interval: Duration::from_millis(50),
        batch_size: 5,
        ..ProjectorConfig::default()
    };
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(run(backend.store.clone(), config, stopped));
    let mut model = HistoryModel::new(13);
    let history = steps(60)
        .new_tree(&mut TestRunner::deterministic())
        .unwrap()
        .current();
    let mut streams = BTreeSet::new();
    let mut appended = Checkpoint::START;

    for (index, step) in history.iter().enumerate() {
        let (new_streams, last) = append_step(&backend.store, &mut model, step, index).await;
        streams.extend(new_streams);
        appended = last.unwrap_or(appended);
        if index % 15 == 7 {
            rebuild(&backend.store, "portal", &|_| {})
                .await
                .expect("a rebuild beside the projector succeeds");
        }
    }
    projected_past(&backend.store, appended).await;

    let found = differences_up_to(&backend, &model, &streams, appended).await;
    assert!(
        found.is_empty(),
        "the model equals the rule after the rebuilds: {found:?}"
    );
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuilds_beside_the_running_projector_succeed_on_sqlite() {
    rebuilds_beside_the_running_projector_succeed(Backend::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuilds_beside_the_running_projector_succeed_on_postgres() {
    rebuilds_beside_the_running_projector_succeed(Backend::postgres().await).await;
}

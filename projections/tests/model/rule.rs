//! Thousands of random histories: after every projector batch, the read model equals the rule.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

use ledgerdesk_domain::LedgerState;
use ledgerdesk_domain::testing::history::{HistoryModel, Step, steps};
use ledgerdesk_projections::{Projector, ProjectorConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::harness::{Backend, append_step, differences, fold};

/// Histories per backend: a thousand by default, two thousand over both backends;
/// `LEDGERDESK_MODEL_CASES` overrides.
fn cases() -> u32 {
    std::env::var("LEDGERDESK_MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

/// One generated case: the history, how many steps go between projector runs, the projector's
/// batch size (small sizes cut commands' appends in the middle), and after how many changes a
/// batch recomputes the derived tables whole (zero: always).
fn case() -> impl Strategy<Value = (Vec<Step>, usize, u32, usize)> {
    let batch_size = prop_oneof![Just(1_u32), 2..8_u32, Just(500_u32)];
    // A whole-table recomputation covers every earlier history in the shared database, so it
    // grows with the run: one case in twenty takes that path.
    let full_recompute_after = prop_oneof![1 => Just(0_usize), 19 => Just(20_000_usize)];
    (steps(30), 1..6_usize, batch_size, full_recompute_after)
}

fn run_model(on_postgres: bool) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let backend = runtime.block_on(async {
        if on_postgres {
            Backend::postgres().await
        } else {
            Backend::sqlite().await
        }
    });
    let salt = AtomicU64::new(1);
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });

    let result = runner.run(
        &case(),
        |(history, every, batch_size, full_recompute_after)| {
            let salt = salt.fetch_add(1, Ordering::Relaxed);
            runtime.block_on(check_history(
                &backend,
                salt,
                &history,
                every,
                (batch_size, full_recompute_after),
            ))
        },
    );

    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, (history, every, batch_size, full))) => panic!(
            "the read model differs from the rule.\nminimal history ({} steps, projector every {every} \
             steps, batch size {batch_size}, full recompute after {full}):\n{history:#?}\n{reason}",
            history.len()
        ),
        Err(TestError::Abort(reason)) => panic!("the model test was aborted: {reason}"),
    }
}

async fn check_history(
    backend: &Backend,
    salt: u64,
    history: &[Step],
    every: usize,
    (batch_size, full_recompute_after): (u32, usize),
) -> Result<(), TestCaseError> {
    let config = ProjectorConfig {
        batch_size,
        full_recompute_after,
        ..ProjectorConfig::default()
    };
    let mut projector = Projector::start(backend.store.clone(), config)
        .await
        .unwrap();
    let mut model = HistoryModel::new(salt);
    let mut ledger = LedgerState::default();
    let mut streams = BTreeSet::new();

    let mut appended = projector.checkpoint();
    for (index, step) in history.iter().enumerate() {
        let (new_streams, last) = append_step(&backend.store, &mut model, step, index).await;
        streams.extend(new_streams);
        appended = last.unwrap_or(appended).max(appended);
        if (index + 1) % every != 0 && index + 1 != history.len() {
            continue;
        }
        // Until the projector has passed every append so far: on PostgreSQL a transaction of
        // another test can hold readers back for a moment.
        while projector.checkpoint() < appended {
            let before = projector.checkpoint();
            if projector.run_once().await.unwrap() == 0 {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                continue;
            }
            fold(
                &backend.store,
                &mut ledger,
                &streams,
                before,
                projector.checkpoint(),
            )
            .await;
            let found = differences(&backend.db, &ledger, &model).await;
            prop_assert!(found.is_empty(), "after step {index}: {}", found.join("\n"));
        }
    }
    // The state folded from the store is the model's own state, so the comparison was fair.
    for customer in model.customer_ids() {
        prop_assert_eq!(
            ledger.visible_incidents(customer),
            model.ledger().visible_incidents(customer)
        );
    }
    Ok(())
}

#[test]
fn the_sqlite_read_model_equals_the_rule_after_every_batch() {
    run_model(false);
}

#[test]
fn the_postgres_read_model_equals_the_rule_after_every_batch() {
    run_model(true);
}

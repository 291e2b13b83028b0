//! The event store contract: one suite, run unchanged against PostgreSQL and SQLite.
//!
//! Every test is a generic `async fn(&impl TestBackend)`; the `contract!` macro instantiates it
//! once per backend. The PostgreSQL tests need a real server (`LEDGERDESK_TEST_DATABASE_URL`,
//! default `postgres://postgres@127.0.0.1:5432/postgres`) and fail when it cannot be reached.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod appends;
mod harness;
mod reading;
mod verification;

/// Runs each named contract test against both backends.
macro_rules! contract {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let backend = crate::harness::PgBackend::create().await;
                    crate::$module::$name(&backend).await;
                }
            )*
        }

        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let backend = crate::harness::SqliteBackend::create().await;
                    crate::$module::$name(&backend).await;
                }
            )*
        }
    };
}

contract!(
    appends::an_append_numbers_events_from_one_and_reads_back_in_order,
    appends::a_wrong_expected_version_is_a_conflict_and_writes_nothing,
    appends::two_concurrent_appends_with_the_same_expected_version_let_exactly_one_win,
    appends::twenty_concurrent_any_appends_to_one_stream_all_persist_in_order,
    appends::a_batch_whose_last_event_fails_writes_nothing,
    appends::a_batch_carrying_one_event_id_twice_writes_nothing,
    appends::an_empty_batch_is_refused,
    appends::an_idempotent_replay_returns_the_first_result_and_appends_nothing,
    appends::an_idempotency_key_reused_with_other_content_is_refused,
    appends::concurrent_requests_with_one_idempotency_key_append_once,
    reading::a_reader_never_passes_an_append_that_is_still_open,
    reading::a_rolled_back_append_leaves_no_gap_that_stalls_readers,
    reading::reading_all_in_pages_returns_every_event_exactly_once,
    reading::an_event_stored_in_an_old_schema_version_reads_back_upcast,
    reading::an_append_wakes_subscribed_readers,
    verification::an_untouched_ledger_verifies,
    verification::tampering_with_one_stored_event_makes_verify_name_that_event,
    verification::removing_the_last_event_of_a_stream_is_detected,
    verification::verify_holds_while_appends_run,
    verification::an_unreadable_row_is_named_not_fatal,
);

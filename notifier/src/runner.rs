//! The notifier loop: elect one active instance, decide new events, deliver due mail, wake on
//! hints and poll.

use std::time::Duration;

use ledgerdesk_store::{AnyStore, EventStore as _};
use sqlx::Connection as _;
use tokio::sync::watch;

use crate::sender::{Sender, send_due};
use crate::{Notifier, NotifierConfig, NotifierError, outbox, with_causes};

/// Runs the notifier until `shutdown` turns true: waits to become the active instance
/// (PostgreSQL), then follows the ledger and delivers the outbox.
///
/// # Errors
/// Errors that retrying cannot fix (an undecodable event); transient ones are logged and
/// retried after a pause.
pub async fn run(
    store: AnyStore,
    config: NotifierConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), NotifierError> {
    while !*shutdown.borrow() {
        let leadership = match Leadership::acquire(&store).await {
            Ok(Some(leadership)) => leadership,
            Ok(None) => {
                pause(&mut shutdown, config.poll_interval).await;
                continue;
            }
            Err(err) => {
                tracing::warn!(
                    error = with_causes(&err),
                    "could not try to become the active notifier, retrying"
                );
                pause(&mut shutdown, config.poll_interval).await;
                continue;
            }
        };
        match follow(&store, &config, &mut shutdown).await {
            Ok(()) => {}
            Err(NotifierError::Fenced) => {
                tracing::info!("the notifier was taken over or must start again, starting again");
            }
            Err(err @ (NotifierError::Decode { .. } | NotifierError::WrongStream { .. })) => {
                tracing::error!(
                    error = with_causes(&err),
                    "the notifier cannot read the ledger and stops"
                );
                return Err(err);
            }
            Err(err) => {
                tracing::warn!(
                    error = with_causes(&err),
                    "the notifier failed a step, starting again"
                );
                pause(&mut shutdown, config.poll_interval).await;
            }
        }
        drop(leadership);
    }
    Ok(())
}

async fn follow(
    store: &AnyStore,
    config: &NotifierConfig,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), NotifierError> {
    let mut hints = store.wake_up().subscribe();
    let mut notifier = Notifier::start(store.clone(), config.clone()).await?;
    let sender = Sender::new(config);
    tracing::info!(
        event.seq = notifier.checkpoint().position,
        "this instance now runs the notifier"
    );
    // As for projections (ADR 2): after a hint the new events may still be hidden behind an
    // older transaction, so look again soon, backing off, until a poll interval has passed.
    let mut recheck: Option<Duration> = None;
    while !*shutdown.borrow() {
        hints.borrow_and_update();
        let decided = notifier.run_once().await?;
        let round = send_due(store, &sender, config).await?;
        if decided > 0 || round.sent > 0 {
            recheck = None;
            continue;
        }
        let until_due = outbox::next_due(store).await?.map(|due_ms| {
            let wait_ms = due_ms.saturating_sub(outbox::now_ms()).max(0);
            Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0))
        });
        let wait = recheck
            .unwrap_or(config.poll_interval)
            .min(until_due.unwrap_or(Duration::MAX))
            .max(Duration::from_millis(5));
        tokio::select! {
            _ = hints.changed() => recheck = Some(Duration::from_millis(5)),
            () = tokio::time::sleep(wait) => {
                recheck = recheck.map(|after| after * 2).filter(|after| *after < config.poll_interval);
            }
            _ = shutdown.changed() => {}
        }
    }
    Ok(())
}

async fn pause(shutdown: &mut watch::Receiver<bool>, interval: Duration) {
    tokio::select! {
        () = tokio::time::sleep(interval) => {}
        _ = shutdown.changed() => {}
    }
}

/// Being the one active notifier: on PostgreSQL a session advisory lock held on a connection
/// of its own (released when dropped); on SQLite, one process owns the file (ADR 5).
struct Leadership {
    _connection: Option<sqlx::PgConnection>,
}

impl Leadership {
    async fn acquire(store: &AnyStore) -> Result<Option<Self>, NotifierError> {
        let AnyStore::Postgres(pg) = store else {
            return Ok(Some(Self { _connection: None }));
        };
        let mut connection = pg.pool().acquire().await?.detach();
        let acquired: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
            .bind(lock_key())
            .fetch_one(&mut connection)
            .await?;
        if acquired {
            return Ok(Some(Self {
                _connection: Some(connection),
            }));
        }
        let _ = connection.close().await;
        Ok(None)
    }
}

fn lock_key() -> i64 {
    use sha2::{Digest as _, Sha256};
    let digest = Sha256::digest(b"ledgerdesk notifier");
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

//! The projector loop: elect one active instance, read from the checkpoint, apply batches,
//! wake on hints and poll.

use std::time::Duration;

use ledgerdesk_store::{AnyStore, Checkpoint, EventStore};
use sqlx::Connection as _;
use tokio::sync::watch;

use crate::db::ReadDb;
use crate::schema::TableSet;
use crate::{ProjectionError, checkpoint, portal, rebuild};

/// How a projector runs.
#[derive(Clone, Debug)]
pub struct ProjectorConfig {
    /// Events read and applied per transaction.
    pub batch_size: u32,
    /// How often to look for new events when no hint arrives.
    pub poll_interval: Duration,
    /// Past this many changed customers, incidents and company services in one batch, the
    /// derived tables are recomputed whole instead of scope by scope.
    pub full_recompute_after: usize,
    /// Fail a batch after this many of its events were applied (tests only).
    pub fail_after: Option<usize>,
}

impl Default for ProjectorConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            poll_interval: Duration::from_secs(1),
            full_recompute_after: portal::FULL_RECOMPUTE_AFTER,
            fail_after: None,
        }
    }
}

/// An active instance of the portal projector: it holds the fence.
#[derive(Debug)]
pub struct Projector {
    store: AnyStore,
    db: ReadDb,
    config: ProjectorConfig,
    fence: i64,
    checkpoint: Checkpoint,
}

impl Projector {
    /// Becomes the active instance: rebuilds first if the tables were never built or were built
    /// by another model version, then takes the fence.
    ///
    /// # Errors
    /// As [`crate::rebuild`], and [`ProjectionError::Database`].
    pub async fn start(store: AnyStore, config: ProjectorConfig) -> Result<Self, ProjectionError> {
        let db = ReadDb::of(&store);
        let row = checkpoint::load(&db, portal::NAME).await?;
        if row.model_version != portal::MODEL_VERSION {
            tracing::info!(
                projection.name = portal::NAME,
                "the portal read model is missing or from another version, rebuilding it"
            );
            rebuild::rebuild(&store, portal::NAME, &|_| {}).await?;
        }
        let row = checkpoint::take_fence(&db, portal::NAME).await?;

        Ok(Self {
            store,
            db,
            config,
            fence: row.fence,
            checkpoint: row.checkpoint,
        })
    }

    /// The last applied event.
    #[must_use]
    pub fn checkpoint(&self) -> Checkpoint {
        self.checkpoint
    }

    /// Applies one batch; returns how many events it applied (0 when there was nothing new).
    ///
    /// # Errors
    /// [`ProjectionError::Fenced`] when another instance or a rebuild took over; any other
    /// error leaves the read model and the checkpoint as they were.
    #[tracing::instrument(name = "projection.apply", skip_all, fields(projection.name = portal::NAME))]
    pub async fn run_once(&mut self) -> Result<usize, ProjectionError> {
        let events = self
            .store
            .read_all(self.checkpoint, self.config.batch_size)
            .await?;
        let Some(last) = events.last() else {
            return Ok(0);
        };
        let next = last.checkpoint;

        let mut tx = self.db.begin().await?;
        checkpoint::lock(&mut tx, portal::NAME).await?;
        portal::apply_batch(
            &mut tx,
            TableSet::live(),
            &events,
            self.config.full_recompute_after,
            self.config.fail_after,
        )
        .await?;
        checkpoint::advance(&mut tx, portal::NAME, self.fence, self.checkpoint, next).await?;
        tx.commit().await?;

        tracing::debug!(
            event.seq = next.position,
            n_events = events.len(),
            "applied a batch to the portal read model"
        );
        self.checkpoint = next;
        Ok(events.len())
    }

    /// Applies batches until the ledger has nothing newer; returns the checkpoint reached.
    ///
    /// # Errors
    /// As [`Projector::run_once`].
    pub async fn catch_up(&mut self) -> Result<Checkpoint, ProjectionError> {
        while self.run_once().await? > 0 {}
        Ok(self.checkpoint)
    }
}

/// Runs the portal projector until `shutdown` turns true: waits to become the active instance
/// (PostgreSQL), then follows the ledger, waking on hints and polling.
///
/// # Errors
/// Errors that retrying cannot fix (an undecodable event); transient ones are logged and
/// retried after a pause.
pub async fn run(
    store: AnyStore,
    config: ProjectorConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ProjectionError> {
    while !*shutdown.borrow() {
        let leadership = match Leadership::acquire(&store).await {
            Ok(Some(leadership)) => leadership,
            Ok(None) => {
                pause(&mut shutdown, config.poll_interval).await;
                continue;
            }
            Err(err) => {
                tracing::warn!(
                    error = crate::with_causes(&err),
                    "could not try to become the active portal projector, retrying"
                );
                pause(&mut shutdown, config.poll_interval).await;
                continue;
            }
        };
        match follow(&store, &config, &mut shutdown).await {
            Ok(()) => {}
            Err(ProjectionError::Fenced { .. }) => {
                tracing::info!(
                    projection.name = portal::NAME,
                    "the portal projection was taken over, starting again"
                );
            }
            Err(
                err @ (ProjectionError::Decode { .. } | ProjectionError::UnexpectedStream { .. }),
            ) => {
                tracing::error!(
                    error = crate::with_causes(&err),
                    "the portal projection cannot read the ledger and stops"
                );
                return Err(err);
            }
            Err(err) => {
                tracing::warn!(
                    error = crate::with_causes(&err),
                    "the portal projection failed a batch, retrying"
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
    config: &ProjectorConfig,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), ProjectionError> {
    let mut hints = store.wake_up().subscribe();
    let mut projector = Projector::start(store.clone(), config.clone()).await?;
    tracing::info!(
        projection.name = portal::NAME,
        "this instance now runs the portal projection"
    );
    // After a hint the new events may still be hidden behind an older transaction that has not
    // finished (ADR 2), and no second hint comes when it does: look again soon, backing off,
    // until something is applied or a poll interval has passed.
    let mut recheck: Option<Duration> = None;
    while !*shutdown.borrow() {
        hints.borrow_and_update();
        if projector.run_once().await? > 0 {
            recheck = None;
            continue;
        }
        let wait = recheck.unwrap_or(config.poll_interval);
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
        _ = tokio::time::sleep(interval) => {}
        _ = shutdown.changed() => {}
    }
}

/// Being the one active instance: on PostgreSQL a session advisory lock held on a connection
/// of its own (released when dropped); on SQLite, one process owns the file.
struct Leadership {
    _connection: Option<sqlx::PgConnection>,
}

impl Leadership {
    async fn acquire(store: &AnyStore) -> Result<Option<Self>, ProjectionError> {
        let AnyStore::Postgres(pg) = store else {
            return Ok(Some(Self { _connection: None }));
        };
        let mut connection = pg.pool().acquire().await?.detach();
        let acquired: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
            .bind(lock_key(portal::NAME))
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

fn lock_key(name: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("ledgerdesk projection {name}").as_bytes());
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

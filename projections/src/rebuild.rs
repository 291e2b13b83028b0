//! Rebuilding a read model from the whole ledger into fresh tables, then switching over in one
//! transaction so readers go from the old model to the new one with nothing in between.
//!
//! A rebuild never sends mail: the notifier is not a projection and keeps its own checkpoint.

use ledgerdesk_store::{AnyStore, Checkpoint, EventStore};

use crate::checkpoint::CheckpointRow;
use crate::db::{Param, ReadDb, ReadTx};
use crate::schema::{self, TABLES, TableSet};
use crate::{ProjectionError, checkpoint, portal};

/// Events read and applied per transaction while rebuilding.
const CHUNK: u32 = 5_000;

/// How long a rebuild waits for events an older open transaction hides before it switches over
/// without them (the live projector applies them later).
const HELD_BACK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

/// How far a rebuild has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RebuildProgress {
    /// Events applied so far.
    pub applied: u64,
    /// Events in the ledger when the rebuild started.
    pub total: u64,
}

/// Rebuilds the projection `name` from the ledger and switches readers over to it.
///
/// The live projector, if one runs, keeps serving the old tables until the switch; the switch
/// bumps the fence, so it then starts again from the rebuilt model's checkpoint.
///
/// # Errors
/// [`ProjectionError::UnknownProjection`] for a name other than `portal`; store, decode and
/// database errors otherwise, in which case the live tables are untouched.
pub async fn rebuild(
    store: &AnyStore,
    name: &str,
    progress: &(dyn Fn(RebuildProgress) + Sync),
) -> Result<CheckpointRow, ProjectionError> {
    if name != portal::NAME {
        return Err(ProjectionError::UnknownProjection(name.to_owned()));
    }
    let db = ReadDb::of(store);
    // FIXME(#3): a rebuild that crashes leaves its rmnext{g}_* tables behind (harmless, never
    // read); drop the sets of older, unfinished generations at the next switch-over.
    let generation = checkpoint::claim_generation(&db, portal::NAME).await?;
    let next = TableSet::next(generation);
    let mut tx = db.begin().await?;
    checkpoint::lock_for_private_writes(&mut tx, portal::NAME).await?;
    schema::drop_all(&mut tx, next).await?;
    schema::create(&mut tx, next).await?;
    tx.commit().await?;
    tracing::info!(
        projection.name = portal::NAME,
        generation,
        "rebuilding the portal read model"
    );

    // Base tables chunk by chunk, then everything derived at once, then the events that
    // arrived meanwhile, applied incrementally.
    let total = store.count_after(Checkpoint::START).await?;
    let mut reached = Checkpoint::START;
    let mut applied = 0;
    progress(RebuildProgress { applied, total });
    // Events committed before the rebuild began can still be hidden behind an older open
    // transaction (ADR 2); wait a while for them rather than switch over short of them.
    let patience = tokio::time::Instant::now() + HELD_BACK_PATIENCE;
    loop {
        let events = store.read_all(reached, CHUNK).await?;
        let Some(last) = events.last() else {
            if applied >= total || tokio::time::Instant::now() > patience {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        reached = last.checkpoint;
        let mut tx = db.begin().await?;
        checkpoint::lock_for_private_writes(&mut tx, portal::NAME).await?;
        portal::apply_base(&mut tx, next, &events).await?;
        tx.commit().await?;
        applied += events.len() as u64;
        progress(RebuildProgress {
            applied,
            total: total.max(applied),
        });
    }
    let mut tx = db.begin().await?;
    checkpoint::lock_for_private_writes(&mut tx, portal::NAME).await?;
    portal::derive_everything(&mut tx, next).await?;
    tx.commit().await?;
    reached = catch_up(store, &db, next, reached).await?;

    let row = switch_over(store, &db, next, reached, generation).await?;
    tracing::info!(
        projection.name = portal::NAME,
        generation,
        n_events = applied,
        "the rebuilt portal read model is live"
    );
    Ok(row)
}

async fn catch_up(
    store: &AnyStore,
    db: &ReadDb,
    next: TableSet,
    mut reached: Checkpoint,
) -> Result<Checkpoint, ProjectionError> {
    loop {
        let events = store.read_all(reached, CHUNK).await?;
        let Some(last) = events.last() else {
            return Ok(reached);
        };
        let mut tx = db.begin().await?;
        checkpoint::lock_for_private_writes(&mut tx, portal::NAME).await?;
        portal::apply_batch(&mut tx, next, &events, portal::FULL_RECOMPUTE_AFTER, None).await?;
        tx.commit().await?;
        reached = last.checkpoint;
    }
}

/// In one transaction: wait for the live projector's batch, apply what is left, move the
/// checkpoint with a new fence, and put the new tables in place of the old.
async fn switch_over(
    store: &AnyStore,
    db: &ReadDb,
    next: TableSet,
    mut reached: Checkpoint,
    generation: i64,
) -> Result<CheckpointRow, ProjectionError> {
    let mut tx = db.begin().await?;
    // The row first, then the tables: the live projector takes them in the same order.
    checkpoint::lock(&mut tx, portal::NAME).await?;
    lock_live_tables(&mut tx).await?;
    let events = store.read_all(reached, u32::MAX).await?;
    if let Some(last) = events.last() {
        portal::apply_batch(&mut tx, next, &events, portal::FULL_RECOMPUTE_AFTER, None).await?;
        reached = last.checkpoint;
    }
    tx.execute(
        "update projection_checkpoints
         set fence = fence + 1, commit_id = $2, position = $3, generation = $4, model_version = $5
         where name = $1",
        &[
            Param::from(portal::NAME),
            reached.commit.into(),
            reached.position.into(),
            generation.into(),
            portal::MODEL_VERSION.into(),
        ],
    )
    .await?;
    schema::switch_over(&mut tx, next).await?;
    tx.commit().await?;

    checkpoint::load(db, portal::NAME).await
}

/// On PostgreSQL, takes the live tables' locks once the checkpoint row is held, so that no
/// reader is half-way through a table when it is dropped.
async fn lock_live_tables(tx: &mut ReadTx) -> Result<(), ProjectionError> {
    if !tx.is_postgres() {
        return Ok(());
    }
    let live = TableSet::live();
    for table in TABLES {
        let name = live.table(table);
        let exists = tx
            .fetch_all("select to_regclass($1)::text", &[name.as_str().into()])
            .await?;
        let present = exists
            .first()
            .and_then(|row| row.first())
            .and_then(|cell| cell.as_text())
            .is_some();
        if present {
            tx.execute(&format!("lock table {name} in access exclusive mode"), &[])
                .await?;
        }
    }
    Ok(())
}

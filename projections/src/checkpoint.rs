//! The projection checkpoint row: position, fence, generation and model version.

use ledgerdesk_store::Checkpoint;

use crate::ProjectionError;
use crate::db::{Cell, Param, ReadDb, ReadTx};

/// A projection's row in `projection_checkpoints`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointRow {
    /// The last applied event.
    pub checkpoint: Checkpoint,
    /// The fence of the instance allowed to move the checkpoint.
    pub fence: i64,
    /// The rebuild generation of the live tables.
    pub generation: i64,
    /// The read-model version the tables were built with (0: never built).
    pub model_version: i64,
}

const SELECT: &str = "select commit_id, position, fence, generation, model_version
                      from projection_checkpoints where name = $1";

/// Reads the row, creating it (at the start of the ledger, never built) if missing.
pub(crate) async fn load(db: &ReadDb, name: &str) -> Result<CheckpointRow, ProjectionError> {
    let mut tx = db.begin().await?;
    tx.execute(
        "insert into projection_checkpoints (name) values ($1) on conflict (name) do nothing",
        &[name.into()],
    )
    .await?;
    let rows = tx.fetch_all(SELECT, &[name.into()]).await?;
    tx.commit().await?;
    rows.first()
        .map(|row| parse(row))
        .ok_or(ProjectionError::UnknownProjection(name.to_owned()))
}

/// Takes the fence: from now on only the caller may move the checkpoint.
pub(crate) async fn take_fence(db: &ReadDb, name: &str) -> Result<CheckpointRow, ProjectionError> {
    load(db, name).await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "update projection_checkpoints set fence = fence + 1 where name = $1",
        &[name.into()],
    )
    .await?;
    let rows = tx.fetch_all(SELECT, &[name.into()]).await?;
    tx.commit().await?;
    rows.first()
        .map(|row| parse(row))
        .ok_or(ProjectionError::UnknownProjection(name.to_owned()))
}

/// Takes the projection's row lock as a transaction's first statement.
///
/// Every read-model write transaction starts here: on PostgreSQL the live projector and a
/// rebuild's switch-over then wait for each other on this row before either touches a table,
/// so they cannot deadlock on table locks; on SQLite the statement is a write, which takes the
/// database's write lock at once (waiting up to the busy timeout) instead of failing later when
/// a reading transaction tries to write.
pub(crate) async fn lock(tx: &mut ReadTx, name: &str) -> Result<(), ProjectionError> {
    tx.execute(
        "update projection_checkpoints set fence = fence where name = $1",
        &[name.into()],
    )
    .await?;
    Ok(())
}

/// Starts a transaction that writes only tables nobody else uses (a rebuild's fresh set).
///
/// On SQLite it must still write first to take the write lock without failing later; on
/// PostgreSQL it need not hold the row, so the live projector goes on meanwhile.
pub(crate) async fn lock_for_private_writes(
    tx: &mut ReadTx,
    name: &str,
) -> Result<(), ProjectionError> {
    if tx.is_postgres() {
        return Ok(());
    }
    lock(tx, name).await
}

/// Claims a rebuild generation no other rebuild has: one past both the live generation and
/// every generation claimed before.
pub(crate) async fn claim_generation(db: &ReadDb, name: &str) -> Result<i64, ProjectionError> {
    load(db, name).await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "update projection_checkpoints
         set claimed_generation = case when claimed_generation > generation
                                       then claimed_generation else generation end + 1
         where name = $1",
        &[name.into()],
    )
    .await?;
    let rows = tx
        .fetch_all(
            "select claimed_generation from projection_checkpoints where name = $1",
            &[name.into()],
        )
        .await?;
    tx.commit().await?;
    rows.first()
        .and_then(|row| row.first())
        .and_then(Cell::as_int)
        .ok_or(ProjectionError::UnknownProjection(name.to_owned()))
}

/// Moves the checkpoint from `from` to `to`, only if the caller still holds `fence` and nobody
/// moved it meanwhile.
///
/// # Errors
/// [`ProjectionError::Fenced`] when the compare-and-swap fails.
pub(crate) async fn advance(
    tx: &mut ReadTx,
    name: &'static str,
    fence: i64,
    from: ledgerdesk_store::Checkpoint,
    to: ledgerdesk_store::Checkpoint,
) -> Result<(), ProjectionError> {
    let now = if tx.is_postgres() {
        "now()"
    } else {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    };
    let sql = format!(
        "update projection_checkpoints
         set commit_id = $1, position = $2, updated_at = {now}
         where name = $3 and fence = $4 and commit_id = $5 and position = $6"
    );
    let params: [Param; 6] = [
        to.commit.into(),
        to.position.into(),
        name.into(),
        fence.into(),
        from.commit.into(),
        from.position.into(),
    ];
    if tx.execute(&sql, &params).await? == 1 {
        Ok(())
    } else {
        Err(ProjectionError::Fenced { name })
    }
}

fn parse(row: &[Cell]) -> CheckpointRow {
    let int = |index: usize| row.get(index).and_then(Cell::as_int).unwrap_or(0);
    CheckpointRow {
        checkpoint: Checkpoint {
            commit: int(0),
            position: int(1),
        },
        fence: int(2),
        generation: int(3),
        model_version: int(4),
    }
}

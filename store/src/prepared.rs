//! An append that has written its events but not yet committed them.
//!
//! Normal callers use [`crate::EventStore::append`], which commits at once. Holding a prepared
//! append open is how the contract tests show that readers never pass an unfinished transaction.

use sqlx::{Postgres, Sqlite, Transaction};

use crate::{AppendOutcome, StoreError, WakeUp};

/// A written, uncommitted append, or the stored outcome of a replayed idempotent request.
#[derive(Debug)]
pub struct PreparedAppend {
    outcome: AppendOutcome,
    pending: Pending,
}

#[derive(Debug)]
enum Pending {
    Replayed,
    Postgres(Transaction<'static, Postgres>, WakeUp),
    Sqlite(Transaction<'static, Sqlite>, WakeUp),
}

impl PreparedAppend {
    pub(crate) fn replayed(mut outcome: AppendOutcome) -> Self {
        outcome.replayed = true;
        Self {
            outcome,
            pending: Pending::Replayed,
        }
    }

    pub(crate) fn postgres(
        outcome: AppendOutcome,
        tx: Transaction<'static, Postgres>,
        wake_up: WakeUp,
    ) -> Self {
        Self {
            outcome,
            pending: Pending::Postgres(tx, wake_up),
        }
    }

    pub(crate) fn sqlite(
        outcome: AppendOutcome,
        tx: Transaction<'static, Sqlite>,
        wake_up: WakeUp,
    ) -> Self {
        Self {
            outcome,
            pending: Pending::Sqlite(tx, wake_up),
        }
    }

    /// What the append will have written once committed.
    #[must_use]
    pub fn outcome(&self) -> &AppendOutcome {
        &self.outcome
    }

    /// Commits the append and wakes readers.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the commit fails; then nothing was written.
    pub async fn commit(self) -> Result<AppendOutcome, StoreError> {
        match self.pending {
            Pending::Replayed => {}
            Pending::Postgres(tx, wake_up) => {
                tx.commit().await?;
                wake_up.notify();
            }
            Pending::Sqlite(tx, wake_up) => {
                tx.commit().await?;
                wake_up.notify();
            }
        }
        Ok(self.outcome)
    }

    /// Abandons the append; nothing it wrote remains.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the rollback itself fails (the database then discards the
    /// transaction when the connection closes).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.pending {
            Pending::Replayed => {}
            Pending::Postgres(tx, _) => tx.rollback().await?,
            Pending::Sqlite(tx, _) => tx.rollback().await?,
        }
        Ok(())
    }
}

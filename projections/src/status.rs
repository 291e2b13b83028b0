//! `projections status`: where each projection stands and how far behind the ledger it is.

use ledgerdesk_store::{AnyStore, EventStore};

use crate::db::ReadDb;
use crate::{ProjectionError, checkpoint, portal};

/// One projection's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectionStatus {
    /// The projection's name.
    pub name: &'static str,
    /// Its checkpoint row.
    pub row: crate::CheckpointRow,
    /// Events in the ledger after its checkpoint.
    pub lag: u64,
    /// Whether its tables were built by this version of the code.
    pub current: bool,
}

/// The state of every projection.
///
/// # Errors
/// Store and database errors.
pub async fn status(store: &AnyStore) -> Result<Vec<ProjectionStatus>, ProjectionError> {
    let db = ReadDb::of(store);
    let row = checkpoint::load(&db, portal::NAME).await?;
    let lag = store.count_after(row.checkpoint).await?;

    Ok(vec![ProjectionStatus {
        name: portal::NAME,
        row,
        lag,
        current: row.model_version == portal::MODEL_VERSION,
    }])
}

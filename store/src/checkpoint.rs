//! Where a reader of the whole ledger stands.

use serde::{Deserialize, Serialize};

/// A reader's place in the global order of the ledger.
///
/// The global order is by writing transaction, then position (ADR 0002). On SQLite, where one
/// writer commits at a time, `commit` equals `position`. A checkpoint only ever moves past events
/// whose transactions have finished, so nothing can appear behind it later.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Checkpoint {
    /// The writing transaction's id (PostgreSQL `xid8`), or the position on SQLite.
    pub commit: i64,
    /// The event's global position.
    pub position: i64,
}

impl Checkpoint {
    /// Before the first event.
    pub const START: Self = Self {
        commit: 0,
        position: 0,
    };
}

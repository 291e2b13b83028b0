//! Wake-up hints for readers of the ledger: a counter that moves when new events may be there.
//!
//! A hint is never the source of truth. Readers always read from their checkpoint, and poll as
//! well, because a hint can be lost (a dropped PostgreSQL connection) or come early.

use std::sync::Arc;

use tokio::sync::watch;

/// Hands out receivers that change whenever events may have been appended.
#[derive(Clone, Debug)]
pub struct WakeUp {
    sender: Arc<watch::Sender<u64>>,
}

impl Default for WakeUp {
    fn default() -> Self {
        Self {
            sender: Arc::new(watch::Sender::new(0)),
        }
    }
}

impl WakeUp {
    /// A receiver whose `changed()` completes after the next hint.
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.sender.subscribe()
    }

    /// Tells every receiver that new events may be there.
    pub(crate) fn notify(&self) {
        self.sender
            .send_modify(|count| *count = count.wrapping_add(1));
    }
}

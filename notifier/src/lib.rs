//! Ledgerdesk's notifier: follows the ledger from its own checkpoint, decides from the state at
//! each event's position who must hear of it (DESIGN §3.2), owes that mail in an outbox written
//! in the same transaction as the checkpoint, and delivers the outbox over SMTP or to files.
//!
//! Boundary: reads the ledger only through `EventStore::read_all`, never writes to it, and owns
//! the tables `notifier_checkpoint` and `outbox` (migration 0006, ADR 12). It is the only part of
//! Ledgerdesk with side effects outside the database; it is never replayed, and a projection
//! rebuild never touches its checkpoint.

mod config;
mod error;
mod outbox;
pub mod rules;
mod runner;
mod sender;
pub mod state;
pub mod template;
mod worker;

pub use crate::config::{Delivery, NotifierConfig};
pub use crate::error::NotifierError;
pub use crate::runner::run;
pub use crate::sender::{Sender, deliver_due};
pub use crate::worker::Notifier;

/// The error and its causes, `outer: inner`, for logs.
pub(crate) fn with_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.ends_with(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

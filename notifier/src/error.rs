//! Errors of the notifier that callers can branch on.

use ledgerdesk_domain::DecodeError;
use ledgerdesk_domain::ledger_state::WrongStream;
use ledgerdesk_store::StoreError;

/// What can stop the notifier or one of its batches.
#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    /// Reading the ledger failed.
    #[error("failed to read the ledger")]
    Store(#[from] StoreError),
    /// The notifier's tables could not be read or written.
    #[error("notifier database failed")]
    Database(#[from] sqlx::Error),
    /// A stored event could not be decoded; retrying cannot help.
    #[error("failed to decode the event at position {position}")]
    Decode {
        /// The event's global position.
        position: i64,
        /// Why.
        #[source]
        source: DecodeError,
    },
    /// An event does not belong to the stream it was read from; retrying cannot help.
    #[error("the event at position {position} does not belong to its stream")]
    WrongStream {
        /// The event's global position.
        position: i64,
        /// Why.
        #[source]
        source: WrongStream,
    },
    /// Another instance took over: the checkpoint's fence is no longer ours.
    #[error("the notifier checkpoint was taken over by another instance")]
    Fenced,
    /// The configuration cannot work (an unsupported SMTP URL, a bad sender address).
    #[error("invalid notifier configuration: {0}")]
    Config(String),
    /// Writing a mail file failed.
    #[error("failed to write mail files")]
    Io(#[from] std::io::Error),
}

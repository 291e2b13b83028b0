//! Projectors that build Ledgerdesk's read models from the ledger, and the queries over them.
//!
//! A projector reads the ledger from its checkpoint with the store's gap-safe read, applies a
//! batch of events to its tables, and moves its checkpoint in the same transaction. On
//! PostgreSQL one instance per projector is active (an advisory lock) and a stale instance
//! cannot move the checkpoint (a fenced compare-and-swap). A rebuild fills a fresh set of
//! tables and switches over in one transaction, so readers never see a half-built model.
#![warn(clippy::wildcard_enum_match_arm)]

mod checkpoint;
pub mod db;
pub mod portal;
pub mod query;
mod rebuild;
mod runner;
pub mod schema;
mod status;

pub use crate::checkpoint::CheckpointRow;
pub use crate::rebuild::{RebuildProgress, rebuild};
pub use crate::runner::{Projector, ProjectorConfig, run};
pub use crate::status::{ProjectionStatus, status};

/// An error with its causes, for logs: `outer: inner: innermost`.
pub(crate) fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What can go wrong while projecting.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// Reading the ledger failed.
    #[error("failed to read the ledger")]
    Store(#[from] ledgerdesk_store::StoreError),
    /// The read-model database failed.
    #[error("read model database failed")]
    Database(#[from] sqlx::Error),
    /// An event in the ledger is not one the domain knows how to read.
    #[error("event at position {position} cannot be decoded")]
    Decode {
        /// The event's global position.
        position: i64,
        /// Why.
        #[source]
        source: ledgerdesk_domain::DecodeError,
    },
    /// An event sits in a stream that does not belong to its kind of aggregate.
    #[error("event at position {position} is in an unexpected stream")]
    UnexpectedStream {
        /// The event's global position.
        position: i64,
    },
    /// Another instance or a rebuild took over; this instance must stop writing.
    #[error("projection {name} was taken over by another instance or a rebuild")]
    Fenced {
        /// The projection.
        name: &'static str,
    },
    /// A failure injected by a test.
    #[error("injected failure")]
    Injected,
    /// No projection has that name.
    #[error("unknown projection {0:?}; known: portal")]
    UnknownProjection(String),
}

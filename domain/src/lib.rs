//! Ledgerdesk's pure domain model: identifiers, validated values, the aggregates with their
//! `decide`/`evolve` functions, event encoding and upcasting, and the visibility rule.
//!
//! Boundary: no IO, no logging, no clock and no id generation. Callers load the streams and
//! any facts from other aggregates, pass `occurred_at` and new ids in with the command, and
//! append the events `decide` returns.
#![warn(clippy::pedantic, missing_docs, clippy::wildcard_enum_match_arm)]

pub mod error;
pub mod id;
pub mod meta;
pub mod stream;
pub mod upcast;
pub mod value;

pub use error::{DecodeError, InvalidValue};
pub use id::{
    CommentId, CompanyId, CustomerId, EventId, IncidentId, IncidentReference, ServiceId, UserId,
};
pub use meta::{Actor, Channel, SourceActor};
pub use stream::{AggregateId, StreamName};
pub use upcast::{UpcastError, current_schema_version, upcast};

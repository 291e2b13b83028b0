//! Ledgerdesk's pure domain model: identifiers, validated values, the aggregates with their
//! `decide`/`evolve` functions, event encoding and upcasting, and the visibility rule.
//!
//! Boundary: no IO, no logging, no clock and no id generation. Callers load the streams and
//! any facts from other aggregates, pass `occurred_at` and new ids in with the command, and
//! append the events `decide` returns.
#![warn(clippy::pedantic, missing_docs, clippy::wildcard_enum_match_arm)]

pub mod aggregate;
pub mod company;
pub mod company_admin;
pub mod customer;
pub mod error;
pub mod event;
pub mod id;
pub mod incident;
pub mod ledger_state;
pub mod meta;
pub mod portal_settings;
pub mod service;
pub mod stream;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod upcast;
pub mod user;
pub mod value;
pub mod visibility;

pub use aggregate::Aggregate;
pub use error::{DecodeError, InvalidValue};
pub use event::Event;
pub use id::{
    CommentId, CompanyId, CustomerId, EventId, IncidentId, IncidentReference, ServiceId, UserId,
};
pub use ledger_state::LedgerState;
pub use meta::{Actor, Channel, SourceActor};
pub use stream::{AggregateId, StreamName};
pub use upcast::{UpcastError, current_schema_version, upcast};
pub use visibility::{IncidentFacts, Viewer, VisibilityReason, can_see, effective_services};

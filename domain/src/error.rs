//! Errors shared across the domain: an invalid value and an event that cannot be decoded.

use crate::stream::StreamName;
use crate::upcast::UpcastError;

/// A value that breaks its type's validation rule.
///
/// The message names the kind of value and the rule, never the input itself, because inputs
/// such as email addresses are personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: {reason}")]
pub struct InvalidValue {
    what: &'static str,
    reason: &'static str,
}

impl InvalidValue {
    /// Builds the error for a value of kind `what` that breaks `reason`.
    #[must_use]
    pub const fn new(what: &'static str, reason: &'static str) -> Self {
        Self { what, reason }
    }

    /// The kind of value that was invalid, such as `stream name`.
    #[must_use]
    pub const fn what(&self) -> &'static str {
        self.what
    }

    /// The rule the value broke, such as `longer than 200 bytes`.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        self.reason
    }
}

/// A stored event that cannot be turned into a domain event.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The type string is not one the domain knows.
    #[error("unknown event type {event_type:?}")]
    UnknownEventType {
        /// The stored type string.
        event_type: String,
    },
    /// The event type does not belong to the kind of stream it was read from.
    #[error("event type {event_type:?} does not belong on stream {stream}")]
    WrongStream {
        /// The stream the event was read from.
        stream: StreamName,
        /// The stored type string.
        event_type: String,
    },
    /// The data does not match the current schema of its event type.
    #[error("failed to decode data of event type {event_type:?}")]
    InvalidData {
        /// The stored type string.
        event_type: String,
        /// What serde found wrong with the data.
        #[source]
        source: serde_json::Error,
    },
    /// The data is in an older schema version that could not be upcast.
    #[error("failed to upcast stored event")]
    Upcast(#[from] UpcastError),
}

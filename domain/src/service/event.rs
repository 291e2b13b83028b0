//! Events of the service aggregate.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DecodeError;
use crate::event::{decode_data, encode_data, owns_type};
use crate::id::ServiceId;
use crate::upcast::current_schema_version;
use crate::value::Name;

/// A fact about a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ServiceEvent {
    /// `service.created`: the service exists, active, with this name.
    #[serde(rename = "service.created")]
    Created {
        /// The service's id.
        service_id: ServiceId,
        /// Its display name.
        name: Name,
    },
    /// `service.renamed`: the service has a new name.
    #[serde(rename = "service.renamed")]
    Renamed {
        /// The new name.
        name: Name,
    },
    /// `service.retired`: the service takes no new incidents from now on.
    #[serde(rename = "service.retired")]
    Retired {},
}

impl ServiceEvent {
    /// The stable type string.
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Created { .. } => "service.created",
            Self::Renamed { .. } => "service.renamed",
            Self::Retired {} => "service.retired",
        }
    }

    /// The current schema version of this event's type.
    #[must_use]
    pub fn schema_version(&self) -> u16 {
        current_schema_version(self.event_type()).unwrap_or(1)
    }

    /// The event's data as a JSON object.
    #[must_use]
    pub fn to_data(&self) -> Value {
        encode_data(self)
    }

    /// Decodes data at the current schema version.
    ///
    /// # Errors
    ///
    /// Returns [`DecodeError::UnknownEventType`] for a type that is not a service event, and
    /// [`DecodeError::InvalidData`] when the data does not fit the type.
    pub fn from_data(event_type: &str, data: Value) -> Result<Self, DecodeError> {
        decode_data(Self::owns_type(event_type), event_type, data)
    }

    /// Whether `event_type` is a service event type.
    #[must_use]
    pub fn owns_type(event_type: &str) -> bool {
        owns_type("service.", event_type)
    }
}

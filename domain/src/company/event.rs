//! Events of the company aggregate.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DecodeError;
use crate::event::{decode_data, encode_data, owns_type};
use crate::id::{CompanyId, ServiceId};
use crate::upcast::current_schema_version;
use crate::value::Name;

/// A fact about a company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CompanyEvent {
    /// `company.registered`: the company exists, with no services yet.
    #[serde(rename = "company.registered")]
    Registered {
        /// The company's id.
        company_id: CompanyId,
        /// Its display name.
        name: Name,
    },
    /// `company.renamed`: the company has a new name.
    #[serde(rename = "company.renamed")]
    Renamed {
        /// The new name.
        name: Name,
    },
    /// `company.service_granted`: the company is entitled to one more service.
    #[serde(rename = "company.service_granted")]
    ServiceGranted {
        /// The service.
        service_id: ServiceId,
    },
    /// `company.service_revoked`: the company lost a service; its incidents on that service
    /// disappear from every customer of the company at once.
    #[serde(rename = "company.service_revoked")]
    ServiceRevoked {
        /// The service.
        service_id: ServiceId,
    },
}

impl CompanyEvent {
    /// The stable type string.
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Registered { .. } => "company.registered",
            Self::Renamed { .. } => "company.renamed",
            Self::ServiceGranted { .. } => "company.service_granted",
            Self::ServiceRevoked { .. } => "company.service_revoked",
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
    /// Returns [`DecodeError::UnknownEventType`] for a type that is not a company event, and
    /// [`DecodeError::InvalidData`] when the data does not fit the type.
    pub fn from_data(event_type: &str, data: Value) -> Result<Self, DecodeError> {
        decode_data(Self::owns_type(event_type), event_type, data)
    }

    /// Whether `event_type` is a company event type.
    #[must_use]
    pub fn owns_type(event_type: &str) -> bool {
        owns_type("company.", event_type)
    }
}

//! Events of the portal settings aggregate.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DecodeError;
use crate::event::{decode_data, encode_data, owns_type};
use crate::id::UserId;
use crate::portal_settings::{Appearance, PortalType};
use crate::upcast::current_schema_version;

/// A fact about the portal settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum PortalSettingsEvent {
    /// `portal_settings.appearance_changed`: the portal has this appearance now.
    #[serde(rename = "portal_settings.appearance_changed")]
    AppearanceChanged(Appearance),
    /// `portal_settings.portal_type_mapped`: this portal type now has this label, internal
    /// type and enabled flag.
    #[serde(rename = "portal_settings.portal_type_mapped")]
    PortalTypeMapped(PortalType),
    /// `portal_settings.default_assignee_set`: customer-logged incidents go to this staff
    /// user when nobody else is named (or to nobody in particular).
    #[serde(rename = "portal_settings.default_assignee_set")]
    DefaultAssigneeSet {
        /// The default assignee, if any.
        assignee_id: Option<UserId>,
    },
}

impl PortalSettingsEvent {
    /// The stable type string.
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::AppearanceChanged(_) => "portal_settings.appearance_changed",
            Self::PortalTypeMapped(_) => "portal_settings.portal_type_mapped",
            Self::DefaultAssigneeSet { .. } => "portal_settings.default_assignee_set",
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
    /// Returns [`DecodeError::UnknownEventType`] for a type that is not a portal settings
    /// event, and [`DecodeError::InvalidData`] when the data does not fit the type.
    pub fn from_data(event_type: &str, data: Value) -> Result<Self, DecodeError> {
        decode_data(Self::owns_type(event_type), event_type, data)
    }

    /// Whether `event_type` is a portal settings event type.
    #[must_use]
    pub fn owns_type(event_type: &str) -> bool {
        owns_type("portal_settings.", event_type)
    }
}

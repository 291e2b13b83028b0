//! Events of the staff user aggregate.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DecodeError;
use crate::event::{decode_data, encode_data, owns_type};
use crate::id::UserId;
use crate::upcast::current_schema_version;
use crate::user::Role;
use crate::value::{Email, Name, PasswordHash};

/// A fact about a staff user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum UserEvent {
    /// `user.created`: the user exists and is active.
    #[serde(rename = "user.created")]
    Created {
        /// The user's id.
        user_id: UserId,
        /// Their display name.
        name: Name,
        /// Their sign-in address.
        email: Email,
        /// Their role.
        role: Role,
    },
    /// `user.role_changed`: the user has a new role.
    #[serde(rename = "user.role_changed")]
    RoleChanged {
        /// The new role.
        role: Role,
    },
    /// `user.deactivated`: the user can no longer sign in or be assigned work.
    #[serde(rename = "user.deactivated")]
    Deactivated {},
    /// `user.password_set`: the user has a new password; the audit redacts the hash.
    #[serde(rename = "user.password_set")]
    PasswordSet {
        /// The hash of the new password.
        password_hash: PasswordHash,
    },
}

impl UserEvent {
    /// The stable type string.
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Created { .. } => "user.created",
            Self::RoleChanged { .. } => "user.role_changed",
            Self::Deactivated {} => "user.deactivated",
            Self::PasswordSet { .. } => "user.password_set",
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
    /// Returns [`DecodeError::UnknownEventType`] for a type that is not a staff user event, and
    /// [`DecodeError::InvalidData`] when the data does not fit the type.
    pub fn from_data(event_type: &str, data: Value) -> Result<Self, DecodeError> {
        decode_data(Self::owns_type(event_type), event_type, data)
    }

    /// Whether `event_type` is a staff user event type.
    #[must_use]
    pub fn owns_type(event_type: &str) -> bool {
        owns_type("user.", event_type)
    }
}

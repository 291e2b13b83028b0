//! Events of the customer aggregate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DecodeError;
use crate::event::{decode_data, encode_data, owns_type};
use crate::id::{CompanyId, CustomerId, ServiceId};
use crate::upcast::current_schema_version;
use crate::value::{Email, Name, PasswordHash, TokenHash};

/// A fact about a customer. Access, flags and services change only through these deltas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CustomerEvent {
    /// `customer.registered`: the customer exists, in this company, with no access, flags or
    /// services yet.
    #[serde(rename = "customer.registered")]
    Registered {
        /// The customer's id.
        customer_id: CustomerId,
        /// Their display name.
        name: Name,
        /// Their email.
        email: Email,
        /// Their company, if any.
        company_id: Option<CompanyId>,
    },
    /// `customer.details_changed`: the fields that are `Some` have new values.
    #[serde(rename = "customer.details_changed")]
    DetailsChanged {
        /// The new name, if it changed.
        name: Option<Name>,
        /// The new email, if it changed.
        email: Option<Email>,
    },
    /// `customer.moved_to_company`: the customer now belongs to this company (or none).
    /// Incidents already logged keep the company they were stamped with.
    #[serde(rename = "customer.moved_to_company")]
    MovedToCompany {
        /// The new company, if any.
        company_id: Option<CompanyId>,
    },
    /// `customer.portal_access_granted`: the customer may use the portal.
    #[serde(rename = "customer.portal_access_granted")]
    PortalAccessGranted {},
    /// `customer.portal_access_revoked`: the customer sees nothing and every session ends.
    #[serde(rename = "customer.portal_access_revoked")]
    PortalAccessRevoked {},
    /// `customer.password_set`: the customer has a new portal password; any welcome link is
    /// used up.
    #[serde(rename = "customer.password_set")]
    PasswordSet {
        /// The hash of the new password.
        password_hash: PasswordHash,
    },
    /// `customer.company_admin_granted`: the customer administers their company's colleagues.
    #[serde(rename = "customer.company_admin_granted")]
    CompanyAdminGranted {},
    /// `customer.company_admin_revoked`: the customer is no longer a company admin.
    #[serde(rename = "customer.company_admin_revoked")]
    CompanyAdminRevoked {},
    /// `customer.company_wide_visibility_granted`: the customer sees their company's incidents.
    #[serde(rename = "customer.company_wide_visibility_granted")]
    CompanyWideVisibilityGranted {},
    /// `customer.company_wide_visibility_revoked`: the customer sees only their own incidents.
    #[serde(rename = "customer.company_wide_visibility_revoked")]
    CompanyWideVisibilityRevoked {},
    /// `customer.service_granted`: the customer is entitled to one more service.
    #[serde(rename = "customer.service_granted")]
    ServiceGranted {
        /// The service.
        service_id: ServiceId,
    },
    /// `customer.service_revoked`: the customer lost a service.
    #[serde(rename = "customer.service_revoked")]
    ServiceRevoked {
        /// The service.
        service_id: ServiceId,
    },
    /// `customer.welcome_email_requested`: mail the customer a link to set a password.
    #[serde(rename = "customer.welcome_email_requested")]
    WelcomeEmailRequested {
        /// The hash of the link's one-time token.
        token_hash: TokenHash,
        /// When the link stops working.
        expires_at: DateTime<Utc>,
    },
}

impl CustomerEvent {
    /// The stable type string.
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Registered { .. } => "customer.registered",
            Self::DetailsChanged { .. } => "customer.details_changed",
            Self::MovedToCompany { .. } => "customer.moved_to_company",
            Self::PortalAccessGranted {} => "customer.portal_access_granted",
            Self::PortalAccessRevoked {} => "customer.portal_access_revoked",
            Self::PasswordSet { .. } => "customer.password_set",
            Self::CompanyAdminGranted {} => "customer.company_admin_granted",
            Self::CompanyAdminRevoked {} => "customer.company_admin_revoked",
            Self::CompanyWideVisibilityGranted {} => "customer.company_wide_visibility_granted",
            Self::CompanyWideVisibilityRevoked {} => "customer.company_wide_visibility_revoked",
            Self::ServiceGranted { .. } => "customer.service_granted",
            Self::ServiceRevoked { .. } => "customer.service_revoked",
            Self::WelcomeEmailRequested { .. } => "customer.welcome_email_requested",
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
    /// Returns [`DecodeError::UnknownEventType`] for a type that is not a customer event, and
    /// [`DecodeError::InvalidData`] when the data does not fit the type.
    pub fn from_data(event_type: &str, data: Value) -> Result<Self, DecodeError> {
        decode_data(Self::owns_type(event_type), event_type, data)
    }

    /// Whether `event_type` is a customer event type.
    #[must_use]
    pub fn owns_type(event_type: &str) -> bool {
        owns_type("customer.", event_type)
    }
}

//! Events of the incident aggregate.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DecodeError;
use crate::event::{decode_data, encode_data, owns_type};
use crate::id::{
    CommentId, CompanyId, CustomerId, IncidentId, IncidentReference, ServiceId, UserId,
};
use crate::incident::IncidentStatus;
use crate::meta::{Actor, Channel};
use crate::upcast::current_schema_version;
use crate::value::{CommentBody, Description, IncidentTitle, IncidentType, PortalTypeName};

/// A fact about an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum IncidentEvent {
    /// `incident.logged`: the incident exists, open and unassigned, stamped with its
    /// customer's company at this moment.
    #[serde(rename = "incident.logged")]
    Logged {
        /// The incident's id.
        incident_id: IncidentId,
        /// Its human reference.
        reference: IncidentReference,
        /// Its title.
        title: IncidentTitle,
        /// Its description.
        description: Description,
        /// Its internal type.
        incident_type: IncidentType,
        /// The portal type a customer chose, if a customer logged it.
        portal_type: Option<PortalTypeName>,
        /// Its service.
        service_id: ServiceId,
        /// Its customer, if any.
        customer_id: Option<CustomerId>,
        /// The customer's company when logged, if any.
        company_id: Option<CompanyId>,
        /// Where it arrived from.
        channel: Channel,
        /// Whether it is shown in the portal.
        shown_in_portal: bool,
    },
    /// `incident.details_changed`: the fields that are `Some` have new values.
    #[serde(rename = "incident.details_changed")]
    DetailsChanged {
        /// The new title, if it changed.
        title: Option<IncidentTitle>,
        /// The new description, if it changed.
        description: Option<Description>,
    },
    /// `incident.type_changed`: the incident has a new internal type.
    #[serde(rename = "incident.type_changed")]
    TypeChanged {
        /// The new type.
        incident_type: IncidentType,
    },
    /// `incident.service_changed`: the incident moved to another service.
    #[serde(rename = "incident.service_changed")]
    ServiceChanged {
        /// The new service.
        service_id: ServiceId,
    },
    /// `incident.customer_changed`: the incident has another customer and is re-stamped with
    /// that customer's company; the only way an incident's company changes.
    #[serde(rename = "incident.customer_changed")]
    CustomerChanged {
        /// The new customer, if any.
        customer_id: Option<CustomerId>,
        /// The new customer's company at this moment, if any.
        company_id: Option<CompanyId>,
    },
    /// `incident.assigned`: a staff user is now responsible.
    #[serde(rename = "incident.assigned")]
    Assigned {
        /// The new assignee.
        assignee_id: UserId,
    },
    /// `incident.unassigned`: nobody is responsible.
    #[serde(rename = "incident.unassigned")]
    Unassigned {},
    /// `incident.status_changed`: the incident moved to a new status.
    #[serde(rename = "incident.status_changed")]
    StatusChanged {
        /// The new status.
        status: IncidentStatus,
    },
    /// `incident.comment_added` (schema v2): a comment was added; internal ones never reach a
    /// customer. Version 1 stored `internal` instead of `public`.
    #[serde(rename = "incident.comment_added")]
    CommentAdded {
        /// The comment's id.
        comment_id: CommentId,
        /// Its text.
        body: CommentBody,
        /// Whether the customer may read it.
        public: bool,
        /// Who wrote it.
        author: Actor,
    },
    /// `incident.shown_in_portal`: the portal shows the incident to whoever the rule allows.
    #[serde(rename = "incident.shown_in_portal")]
    ShownInPortal {},
    /// `incident.hidden_from_portal`: nobody sees the incident in the portal.
    #[serde(rename = "incident.hidden_from_portal")]
    HiddenFromPortal {},
    /// `incident.customer_notification_requested`: mail this customer about the incident
    /// (public content only).
    #[serde(rename = "incident.customer_notification_requested")]
    CustomerNotificationRequested {
        /// The customer to mail, as of this moment.
        customer_id: CustomerId,
        /// The comment the mail is about, if any.
        comment_id: Option<CommentId>,
    },
}

impl IncidentEvent {
    /// The stable type string.
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Logged { .. } => "incident.logged",
            Self::DetailsChanged { .. } => "incident.details_changed",
            Self::TypeChanged { .. } => "incident.type_changed",
            Self::ServiceChanged { .. } => "incident.service_changed",
            Self::CustomerChanged { .. } => "incident.customer_changed",
            Self::Assigned { .. } => "incident.assigned",
            Self::Unassigned {} => "incident.unassigned",
            Self::StatusChanged { .. } => "incident.status_changed",
            Self::CommentAdded { .. } => "incident.comment_added",
            Self::ShownInPortal {} => "incident.shown_in_portal",
            Self::HiddenFromPortal {} => "incident.hidden_from_portal",
            Self::CustomerNotificationRequested { .. } => {
                "incident.customer_notification_requested"
            }
        }
    }

    /// The current schema version of this event's type (2 for `incident.comment_added`).
    #[must_use]
    pub fn schema_version(&self) -> u16 {
        current_schema_version(self.event_type()).unwrap_or(1)
    }

    /// The event's data as a JSON object.
    #[must_use]
    pub fn to_data(&self) -> Value {
        encode_data(self)
    }

    /// Decodes data at the current schema version; upcast older data first.
    ///
    /// # Errors
    ///
    /// Returns [`DecodeError::UnknownEventType`] for a type that is not an incident event, and
    /// [`DecodeError::InvalidData`] when the data does not fit the type.
    pub fn from_data(event_type: &str, data: Value) -> Result<Self, DecodeError> {
        decode_data(Self::owns_type(event_type), event_type, data)
    }

    /// Whether `event_type` is an incident event type.
    #[must_use]
    pub fn owns_type(event_type: &str) -> bool {
        owns_type("incident.", event_type)
    }
}

//! Rules an incident command can break.

use crate::id::{CommentId, ServiceId, UserId};
use crate::incident::IncidentStatus;
use crate::value::PortalTypeName;

/// Why an incident command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    /// The incident does not exist.
    #[error("incident not found")]
    NotFound,
    /// An incident with this id is already logged.
    #[error("incident already logged")]
    AlreadyLogged,
    /// A retired service takes no new incidents.
    #[error("service {service_id} is retired")]
    ServiceRetired {
        /// The retired service.
        service_id: ServiceId,
    },
    /// A customer may log only on their effective services.
    #[error("service {service_id} is not available to the customer")]
    ServiceNotAvailableToCustomer {
        /// The service that was asked for.
        service_id: ServiceId,
    },
    /// A customer may log only with an enabled portal type.
    #[error("portal type {portal_type} is disabled")]
    PortalTypeDisabled {
        /// The disabled portal type.
        portal_type: PortalTypeName,
    },
    /// Only active staff users can be assigned.
    #[error("staff user {user_id} is not active")]
    AssigneeInactive {
        /// The inactive user.
        user_id: UserId,
    },
    /// A closed incident takes no changes until it is reopened.
    #[error("incident is closed")]
    IncidentClosed,
    /// The status cannot move this way (a closed incident only reopens).
    #[error("incident status cannot change from {from} to {to}")]
    InvalidStatusTransition {
        /// The current status.
        from: IncidentStatus,
        /// The status asked for.
        to: IncidentStatus,
    },
    /// The customer is notified only when there is one and they can see the incident.
    #[error("the incident's customer cannot see it")]
    CustomerCannotSeeIncident,
    /// Internal comments never reach a customer, so they never notify one.
    #[error("internal comments never notify the customer")]
    InternalCommentsNeverNotify,
    /// A comment with this id already exists on the incident.
    #[error("comment {comment_id} already exists")]
    CommentAlreadyExists {
        /// The comment's id.
        comment_id: CommentId,
    },
}

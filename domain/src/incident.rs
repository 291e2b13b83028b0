//! The incident aggregate: something a customer needs help with, worked by staff.
//!
//! Invariants: an incident's company is stamped from its customer when logged and changes only
//! when its customer changes; a retired service takes no new incidents; a closed incident takes
//! no changes until reopened; internal comments never notify a customer, and a customer is
//! notified only when they can see the incident.

pub mod command;
pub mod error;
pub mod event;
pub mod portal_view;
pub mod status;

pub use command::{AddComment, IncidentCommand, LogIncident, LoggedBy};
pub use error::IncidentError;
pub use event::IncidentEvent;
pub use portal_view::{PortalComment, PortalIncident};
pub use status::IncidentStatus;

use crate::aggregate::Aggregate;
use crate::id::{
    CommentId, CompanyId, CustomerId, IncidentId, IncidentReference, ServiceId, UserId,
};
use crate::meta::{Actor, Channel};
use crate::user::UserFacts;
use crate::value::{CommentBody, Description, IncidentTitle, IncidentType, PortalTypeName};
use crate::visibility::IncidentFacts;

/// A logged incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// The incident's id.
    pub id: IncidentId,
    /// Its human reference.
    pub reference: IncidentReference,
    /// Its title.
    pub title: IncidentTitle,
    /// Its description.
    pub description: Description,
    /// Its internal type.
    pub incident_type: IncidentType,
    /// The portal type a customer chose, if a customer logged it.
    pub portal_type: Option<PortalTypeName>,
    /// Its service.
    pub service_id: ServiceId,
    /// Its customer, if any.
    pub customer_id: Option<CustomerId>,
    /// The company it is stamped with, if any.
    pub company_id: Option<CompanyId>,
    /// Who is responsible, if anyone.
    pub assignee_id: Option<UserId>,
    /// Where it stands.
    pub status: IncidentStatus,
    /// Whether the portal shows it.
    pub shown_in_portal: bool,
    /// Where it arrived from.
    pub channel: Channel,
    /// Its comments, oldest first, public and internal.
    pub comments: Vec<Comment>,
}

/// A comment on an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment's id.
    pub id: CommentId,
    /// Its text.
    pub body: CommentBody,
    /// Whether customers may read it.
    pub public: bool,
    /// Who wrote it.
    pub author: Actor,
}

/// The state of one incident stream: `None` until the incident is logged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentState(Option<Incident>);

impl IncidentState {
    /// The incident, once logged.
    #[must_use]
    pub fn incident(&self) -> Option<&Incident> {
        self.0.as_ref()
    }
}

impl Incident {
    /// The facts the visibility rule reads.
    #[must_use]
    pub fn facts(&self) -> IncidentFacts {
        IncidentFacts {
            customer_id: self.customer_id,
            company_id: self.company_id,
            service_id: self.service_id,
            shown_in_portal: self.shown_in_portal,
        }
    }
}

/// Decides which events `cmd` produces for the incident in `state`.
///
/// # Errors
///
/// Returns [`IncidentError::AlreadyLogged`] when logging twice, [`IncidentError::NotFound`]
/// before it is logged, [`IncidentError::IncidentClosed`] for any change but reopening or a
/// notification while closed, and the rule-named errors of [`IncidentError`] otherwise.
pub fn decide(
    state: &IncidentState,
    cmd: IncidentCommand,
) -> Result<Vec<IncidentEvent>, IncidentError> {
    if let IncidentCommand::Log(log) = cmd {
        if state.0.is_some() {
            return Err(IncidentError::AlreadyLogged);
        }
        return log_events(*log);
    }
    let Some(incident) = &state.0 else {
        return Err(IncidentError::NotFound);
    };
    if incident.status == IncidentStatus::Closed && !allowed_while_closed(&cmd) {
        return Err(IncidentError::IncidentClosed);
    }

    match cmd {
        IncidentCommand::Log(_) => Ok(Vec::new()),
        IncidentCommand::ChangeDetails { title, description } => {
            Ok(details_events(incident, title, description))
        }
        IncidentCommand::ChangeType { incident_type } => {
            let changes = incident_type != incident.incident_type;
            Ok(only_if(
                changes,
                IncidentEvent::TypeChanged { incident_type },
            ))
        }
        IncidentCommand::ChangeService { service } => {
            if service.service_id == incident.service_id {
                return Ok(Vec::new());
            }
            if service.retired {
                return Err(IncidentError::ServiceRetired {
                    service_id: service.service_id,
                });
            }
            Ok(vec![IncidentEvent::ServiceChanged {
                service_id: service.service_id,
            }])
        }
        IncidentCommand::ChangeCustomer { customer } => {
            let customer_id = customer.map(|customer| customer.customer_id);
            let company_id = customer.and_then(|customer| customer.company_id);
            let changes = customer_id != incident.customer_id;
            Ok(only_if(
                changes,
                IncidentEvent::CustomerChanged {
                    customer_id,
                    company_id,
                },
            ))
        }
        IncidentCommand::Assign { assignee } => assign_events(incident, assignee),
        IncidentCommand::ChangeStatus { status } => status_events(incident, status),
        IncidentCommand::AddComment(comment) => comment_events(incident, comment),
        IncidentCommand::ShowInPortal => Ok(only_if(
            !incident.shown_in_portal,
            IncidentEvent::ShownInPortal {},
        )),
        IncidentCommand::HideFromPortal => Ok(only_if(
            incident.shown_in_portal,
            IncidentEvent::HiddenFromPortal {},
        )),
        IncidentCommand::NotifyCustomer { customer_can_see } => {
            Ok(vec![notification_event(incident, None, customer_can_see)?])
        }
    }
}

/// Folds `event` into `state`. Events for an incident not yet logged leave it unchanged.
#[must_use]
pub fn evolve(state: IncidentState, event: &IncidentEvent) -> IncidentState {
    if let IncidentEvent::Logged { .. } = event {
        return IncidentState(logged_incident(event));
    }
    let Some(mut incident) = state.0 else {
        return state;
    };
    apply(&mut incident, event);
    IncidentState(Some(incident))
}

impl Aggregate for IncidentState {
    type Command = IncidentCommand;
    type Event = IncidentEvent;
    type Error = IncidentError;

    fn decide(&self, cmd: IncidentCommand) -> Result<Vec<IncidentEvent>, IncidentError> {
        decide(self, cmd)
    }

    fn evolve(self, event: &IncidentEvent) -> Self {
        evolve(self, event)
    }
}

fn apply(incident: &mut Incident, event: &IncidentEvent) {
    match event {
        IncidentEvent::Logged { .. } | IncidentEvent::CustomerNotificationRequested { .. } => {}
        IncidentEvent::DetailsChanged { title, description } => {
            if let Some(title) = title {
                incident.title = title.clone();
            }
            if let Some(description) = description {
                incident.description = description.clone();
            }
        }
        IncidentEvent::TypeChanged { incident_type } => {
            incident.incident_type = incident_type.clone();
        }
        IncidentEvent::ServiceChanged { service_id } => incident.service_id = *service_id,
        IncidentEvent::CustomerChanged {
            customer_id,
            company_id,
        } => {
            incident.customer_id = *customer_id;
            incident.company_id = *company_id;
        }
        IncidentEvent::Assigned { assignee_id } => incident.assignee_id = Some(*assignee_id),
        IncidentEvent::Unassigned {} => incident.assignee_id = None,
        IncidentEvent::StatusChanged { status } => incident.status = *status,
        IncidentEvent::CommentAdded {
            comment_id,
            body,
            public,
            author,
        } => {
            incident.comments.push(Comment {
                id: *comment_id,
                body: body.clone(),
                public: *public,
                author: author.clone(),
            });
        }
        IncidentEvent::ShownInPortal {} => incident.shown_in_portal = true,
        IncidentEvent::HiddenFromPortal {} => incident.shown_in_portal = false,
    }
}

fn logged_incident(event: &IncidentEvent) -> Option<Incident> {
    let IncidentEvent::Logged {
        incident_id,
        reference,
        title,
        description,
        incident_type,
        portal_type,
        service_id,
        customer_id,
        company_id,
        channel,
        shown_in_portal,
    } = event
    else {
        return None;
    };
    Some(Incident {
        id: *incident_id,
        reference: *reference,
        title: title.clone(),
        description: description.clone(),
        incident_type: incident_type.clone(),
        portal_type: portal_type.clone(),
        service_id: *service_id,
        customer_id: *customer_id,
        company_id: *company_id,
        assignee_id: None,
        status: IncidentStatus::Open,
        shown_in_portal: *shown_in_portal,
        channel: *channel,
        comments: Vec::new(),
    })
}

/// Reopening (the status check refuses other moves) and notifying about the closure are the
/// only commands a closed incident takes.
fn allowed_while_closed(cmd: &IncidentCommand) -> bool {
    match cmd {
        IncidentCommand::ChangeStatus { .. } | IncidentCommand::NotifyCustomer { .. } => true,
        IncidentCommand::Log(_)
        | IncidentCommand::ChangeDetails { .. }
        | IncidentCommand::ChangeType { .. }
        | IncidentCommand::ChangeService { .. }
        | IncidentCommand::ChangeCustomer { .. }
        | IncidentCommand::Assign { .. }
        | IncidentCommand::AddComment(_)
        | IncidentCommand::ShowInPortal
        | IncidentCommand::HideFromPortal => false,
    }
}

fn log_events(log: LogIncident) -> Result<Vec<IncidentEvent>, IncidentError> {
    let service_id = log.service.service_id;
    if log.service.retired {
        return Err(IncidentError::ServiceRetired { service_id });
    }
    if let Some(assignee) = log.assignee.filter(|assignee| !assignee.active) {
        return Err(IncidentError::AssigneeInactive {
            user_id: assignee.user_id,
        });
    }
    let (incident_type, portal_type, customer, shown_in_portal) = match log.logged_by {
        LoggedBy::Staff {
            incident_type,
            customer,
            show_in_portal,
        } => (incident_type, None, customer, show_in_portal),
        LoggedBy::Customer {
            customer,
            portal_type,
            effective_services,
        } => {
            if !portal_type.enabled {
                return Err(IncidentError::PortalTypeDisabled {
                    portal_type: portal_type.name,
                });
            }
            if !effective_services.contains(&service_id) {
                return Err(IncidentError::ServiceNotAvailableToCustomer { service_id });
            }
            (
                portal_type.incident_type,
                Some(portal_type.name),
                Some(customer),
                true,
            )
        }
    };

    let mut events = vec![IncidentEvent::Logged {
        incident_id: log.incident_id,
        reference: log.reference,
        title: log.title,
        description: log.description,
        incident_type,
        portal_type,
        service_id,
        customer_id: customer.map(|customer| customer.customer_id),
        company_id: customer.and_then(|customer| customer.company_id),
        channel: log.channel,
        shown_in_portal,
    }];
    if let Some(assignee) = log.assignee {
        events.push(IncidentEvent::Assigned {
            assignee_id: assignee.user_id,
        });
    }

    Ok(events)
}

fn details_events(
    incident: &Incident,
    title: Option<IncidentTitle>,
    description: Option<Description>,
) -> Vec<IncidentEvent> {
    let title = title.filter(|title| *title != incident.title);
    let description = description.filter(|description| *description != incident.description);
    if title.is_none() && description.is_none() {
        return Vec::new();
    }
    vec![IncidentEvent::DetailsChanged { title, description }]
}

fn assign_events(
    incident: &Incident,
    assignee: Option<UserFacts>,
) -> Result<Vec<IncidentEvent>, IncidentError> {
    let Some(assignee) = assignee else {
        return Ok(only_if(
            incident.assignee_id.is_some(),
            IncidentEvent::Unassigned {},
        ));
    };
    if incident.assignee_id == Some(assignee.user_id) {
        return Ok(Vec::new());
    }
    if !assignee.active {
        return Err(IncidentError::AssigneeInactive {
            user_id: assignee.user_id,
        });
    }
    Ok(vec![IncidentEvent::Assigned {
        assignee_id: assignee.user_id,
    }])
}

fn status_events(
    incident: &Incident,
    status: IncidentStatus,
) -> Result<Vec<IncidentEvent>, IncidentError> {
    if status == incident.status {
        return Ok(Vec::new());
    }
    if !incident.status.may_become(status) {
        return Err(IncidentError::InvalidStatusTransition {
            from: incident.status,
            to: status,
        });
    }
    Ok(vec![IncidentEvent::StatusChanged { status }])
}

fn comment_events(
    incident: &Incident,
    comment: AddComment,
) -> Result<Vec<IncidentEvent>, IncidentError> {
    let comment_id = comment.comment_id;
    if incident
        .comments
        .iter()
        .any(|existing| existing.id == comment_id)
    {
        return Err(IncidentError::CommentAlreadyExists { comment_id });
    }
    // A customer writes to staff in the open: there is no internal note from a customer.
    let public = comment.public || matches!(comment.author, Actor::Customer(_));
    if comment.notify_customer && !public {
        return Err(IncidentError::InternalCommentsNeverNotify);
    }
    let notification = if comment.notify_customer {
        Some(notification_event(
            incident,
            Some(comment_id),
            comment.customer_can_see,
        )?)
    } else {
        None
    };

    let added = IncidentEvent::CommentAdded {
        comment_id,
        body: comment.body,
        public,
        author: comment.author,
    };
    Ok(std::iter::once(added).chain(notification).collect())
}

fn notification_event(
    incident: &Incident,
    comment_id: Option<CommentId>,
    customer_can_see: bool,
) -> Result<IncidentEvent, IncidentError> {
    match incident.customer_id {
        Some(customer_id) if customer_can_see => Ok(IncidentEvent::CustomerNotificationRequested {
            customer_id,
            comment_id,
        }),
        Some(_) | None => Err(IncidentError::CustomerCannotSeeIncident),
    }
}

/// Returns `[event]` when the command changes something, and no events for a no-op.
fn only_if(changes: bool, event: IncidentEvent) -> Vec<IncidentEvent> {
    if changes { vec![event] } else { Vec::new() }
}

#[cfg(test)]
mod tests;

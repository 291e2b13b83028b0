//! The portal's view of an incident: public content only, no internal fields.

use serde::Serialize;

use crate::id::{CommentId, IncidentId, IncidentReference, ServiceId};
use crate::incident::{Incident, IncidentStatus};
use crate::meta::Actor;
use crate::value::{CommentBody, Description, IncidentTitle, PortalTypeName};

/// An incident as a customer may see it: no internal comments, type, assignee or flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalIncident {
    /// The incident's id.
    pub id: IncidentId,
    /// Its human reference.
    pub reference: IncidentReference,
    /// Its title.
    pub title: IncidentTitle,
    /// Its description.
    pub description: Description,
    /// The portal type it was logged with, if a customer logged it.
    pub portal_type: Option<PortalTypeName>,
    /// Its service.
    pub service_id: ServiceId,
    /// Its status.
    pub status: IncidentStatus,
    /// Its public comments, oldest first.
    pub comments: Vec<PortalComment>,
}

/// A public comment as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalComment {
    /// The comment's id.
    pub id: CommentId,
    /// Its text.
    pub body: CommentBody,
    /// Who wrote it.
    pub author: Actor,
}

impl Incident {
    /// The portal's view of this incident. Whether a given customer may see it at all is the
    /// visibility rule's business, not this view's.
    #[must_use]
    pub fn portal_view(&self) -> PortalIncident {
        let comments = self
            .comments
            .iter()
            .filter(|comment| comment.public)
            .map(|comment| PortalComment {
                id: comment.id,
                body: comment.body.clone(),
                author: comment.author.clone(),
            })
            .collect();
        PortalIncident {
            id: self.id,
            reference: self.reference,
            title: self.title.clone(),
            description: self.description.clone(),
            portal_type: self.portal_type.clone(),
            service_id: self.service_id,
            status: self.status,
            comments,
        }
    }
}

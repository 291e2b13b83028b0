//! The rules of DESIGN §3.2: which events owe mail, and to whom, decided on the state at the
//! event's position (after the append that carried it), never on today's state.

use ledgerdesk_domain::customer::CustomerEvent;
use ledgerdesk_domain::incident::IncidentEvent;
use ledgerdesk_domain::value::{Email, Name};
use ledgerdesk_domain::{
    Actor, AggregateId, Channel, CustomerId, Event, IncidentId, StreamName, UserId,
};

use crate::state::NotifierState;

/// Which mail: each has its own subject and bodies (`template`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Template {
    /// To staff: a customer logged an incident.
    IncidentLogged,
    /// To staff: a customer added an update.
    CustomerUpdate,
    /// To the customer: staff updated their incident and asked to tell them.
    CustomerNotification,
    /// To a customer: welcome, with a link to set a password.
    Welcome,
}

/// Who a mail is for, by id: the outbox key never holds an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recipient {
    /// A staff user.
    Staff(UserId),
    /// A customer.
    Customer(CustomerId),
}

/// One mail an event owes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwedMail {
    /// Which mail.
    pub template: Template,
    /// To whom.
    pub recipient: Recipient,
    /// Their name at the moment of the event.
    pub name: Name,
    /// Their address at the moment of the event.
    pub address: Email,
    /// The incident the mail is about, if any.
    pub incident_id: Option<IncidentId>,
}

impl Template {
    /// The stable name stored in the outbox key.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncidentLogged => "incident_logged",
            Self::CustomerUpdate => "customer_update",
            Self::CustomerNotification => "customer_notification",
            Self::Welcome => "welcome",
        }
    }
}

impl Recipient {
    /// The stable form stored in the outbox key: `staff:<id>` or `customer:<id>`.
    #[must_use]
    pub fn key(self) -> String {
        match self {
            Self::Staff(user_id) => format!("staff:{user_id}"),
            Self::Customer(customer_id) => format!("customer:{customer_id}"),
        }
    }
}

/// The mail `event`, read from `stream`, owes, decided on `state` as it stands once the event's
/// append is folded in.
#[must_use]
pub fn owed_mail(state: &NotifierState, stream: &StreamName, event: &Event) -> Vec<OwedMail> {
    match (stream.aggregate_id(), event) {
        (Some(AggregateId::Incident(incident_id)), Event::Incident(evt)) => {
            incident_mail(state, incident_id, evt)
        }
        (
            Some(AggregateId::Customer(customer_id)),
            Event::Customer(CustomerEvent::WelcomeEmailRequested { .. }),
        ) => customer_mail(state, customer_id, Template::Welcome, None)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn incident_mail(
    state: &NotifierState,
    incident_id: IncidentId,
    event: &IncidentEvent,
) -> Vec<OwedMail> {
    match event {
        // A customer logs an incident (portal or email): its assignee hears of it.
        IncidentEvent::Logged {
            channel: Channel::Portal | Channel::Email,
            ..
        } => staff_mail(state, incident_id, Template::IncidentLogged),
        // A customer adds an update: the current assignee hears of it.
        IncidentEvent::CommentAdded {
            author: Actor::Customer(_) | Actor::Email,
            ..
        } => staff_mail(state, incident_id, Template::CustomerUpdate),
        // Staff asked to tell the customer: only that customer, only if they can see it now.
        IncidentEvent::CustomerNotificationRequested { customer_id, .. } => {
            if state.ledger().can_see(*customer_id, incident_id).is_none() {
                return Vec::new();
            }
            customer_mail(
                state,
                *customer_id,
                Template::CustomerNotification,
                Some(incident_id),
            )
            .into_iter()
            .collect()
        }
        _ => Vec::new(),
    }
}

/// The staff who hear of an incident: its assignee, else the portal's default assignee, else
/// every active admin. A deactivated user hears nothing, and the next fallback applies.
fn staff_mail(state: &NotifierState, incident_id: IncidentId, template: Template) -> Vec<OwedMail> {
    let Some(incident) = state.ledger().incident(incident_id) else {
        return Vec::new();
    };
    let active = |user_id: Option<UserId>| {
        user_id
            .and_then(|user_id| state.user(user_id))
            .filter(|user| user.active)
    };
    let chosen = active(incident.assignee_id)
        .or_else(|| active(state.settings().default_assignee_id))
        .map_or_else(|| state.active_admins().collect(), |user| vec![user]);
    chosen
        .into_iter()
        .map(|user| OwedMail {
            template,
            recipient: Recipient::Staff(user.id),
            name: user.name.clone(),
            address: user.email.clone(),
            incident_id: Some(incident_id),
        })
        .collect()
}

fn customer_mail(
    state: &NotifierState,
    customer_id: CustomerId,
    template: Template,
    incident_id: Option<IncidentId>,
) -> Option<OwedMail> {
    let customer = state.ledger().customer(customer_id)?;
    Some(OwedMail {
        template,
        recipient: Recipient::Customer(customer_id),
        name: customer.name.clone(),
        address: customer.email.clone(),
        incident_id,
    })
}

#[cfg(test)]
mod tests;

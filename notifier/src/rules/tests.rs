//! The recipient rules on hand-built histories: who hears of what, as of the event.

use ledgerdesk_domain::{CustomerId, Event, IncidentId, ServiceId, StreamName, UserId};
use serde_json::{Value, json};

use crate::rules::{Recipient, Template, owed_mail};
use crate::state::NotifierState;

const ADMIN: u128 = 1;
const OTHER_ADMIN: u128 = 2;
const AGENT: u128 = 3;
const CUSTOMER: u128 = 10;
const SERVICE: u128 = 20;
const INCIDENT: u128 = 30;

fn uuid(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

/// A history being written, folded as it goes; `then` answers what the last event owes.
#[derive(Default)]
struct History {
    state: NotifierState,
}

impl History {
    fn with(mut self, stream: &StreamName, event_type: &str, data: Value) -> Self {
        self.then(stream, event_type, data);
        self
    }

    fn then(
        &mut self,
        stream: &StreamName,
        event_type: &str,
        data: Value,
    ) -> Vec<(Template, Recipient)> {
        let event = Event::decode(stream, event_type, data).expect("a valid event");
        self.state
            .apply(stream, &event)
            .expect("the event belongs on its stream");
        owed_mail(&self.state, stream, &event)
            .into_iter()
            .map(|mail| (mail.template, mail.recipient))
            .collect()
    }
}

fn user_stream(n: u128) -> StreamName {
    StreamName::user(UserId::from_uuid(uuid(n)))
}

fn incident_stream() -> StreamName {
    StreamName::incident(IncidentId::from_uuid(uuid(INCIDENT)))
}

fn customer_stream() -> StreamName {
    StreamName::customer(CustomerId::from_uuid(uuid(CUSTOMER)))
}

fn staff(n: u128) -> Recipient {
    Recipient::Staff(UserId::from_uuid(uuid(n)))
}

/// Two admins, one agent, a service, and a customer who can use the portal with it.
fn desk() -> History {
    let mut history = History::default();
    for (n, role) in [(ADMIN, "admin"), (OTHER_ADMIN, "admin"), (AGENT, "agent")] {
        history = history.with(
            &user_stream(n),
            "user.created",
            json!({"user_id": uuid(n), "name": "Staff", "email": format!("s{n}@p.example"),
                   "role": role}),
        );
    }
    let service = ServiceId::from_uuid(uuid(SERVICE));
    history
        .with(
            &StreamName::service(service),
            "service.created",
            json!({"service_id": uuid(SERVICE), "name": "Email"}),
        )
        .with(
            &customer_stream(),
            "customer.registered",
            json!({"customer_id": uuid(CUSTOMER), "name": "Cy", "email": "cy@c.example",
                   "company_id": null}),
        )
        .with(
            &customer_stream(),
            "customer.portal_access_granted",
            json!({}),
        )
        .with(
            &customer_stream(),
            "customer.service_granted",
            json!({"service_id": uuid(SERVICE)}),
        )
}

fn logged(channel: &str) -> Value {
    json!({"incident_id": uuid(INCIDENT), "reference": 1, "title": "Down", "description": "",
           "incident_type": "bug", "portal_type": null, "service_id": uuid(SERVICE),
           "customer_id": uuid(CUSTOMER), "company_id": null, "channel": channel,
           "shown_in_portal": true})
}

fn comment(author: &str, public: bool) -> Value {
    json!({"comment_id": uuid(99), "body": "More detail", "public": public, "author": author})
}

#[test]
fn an_incident_a_customer_logs_goes_to_every_active_admin_when_nobody_else_is_named() {
    let mut history = desk().with(&user_stream(OTHER_ADMIN), "user.deactivated", json!({}));

    let owed = history.then(&incident_stream(), "incident.logged", logged("portal"));

    assert_eq!(
        owed,
        [(Template::IncidentLogged, staff(ADMIN))],
        "not agents, not the deactivated"
    );
}

#[test]
fn the_default_assignee_comes_before_the_admins_and_the_assignee_before_both() {
    let settings = StreamName::portal_settings();
    let mut history = desk().with(
        &settings,
        "portal_settings.default_assignee_set",
        json!({"assignee_id": uuid(AGENT)}),
    );

    let by_default = history.then(&incident_stream(), "incident.logged", logged("email"));
    history.then(
        &incident_stream(),
        "incident.assigned",
        json!({"assignee_id": uuid(ADMIN)}),
    );
    let customer = format!("customer:{}", uuid(CUSTOMER));
    let by_assignee = history.then(
        &incident_stream(),
        "incident.comment_added",
        comment(&customer, true),
    );

    assert_eq!(by_default, [(Template::IncidentLogged, staff(AGENT))]);
    assert_eq!(by_assignee, [(Template::CustomerUpdate, staff(ADMIN))]);
}

#[test]
fn staff_actions_mail_nobody_unless_they_ask_to_notify_the_customer() {
    let mut history = desk();

    let staff_logged = history.then(&incident_stream(), "incident.logged", logged("staff-api"));
    let staff_author = format!("staff:{}", uuid(AGENT));
    let internal = history.then(
        &incident_stream(),
        "incident.comment_added",
        comment(&staff_author, false),
    );
    let public = history.then(
        &incident_stream(),
        "incident.comment_added",
        comment(&staff_author, true),
    );

    assert!(staff_logged.is_empty() && internal.is_empty() && public.is_empty());
}

#[test]
fn a_notification_goes_to_the_customer_named_only_while_they_can_see_the_incident() {
    let mut history = desk();
    history.then(&incident_stream(), "incident.logged", logged("staff-api"));
    let notify = json!({"customer_id": uuid(CUSTOMER), "comment_id": null});

    let visible = history.then(
        &incident_stream(),
        "incident.customer_notification_requested",
        notify.clone(),
    );
    history.then(&incident_stream(), "incident.hidden_from_portal", json!({}));
    let hidden = history.then(
        &incident_stream(),
        "incident.customer_notification_requested",
        notify,
    );

    let customer = Recipient::Customer(CustomerId::from_uuid(uuid(CUSTOMER)));
    assert_eq!(visible, [(Template::CustomerNotification, customer)]);
    assert!(
        hidden.is_empty(),
        "a customer who cannot see the incident hears nothing"
    );
}

#[test]
fn a_welcome_request_mails_the_customer_at_their_address_of_that_moment() {
    let mut history = desk();
    let request = json!({"token_hash": "abc", "expires_at": "2030-01-01T00:00:00Z"});

    let event = Event::decode(
        &customer_stream(),
        "customer.welcome_email_requested",
        request,
    )
    .expect("a valid event");
    history
        .state
        .apply(&customer_stream(), &event)
        .expect("a customer event");
    let owed = owed_mail(&history.state, &customer_stream(), &event);
    history.then(
        &customer_stream(),
        "customer.details_changed",
        json!({"name": null, "email": "new@c.example"}),
    );

    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].template, Template::Welcome);
    assert_eq!(owed[0].address.as_str(), "cy@c.example");
}

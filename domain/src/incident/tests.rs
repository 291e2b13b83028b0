//! Given/when/then tests of the incident aggregate, one or more per command and rule.
//!
//! Past 500 lines: one scenario per command, rule and no-op, sharing one set of fixtures that
//! splitting by command would scatter.

use uuid::Uuid;

use super::*;
use crate::customer::CustomerFacts;
use crate::portal_settings::PortalType;
use crate::service::ServiceFacts;
use crate::testing::given;
use crate::user::UserFacts;

fn incident_id() -> IncidentId {
    IncidentId::from_uuid(Uuid::from_u128(1))
}

fn reference() -> IncidentReference {
    IncidentReference::from_number(42).unwrap()
}

fn customer(n: u128) -> CustomerId {
    CustomerId::from_uuid(Uuid::from_u128(10 + n))
}

fn company(n: u128) -> CompanyId {
    CompanyId::from_uuid(Uuid::from_u128(100 + n))
}

fn service(n: u128) -> ServiceId {
    ServiceId::from_uuid(Uuid::from_u128(200 + n))
}

fn user(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(300 + n))
}

fn comment(n: u128) -> CommentId {
    CommentId::from_uuid(Uuid::from_u128(400 + n))
}

fn active(n: u128) -> UserFacts {
    UserFacts {
        user_id: user(n),
        active: true,
    }
}

fn customer_facts(n: u128, company_n: Option<u128>) -> CustomerFacts {
    CustomerFacts {
        customer_id: customer(n),
        company_id: company_n.map(company),
    }
}

fn open_service(n: u128) -> ServiceFacts {
    ServiceFacts {
        service_id: service(n),
        retired: false,
    }
}

fn title(text: &str) -> IncidentTitle {
    IncidentTitle::parse(text).unwrap()
}

fn description(text: &str) -> Description {
    Description::parse(text).unwrap()
}

fn kind(text: &str) -> IncidentType {
    IncidentType::parse(text).unwrap()
}

fn body(text: &str) -> CommentBody {
    CommentBody::parse(text).unwrap()
}

fn issue(enabled: bool) -> PortalType {
    PortalType {
        name: PortalTypeName::parse("issue").unwrap(),
        label: crate::value::Name::parse("Issue").unwrap(),
        incident_type: kind("bug"),
        enabled,
    }
}

fn staff_log(customer: Option<CustomerFacts>) -> LogIncident {
    LogIncident {
        incident_id: incident_id(),
        reference: reference(),
        title: title("Printer on fire"),
        description: description("Smoke everywhere"),
        service: open_service(1),
        assignee: None,
        channel: Channel::StaffApi,
        logged_by: LoggedBy::Staff {
            incident_type: kind("bug"),
            customer,
            show_in_portal: true,
        },
    }
}

fn portal_log(portal_type: PortalType, effective: &[u128]) -> LogIncident {
    LogIncident {
        channel: Channel::Portal,
        logged_by: LoggedBy::Customer {
            customer: customer_facts(1, Some(1)),
            portal_type,
            effective_services: effective.iter().map(|&n| service(n)).collect(),
        },
        ..staff_log(None)
    }
}

fn logged() -> IncidentEvent {
    IncidentEvent::Logged {
        incident_id: incident_id(),
        reference: reference(),
        title: title("Printer on fire"),
        description: description("Smoke everywhere"),
        incident_type: kind("bug"),
        portal_type: None,
        service_id: service(1),
        customer_id: Some(customer(1)),
        company_id: Some(company(1)),
        channel: Channel::StaffApi,
        shown_in_portal: true,
    }
}

fn closed() -> Vec<IncidentEvent> {
    vec![
        logged(),
        IncidentEvent::StatusChanged {
            status: IncidentStatus::Closed,
        },
    ]
}

fn add_comment(
    public: bool,
    author: Actor,
    notify_customer: bool,
    customer_can_see: bool,
) -> IncidentCommand {
    IncidentCommand::AddComment(AddComment {
        comment_id: comment(1),
        body: body("Rebooted the printer"),
        public,
        author,
        notify_customer,
        customer_can_see,
    })
}

fn comment_added(public: bool, author: Actor) -> IncidentEvent {
    IncidentEvent::CommentAdded {
        comment_id: comment(1),
        body: body("Rebooted the printer"),
        public,
        author,
    }
}

#[test]
fn staff_log_an_incident_stamped_with_the_customers_company() {
    given::<IncidentEvent>(&[])
        .when(IncidentCommand::Log(Box::new(staff_log(Some(
            customer_facts(1, Some(1)),
        )))))
        .then(&[logged()]);
}

#[test]
fn staff_log_an_incident_without_a_customer() {
    let expected = IncidentEvent::Logged {
        incident_id: incident_id(),
        reference: reference(),
        title: title("Printer on fire"),
        description: description("Smoke everywhere"),
        incident_type: kind("bug"),
        portal_type: None,
        service_id: service(1),
        customer_id: None,
        company_id: None,
        channel: Channel::StaffApi,
        shown_in_portal: true,
    };

    given::<IncidentEvent>(&[])
        .when(IncidentCommand::Log(Box::new(staff_log(None))))
        .then(&[expected]);
}

#[test]
fn logging_with_an_assignee_assigns_at_once() {
    let log = LogIncident {
        assignee: Some(active(1)),
        ..staff_log(Some(customer_facts(1, Some(1))))
    };

    given::<IncidentEvent>(&[])
        .when(IncidentCommand::Log(Box::new(log)))
        .then(&[
            logged(),
            IncidentEvent::Assigned {
                assignee_id: user(1),
            },
        ]);
}

#[test]
fn logging_with_an_inactive_assignee_is_refused() {
    let inactive = UserFacts {
        user_id: user(1),
        active: false,
    };
    let log = LogIncident {
        assignee: Some(inactive),
        ..staff_log(None)
    };

    given::<IncidentEvent>(&[])
        .when(IncidentCommand::Log(Box::new(log)))
        .then_error(IncidentError::AssigneeInactive { user_id: user(1) });
}

#[test]
fn a_retired_service_takes_no_new_incidents() {
    let retired = ServiceFacts {
        service_id: service(1),
        retired: true,
    };
    let by_staff = LogIncident {
        service: retired,
        ..staff_log(None)
    };
    let by_customer = LogIncident {
        service: retired,
        ..portal_log(issue(true), &[1])
    };

    for log in [by_staff, by_customer] {
        given::<IncidentEvent>(&[])
            .when(IncidentCommand::Log(Box::new(log)))
            .then_error(IncidentError::ServiceRetired {
                service_id: service(1),
            });
    }
}

#[test]
fn a_customer_logs_with_a_portal_type_and_the_incident_is_theirs_and_shown() {
    let expected = IncidentEvent::Logged {
        incident_id: incident_id(),
        reference: reference(),
        title: title("Printer on fire"),
        description: description("Smoke everywhere"),
        incident_type: kind("bug"),
        portal_type: Some(PortalTypeName::parse("issue").unwrap()),
        service_id: service(1),
        customer_id: Some(customer(1)),
        company_id: Some(company(1)),
        channel: Channel::Portal,
        shown_in_portal: true,
    };

    given::<IncidentEvent>(&[])
        .when(IncidentCommand::Log(Box::new(portal_log(
            issue(true),
            &[1, 2],
        ))))
        .then(&[expected]);
}

#[test]
fn a_customer_cannot_log_with_a_disabled_portal_type() {
    given::<IncidentEvent>(&[])
        .when(IncidentCommand::Log(Box::new(portal_log(
            issue(false),
            &[1],
        ))))
        .then_error(IncidentError::PortalTypeDisabled {
            portal_type: PortalTypeName::parse("issue").unwrap(),
        });
}

#[test]
fn a_customer_cannot_log_outside_their_effective_services() {
    given::<IncidentEvent>(&[])
        .when(IncidentCommand::Log(Box::new(portal_log(
            issue(true),
            &[2],
        ))))
        .then_error(IncidentError::ServiceNotAvailableToCustomer {
            service_id: service(1),
        });
}

#[test]
fn an_incident_cannot_be_logged_twice() {
    given(&[logged()])
        .when(IncidentCommand::Log(Box::new(staff_log(None))))
        .then_error(IncidentError::AlreadyLogged);
}

#[test]
fn commands_on_a_missing_incident_are_refused() {
    let commands = [
        IncidentCommand::ChangeDetails {
            title: Some(title("X")),
            description: None,
        },
        IncidentCommand::ChangeType {
            incident_type: kind("query"),
        },
        IncidentCommand::ChangeService {
            service: open_service(2),
        },
        IncidentCommand::ChangeCustomer { customer: None },
        IncidentCommand::Assign { assignee: None },
        IncidentCommand::ChangeStatus {
            status: IncidentStatus::Resolved,
        },
        add_comment(true, Actor::System, false, false),
        IncidentCommand::ShowInPortal,
        IncidentCommand::HideFromPortal,
        IncidentCommand::NotifyCustomer {
            customer_can_see: true,
        },
    ];

    for cmd in commands {
        given::<IncidentEvent>(&[])
            .when(cmd)
            .then_error(IncidentError::NotFound);
    }
}

#[test]
fn changed_details_record_only_the_fields_that_change() {
    given(&[logged()])
        .when(IncidentCommand::ChangeDetails {
            title: Some(title("Printer on fire")),
            description: Some(description("Now the desk too")),
        })
        .then(&[IncidentEvent::DetailsChanged {
            title: None,
            description: Some(description("Now the desk too")),
        }]);
    given(&[logged()])
        .when(IncidentCommand::ChangeDetails {
            title: Some(title("Printer on fire")),
            description: None,
        })
        .then_nothing();
}

#[test]
fn the_type_changes_unless_it_is_the_same() {
    given(&[logged()])
        .when(IncidentCommand::ChangeType {
            incident_type: kind("query"),
        })
        .then(&[IncidentEvent::TypeChanged {
            incident_type: kind("query"),
        }]);
    given(&[logged()])
        .when(IncidentCommand::ChangeType {
            incident_type: kind("bug"),
        })
        .then_nothing();
}

#[test]
fn the_service_changes_to_an_active_one_only() {
    given(&[logged()])
        .when(IncidentCommand::ChangeService {
            service: open_service(2),
        })
        .then(&[IncidentEvent::ServiceChanged {
            service_id: service(2),
        }]);
    given(&[logged()])
        .when(IncidentCommand::ChangeService {
            service: ServiceFacts {
                service_id: service(2),
                retired: true,
            },
        })
        .then_error(IncidentError::ServiceRetired {
            service_id: service(2),
        });
    given(&[logged()])
        .when(IncidentCommand::ChangeService {
            service: open_service(1),
        })
        .then_nothing();
}

#[test]
fn changing_the_customer_restamps_the_company() {
    given(&[logged()])
        .when(IncidentCommand::ChangeCustomer {
            customer: Some(customer_facts(2, Some(2))),
        })
        .then(&[IncidentEvent::CustomerChanged {
            customer_id: Some(customer(2)),
            company_id: Some(company(2)),
        }]);
    given(&[logged()])
        .when(IncidentCommand::ChangeCustomer { customer: None })
        .then(&[IncidentEvent::CustomerChanged {
            customer_id: None,
            company_id: None,
        }]);
}

#[test]
fn the_same_customer_keeps_the_stamped_company_even_after_moving() {
    given(&[logged()])
        .when(IncidentCommand::ChangeCustomer {
            customer: Some(customer_facts(1, Some(2))),
        })
        .then_nothing();
}

#[test]
fn an_incident_is_assigned_to_active_staff_only() {
    given(&[logged()])
        .when(IncidentCommand::Assign {
            assignee: Some(active(1)),
        })
        .then(&[IncidentEvent::Assigned {
            assignee_id: user(1),
        }]);
    given(&[logged()])
        .when(IncidentCommand::Assign {
            assignee: Some(UserFacts {
                user_id: user(1),
                active: false,
            }),
        })
        .then_error(IncidentError::AssigneeInactive { user_id: user(1) });
    given(&[
        logged(),
        IncidentEvent::Assigned {
            assignee_id: user(1),
        },
    ])
    .when(IncidentCommand::Assign {
        assignee: Some(active(1)),
    })
    .then_nothing();
}

#[test]
fn an_incident_is_unassigned_only_when_assigned() {
    given(&[
        logged(),
        IncidentEvent::Assigned {
            assignee_id: user(1),
        },
    ])
    .when(IncidentCommand::Assign { assignee: None })
    .then(&[IncidentEvent::Unassigned {}]);
    given(&[logged()])
        .when(IncidentCommand::Assign { assignee: None })
        .then_nothing();
}

#[test]
fn the_status_moves_and_the_same_status_changes_nothing() {
    given(&[logged()])
        .when(IncidentCommand::ChangeStatus {
            status: IncidentStatus::InProgress,
        })
        .then(&[IncidentEvent::StatusChanged {
            status: IncidentStatus::InProgress,
        }]);
    given(&[logged()])
        .when(IncidentCommand::ChangeStatus {
            status: IncidentStatus::Open,
        })
        .then_nothing();
}

#[test]
fn a_closed_incident_only_reopens() {
    given(&closed())
        .when(IncidentCommand::ChangeStatus {
            status: IncidentStatus::Open,
        })
        .then(&[IncidentEvent::StatusChanged {
            status: IncidentStatus::Open,
        }]);
    given(&closed())
        .when(IncidentCommand::ChangeStatus {
            status: IncidentStatus::Resolved,
        })
        .then_error(IncidentError::InvalidStatusTransition {
            from: IncidentStatus::Closed,
            to: IncidentStatus::Resolved,
        });
}

#[test]
fn a_closed_incident_refuses_other_changes() {
    let commands = [
        IncidentCommand::ChangeDetails {
            title: Some(title("X")),
            description: None,
        },
        IncidentCommand::ChangeType {
            incident_type: kind("query"),
        },
        IncidentCommand::ChangeService {
            service: open_service(2),
        },
        IncidentCommand::ChangeCustomer { customer: None },
        IncidentCommand::Assign {
            assignee: Some(active(1)),
        },
        add_comment(true, Actor::System, false, false),
        IncidentCommand::ShowInPortal,
        IncidentCommand::HideFromPortal,
    ];

    for cmd in commands {
        given(&closed())
            .when(cmd)
            .then_error(IncidentError::IncidentClosed);
    }
}

#[test]
fn a_closed_incident_may_still_notify_its_customer_of_the_closure() {
    given(&closed())
        .when(IncidentCommand::NotifyCustomer {
            customer_can_see: true,
        })
        .then(&[IncidentEvent::CustomerNotificationRequested {
            customer_id: customer(1),
            comment_id: None,
        }]);
}

#[test]
fn staff_add_public_and_internal_comments() {
    let staff = Actor::Staff(user(1));

    given(&[logged()])
        .when(add_comment(true, staff.clone(), false, false))
        .then(&[comment_added(true, staff.clone())]);
    given(&[logged()])
        .when(add_comment(false, staff.clone(), false, false))
        .then(&[comment_added(false, staff)]);
}

#[test]
fn a_customers_comment_is_always_public() {
    let author = Actor::Customer(customer(1));

    given(&[logged()])
        .when(add_comment(false, author.clone(), false, false))
        .then(&[comment_added(true, author)]);
}

#[test]
fn a_comment_id_is_used_once() {
    let staff = Actor::Staff(user(1));

    given(&[logged(), comment_added(true, staff.clone())])
        .when(add_comment(true, staff, false, false))
        .then_error(IncidentError::CommentAlreadyExists {
            comment_id: comment(1),
        });
}

#[test]
fn a_public_comment_notifies_a_customer_who_can_see_the_incident() {
    let staff = Actor::Staff(user(1));

    given(&[logged()])
        .when(add_comment(true, staff.clone(), true, true))
        .then(&[
            comment_added(true, staff),
            IncidentEvent::CustomerNotificationRequested {
                customer_id: customer(1),
                comment_id: Some(comment(1)),
            },
        ]);
}

#[test]
fn internal_comments_never_notify() {
    given(&[logged()])
        .when(add_comment(false, Actor::Staff(user(1)), true, true))
        .then_error(IncidentError::InternalCommentsNeverNotify);
}

#[test]
fn notifying_a_customer_who_cannot_see_the_incident_is_refused() {
    given(&[logged()])
        .when(add_comment(true, Actor::Staff(user(1)), true, false))
        .then_error(IncidentError::CustomerCannotSeeIncident);
    given(&[logged()])
        .when(IncidentCommand::NotifyCustomer {
            customer_can_see: false,
        })
        .then_error(IncidentError::CustomerCannotSeeIncident);
}

#[test]
fn notifying_is_refused_when_there_is_no_customer() {
    let no_customer = IncidentEvent::CustomerChanged {
        customer_id: None,
        company_id: None,
    };

    given(&[logged(), no_customer])
        .when(IncidentCommand::NotifyCustomer {
            customer_can_see: true,
        })
        .then_error(IncidentError::CustomerCannotSeeIncident);
}

#[test]
fn a_staff_update_notifies_a_customer_who_can_see_the_incident() {
    given(&[logged()])
        .when(IncidentCommand::NotifyCustomer {
            customer_can_see: true,
        })
        .then(&[IncidentEvent::CustomerNotificationRequested {
            customer_id: customer(1),
            comment_id: None,
        }]);
}

#[test]
fn an_incident_is_shown_and_hidden_only_when_that_changes_something() {
    given(&[logged()])
        .when(IncidentCommand::HideFromPortal)
        .then(&[IncidentEvent::HiddenFromPortal {}]);
    given(&[logged()])
        .when(IncidentCommand::ShowInPortal)
        .then_nothing();
    given(&[logged(), IncidentEvent::HiddenFromPortal {}])
        .when(IncidentCommand::ShowInPortal)
        .then(&[IncidentEvent::ShownInPortal {}]);
    given(&[logged(), IncidentEvent::HiddenFromPortal {}])
        .when(IncidentCommand::HideFromPortal)
        .then_nothing();
}

#[test]
fn the_portal_view_holds_public_comments_only() {
    let history = [
        logged(),
        comment_added(true, Actor::Staff(user(1))),
        IncidentEvent::CommentAdded {
            comment_id: comment(2),
            body: body("Customer is difficult"),
            public: false,
            author: Actor::Staff(user(1)),
        },
    ];

    let state = IncidentState::replay(&history);

    let view = state.incident().unwrap().portal_view();
    let ids: Vec<CommentId> = view
        .comments
        .iter()
        .map(|portal_comment| portal_comment.id)
        .collect();
    assert_eq!(ids, [comment(1)]);
    assert_eq!(state.incident().unwrap().comments.len(), 2);
}

#[test]
fn evolving_the_history_gives_the_current_incident() {
    let history = [
        logged(),
        IncidentEvent::ServiceChanged {
            service_id: service(2),
        },
        IncidentEvent::CustomerChanged {
            customer_id: Some(customer(2)),
            company_id: None,
        },
        IncidentEvent::Assigned {
            assignee_id: user(1),
        },
        IncidentEvent::StatusChanged {
            status: IncidentStatus::Resolved,
        },
        IncidentEvent::HiddenFromPortal {},
        IncidentEvent::TypeChanged {
            incident_type: kind("query"),
        },
    ];

    let state = IncidentState::replay(&history);

    let incident = state.incident().unwrap();
    assert_eq!(
        incident.facts(),
        crate::visibility::IncidentFacts {
            customer_id: Some(customer(2)),
            company_id: None,
            service_id: service(2),
            shown_in_portal: false,
        }
    );
    assert_eq!(incident.assignee_id, Some(user(1)));
    assert_eq!(incident.status, IncidentStatus::Resolved);
    assert_eq!(incident.incident_type, kind("query"));
}

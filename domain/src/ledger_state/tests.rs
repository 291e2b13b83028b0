//! Example-based tests of `LedgerState`: the blog's scenario of a company with colleagues.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::*;
use crate::company::CompanyEvent;
use crate::customer::CustomerEvent;
use crate::id::IncidentReference;
use crate::incident::IncidentEvent;
use crate::meta::Channel;
use crate::service::ServiceEvent;
use crate::value::{Description, Email, IncidentTitle, IncidentType, Name};

fn service(n: u128) -> ServiceId {
    ServiceId::from_uuid(Uuid::from_u128(0x100 + n))
}

fn company(n: u128) -> CompanyId {
    CompanyId::from_uuid(Uuid::from_u128(0x200 + n))
}

fn customer(n: u128) -> CustomerId {
    CustomerId::from_uuid(Uuid::from_u128(0x300 + n))
}

fn incident(n: u128) -> IncidentId {
    IncidentId::from_uuid(Uuid::from_u128(0x400 + n))
}

fn name(text: &str) -> Name {
    Name::parse(text).unwrap()
}

fn apply_all(ledger: &mut LedgerState, stream: &StreamName, events: Vec<Event>) {
    for event in events {
        ledger.apply(stream, &event).unwrap();
    }
}

fn add_customer(ledger: &mut LedgerState, n: u128, company_id: CompanyId, company_wide: bool) {
    let mut events: Vec<Event> = vec![
        CustomerEvent::Registered {
            customer_id: customer(n),
            name: name("Customer"),
            email: Email::parse(&format!("c{n}@example.com")).unwrap(),
            company_id: Some(company_id),
        }
        .into(),
        CustomerEvent::ServiceGranted {
            service_id: service(1),
        }
        .into(),
        CustomerEvent::PortalAccessGranted {}.into(),
    ];
    if company_wide {
        events.push(CustomerEvent::CompanyWideVisibilityGranted {}.into());
    }
    apply_all(ledger, &StreamName::customer(customer(n)), events);
}

fn log_incident(ledger: &mut LedgerState, n: u128, customer_n: u128, company_id: CompanyId) {
    let logged = IncidentEvent::Logged {
        incident_id: incident(n),
        reference: IncidentReference::from_number(u64::try_from(n).unwrap()).unwrap(),
        title: IncidentTitle::parse("Broken").unwrap(),
        description: Description::parse("").unwrap(),
        incident_type: IncidentType::parse("bug").unwrap(),
        portal_type: None,
        service_id: service(1),
        customer_id: Some(customer(customer_n)),
        company_id: Some(company_id),
        channel: Channel::StaffApi,
        shown_in_portal: true,
    };
    apply_all(
        ledger,
        &StreamName::incident(incident(n)),
        vec![logged.into()],
    );
}

/// Company A with service 1; customer 1 (own only), customer 2 (company-wide); customer 3 at
/// company B with company-wide visibility; incident 1 belongs to customer 1.
fn blog_example() -> LedgerState {
    let mut ledger = LedgerState::default();
    let created = ServiceEvent::Created {
        service_id: service(1),
        name: name("Service A"),
    };
    apply_all(
        &mut ledger,
        &StreamName::service(service(1)),
        vec![created.into()],
    );
    for n in [1, 2] {
        let events = vec![
            CompanyEvent::Registered {
                company_id: company(n),
                name: name("Company"),
            }
            .into(),
            CompanyEvent::ServiceGranted {
                service_id: service(1),
            }
            .into(),
        ];
        apply_all(&mut ledger, &StreamName::company(company(n)), events);
    }
    add_customer(&mut ledger, 1, company(1), false);
    add_customer(&mut ledger, 2, company(1), true);
    add_customer(&mut ledger, 3, company(2), true);
    log_incident(&mut ledger, 1, 1, company(1));
    ledger
}

#[test]
fn the_owner_and_company_wide_colleagues_see_an_incident_with_their_reasons() {
    let ledger = blog_example();

    let viewers = ledger.who_can_see(incident(1));

    assert_eq!(
        viewers,
        [
            (customer(1), VisibilityReason::OwnIncident),
            (customer(2), VisibilityReason::CompanyWide)
        ]
    );
    assert_eq!(
        ledger.visible_incidents(customer(3)),
        BTreeSet::new(),
        "other company"
    );
}

#[test]
fn revoking_the_companys_service_hides_the_incident_at_once() {
    let mut ledger = blog_example();

    let revoked = CompanyEvent::ServiceRevoked {
        service_id: service(1),
    };
    ledger
        .apply(&StreamName::company(company(1)), &revoked.into())
        .unwrap();

    assert!(ledger.who_can_see(incident(1)).is_empty());
    assert!(ledger.effective_services(customer(1)).is_empty());
}

#[test]
fn a_moved_owner_loses_the_incident_while_the_old_company_keeps_it() {
    let mut ledger = blog_example();

    let moved = CustomerEvent::MovedToCompany {
        company_id: Some(company(2)),
    };
    ledger
        .apply(&StreamName::customer(customer(1)), &moved.into())
        .unwrap();

    assert_eq!(
        ledger.who_can_see(incident(1)),
        [(customer(2), VisibilityReason::CompanyWide)]
    );
    assert_eq!(
        ledger.incident(incident(1)).unwrap().company_id,
        Some(company(1))
    );
}

#[test]
fn changing_the_incidents_customer_moves_it_between_companies() {
    let mut ledger = blog_example();

    let changed = IncidentEvent::CustomerChanged {
        customer_id: Some(customer(3)),
        company_id: Some(company(2)),
    };
    ledger
        .apply(&StreamName::incident(incident(1)), &changed.into())
        .unwrap();

    assert_eq!(
        ledger.who_can_see(incident(1)),
        [(customer(3), VisibilityReason::OwnIncident)]
    );
    assert!(ledger.visible_incidents(customer(2)).is_empty());
}

#[test]
fn an_event_on_the_wrong_kind_of_stream_is_refused_and_changes_nothing() {
    let mut ledger = blog_example();
    let hidden: Event = IncidentEvent::HiddenFromPortal {}.into();

    let result = ledger.apply(&StreamName::customer(customer(1)), &hidden);

    assert_eq!(
        result,
        Err(WrongStream {
            stream: StreamName::customer(customer(1)),
            event_type: "incident.hidden_from_portal"
        })
    );
    assert_eq!(ledger.who_can_see(incident(1)).len(), 2);
}

#[test]
fn unknown_customers_and_incidents_see_and_are_seen_by_nobody() {
    let ledger = blog_example();

    assert!(ledger.visible_incidents(customer(99)).is_empty());
    assert!(ledger.who_can_see(incident(99)).is_empty());
    assert_eq!(ledger.portal_view(incident(99)), None);
    assert_eq!(ledger.can_see(customer(1), incident(99)), None);
}

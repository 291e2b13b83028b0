//! Property tests of DESIGN §3.1: random histories from `testing::history` are issued through
//! each aggregate's `decide` and folded into `LedgerState`, and every consequence of the
//! visibility rule is checked after every step, each as its own property.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::company::CompanyEvent;
use crate::customer::CustomerEvent;
use crate::event::Event;
use crate::id::{CommentId, CustomerId, IncidentId};
use crate::incident::IncidentEvent;
use crate::ledger_state::LedgerState;
use crate::stream::StreamName;
use crate::testing::history::{HistoryModel, Step, steps};
use crate::visibility::can_see;

/// What one step did: the ledger before and after, and the events it appended.
struct Transition<'a> {
    before: &'a LedgerState,
    after: &'a LedgerState,
    events: &'a [(StreamName, Event)],
}

/// Random histories of up to 59 steps after the setup.
fn history() -> impl Strategy<Value = Vec<Step>> {
    steps(59)
}

/// Runs `steps` and calls `check` after every one of them.
fn check_every_step(
    steps: &[Step],
    check: impl Fn(&Transition<'_>) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let mut model = HistoryModel::new(0);
    for step in steps {
        let before = model.ledger().clone();
        let events: Vec<(StreamName, Event)> = model
            .apply(step)
            .into_iter()
            .flat_map(|(stream, events)| events.into_iter().map(move |evt| (stream.clone(), evt)))
            .collect();
        check(&Transition {
            before: &before,
            after: model.ledger(),
            events: &events,
        })?;
    }
    Ok(())
}

/// Every (customer, incident) pair of the ledger.
fn pairs(ledger: &LedgerState) -> Vec<(CustomerId, IncidentId)> {
    let incidents: Vec<IncidentId> = ledger.incident_ids().collect();
    ledger
        .customer_ids()
        .flat_map(|customer_id| {
            incidents
                .iter()
                .map(move |&incident_id| (customer_id, incident_id))
        })
        .collect()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn customers_of_different_companies_never_see_each_others_incidents(steps in history()) {
        check_every_step(&steps, |transition| {
            let ledger = transition.after;
            for (customer_id, incident_id) in pairs(ledger) {
                let customer = ledger.customer(customer_id).expect("listed customer exists");
                let incident = ledger.incident(incident_id).expect("listed incident exists");
                if let (Some(mine), Some(theirs)) = (customer.company_id, incident.company_id)
                    && mine != theirs
                {
                    prop_assert!(ledger.can_see(customer_id, incident_id).is_none());
                    prop_assert!(!ledger.visible_incidents(customer_id).contains(&incident_id));
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn customers_without_a_company_see_only_their_own_incidents(steps in history()) {
        check_every_step(&steps, |transition| {
            let ledger = transition.after;
            for customer_id in ledger.customer_ids() {
                let customer = ledger.customer(customer_id).expect("listed customer exists");
                if customer.company_id.is_some() {
                    continue;
                }
                for incident_id in ledger.visible_incidents(customer_id) {
                    let incident = ledger.incident(incident_id).expect("visible incident exists");
                    prop_assert_eq!(incident.customer_id, Some(customer_id));
                    prop_assert_eq!(incident.company_id, None);
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn a_company_losing_a_service_hides_its_incidents_from_all_its_customers_at_once(steps in history()) {
        check_every_step(&steps, |transition| {
            let ledger = transition.after;
            for (stream, event) in transition.events {
                let (Some(crate::stream::AggregateId::Company(company_id)), Event::Company(CompanyEvent::ServiceRevoked { service_id })) =
                    (stream.aggregate_id(), event)
                else {
                    continue;
                };
                for (customer_id, incident_id) in pairs(ledger) {
                    let customer = ledger.customer(customer_id).expect("listed customer exists");
                    let incident = ledger.incident(incident_id).expect("listed incident exists");
                    if customer.company_id == Some(company_id) && incident.service_id == *service_id {
                        prop_assert!(ledger.can_see(customer_id, incident_id).is_none());
                    }
                }
            }
            // The general form: nothing visible lies outside the viewer company's services.
            for (customer_id, incident_id) in pairs(ledger) {
                let customer = ledger.customer(customer_id).expect("listed customer exists");
                let incident = ledger.incident(incident_id).expect("listed incident exists");
                if ledger.can_see(customer_id, incident_id).is_some()
                    && let Some(company_id) = customer.company_id
                {
                    let company = ledger.company(company_id).expect("a viewer's company exists");
                    prop_assert!(company.services.contains(&incident.service_id));
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn a_moved_customer_stops_seeing_the_old_companys_incidents_which_keep_their_company(steps in history()) {
        check_every_step(&steps, |transition| {
            let (before, after) = (transition.before, transition.after);
            let mut customer_changed = BTreeSet::new();
            for (stream, event) in transition.events {
                match (stream.aggregate_id(), event) {
                    (Some(crate::stream::AggregateId::Customer(customer_id)), Event::Customer(CustomerEvent::MovedToCompany { company_id })) => {
                        let old = before.customer(customer_id).and_then(|customer| customer.company_id);
                        if let Some(old) = old.filter(|old| Some(*old) != *company_id) {
                            for incident_id in after.visible_incidents(customer_id) {
                                let incident = after.incident(incident_id).expect("visible incident exists");
                                prop_assert_ne!(incident.company_id, Some(old));
                            }
                        }
                    }
                    (Some(crate::stream::AggregateId::Incident(incident_id)), Event::Incident(IncidentEvent::CustomerChanged { customer_id, company_id })) => {
                        customer_changed.insert(incident_id);
                        let stamped = customer_id.and_then(|id| after.customer(id)).and_then(|customer| customer.company_id);
                        prop_assert_eq!(*company_id, stamped, "re-stamped from the new customer");
                    }
                    _ => {}
                }
            }
            for incident_id in before.incident_ids() {
                let old = before.incident(incident_id).expect("listed incident exists");
                let new = after.incident(incident_id).expect("incidents are never removed");
                if old.company_id != new.company_id {
                    prop_assert!(customer_changed.contains(&incident_id), "company changed without a customer change");
                    prop_assert_ne!(old.customer_id, new.customer_id);
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn a_customer_without_portal_access_sees_nothing(steps in history()) {
        check_every_step(&steps, |transition| {
            let ledger = transition.after;
            for customer_id in ledger.customer_ids() {
                let customer = ledger.customer(customer_id).expect("listed customer exists");
                if !customer.portal_access {
                    prop_assert!(ledger.visible_incidents(customer_id).is_empty());
                }
            }
            for incident_id in ledger.incident_ids() {
                for (customer_id, _) in ledger.who_can_see(incident_id) {
                    prop_assert!(ledger.customer(customer_id).expect("viewer exists").portal_access);
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn an_incident_hidden_from_the_portal_is_seen_by_nobody(steps in history()) {
        check_every_step(&steps, |transition| {
            let ledger = transition.after;
            for incident_id in ledger.incident_ids() {
                let incident = ledger.incident(incident_id).expect("listed incident exists");
                if incident.shown_in_portal {
                    continue;
                }
                prop_assert!(ledger.who_can_see(incident_id).is_empty());
                for customer_id in ledger.customer_ids() {
                    prop_assert!(!ledger.visible_incidents(customer_id).contains(&incident_id));
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn internal_comments_never_appear_in_the_portal_view(steps in history()) {
        check_every_step(&steps, |transition| {
            let ledger = transition.after;
            for incident_id in ledger.incident_ids() {
                let incident = ledger.incident(incident_id).expect("listed incident exists");
                let view = ledger.portal_view(incident_id).expect("a logged incident has a view");
                let shown: Vec<CommentId> = view.comments.iter().map(|comment| comment.id).collect();
                let public: Vec<CommentId> =
                    incident.comments.iter().filter(|comment| comment.public).map(|comment| comment.id).collect();
                prop_assert_eq!(shown, public);
            }
            for (_, event) in transition.events {
                if let Event::Incident(IncidentEvent::CustomerNotificationRequested { comment_id: Some(comment_id), .. }) = event {
                    let internal = transition.events.iter().any(|(_, other)| matches!(
                        other,
                        Event::Incident(IncidentEvent::CommentAdded { comment_id: added, public: false, .. }) if added == comment_id
                    ));
                    prop_assert!(!internal, "an internal comment requested a notification");
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn visible_incidents_and_who_can_see_agree_with_the_rule_evaluated_pairwise(steps in history()) {
        check_every_step(&steps, |transition| {
            let ledger = transition.after;
            let mut expected_viewers: BTreeMap<IncidentId, Vec<_>> = BTreeMap::new();
            for customer_id in ledger.customer_ids() {
                let customer = ledger.customer(customer_id).expect("listed customer exists");
                let company_services = customer
                    .company_id
                    .and_then(|company_id| ledger.company(company_id))
                    .map(|company| &company.services);
                let visible = ledger.visible_incidents(customer_id);
                for incident_id in ledger.incident_ids() {
                    let incident = ledger.incident(incident_id).expect("listed incident exists");
                    let reason = can_see(&customer.viewer(), &incident.facts(), company_services);
                    prop_assert_eq!(visible.contains(&incident_id), reason.is_some());
                    if let Some(reason) = reason {
                        expected_viewers.entry(incident_id).or_default().push((customer_id, reason));
                    }
                }
            }
            for incident_id in ledger.incident_ids() {
                let expected = expected_viewers.remove(&incident_id).unwrap_or_default();
                prop_assert_eq!(ledger.who_can_see(incident_id), expected);
            }
            Ok(())
        })?;
    }
}

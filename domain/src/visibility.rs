//! The visibility rule of DESIGN §3.1: whether a customer can see an incident in the portal,
//! and why. Every list, detail, count, search, email and as-of query uses this function or a
//! read model proven equal to it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::id::{CompanyId, CustomerId, ServiceId};

/// The customer whose view is being decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer<'a> {
    /// The customer.
    pub customer_id: CustomerId,
    /// Their company, if any.
    pub company_id: Option<CompanyId>,
    /// Whether they may use the portal at all.
    pub portal_access: bool,
    /// Whether they see their company's incidents, not only their own.
    pub see_company_incidents: bool,
    /// The services granted to them, before intersecting with the company's.
    pub services: &'a BTreeSet<ServiceId>,
}

/// The facts about an incident that the rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentFacts {
    /// The incident's customer, if any.
    pub customer_id: Option<CustomerId>,
    /// The company the incident was stamped with, if any.
    pub company_id: Option<CompanyId>,
    /// The incident's service.
    pub service_id: ServiceId,
    /// Whether staff show it in the portal.
    pub shown_in_portal: bool,
}

/// Why a customer can see an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisibilityReason {
    /// It is the customer's own incident (`own_incident`).
    OwnIncident,
    /// The customer sees their company's incidents (`company_wide`).
    CompanyWide,
}

impl VisibilityReason {
    /// The written form: `own_incident` or `company_wide`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OwnIncident => "own_incident",
            Self::CompanyWide => "company_wide",
        }
    }
}

/// The services a customer can see incidents of: their own services, intersected with their
/// company's services when they have a company.
#[must_use]
pub fn effective_services(
    customer_services: &BTreeSet<ServiceId>,
    company_services: Option<&BTreeSet<ServiceId>>,
) -> BTreeSet<ServiceId> {
    match company_services {
        Some(company_services) => customer_services
            .intersection(company_services)
            .copied()
            .collect(),
        None => customer_services.clone(),
    }
}

/// Whether `viewer` can see `incident`, and why; `None` means they cannot.
///
/// `company_services` are the current services of the viewer's company. When the viewer has a
/// company but `company_services` is `None` (the company is unknown), the company is taken to
/// have no services, so nothing is visible: the rule fails closed.
///
/// The rule: the viewer has portal access, the incident is shown in the portal, both belong to
/// the same company (or both to none), the incident's service is among the viewer's effective
/// services, and the incident is the viewer's own or the viewer sees company-wide and has a
/// company. Own incidents take precedence as the reason.
#[must_use]
pub fn can_see(
    viewer: &Viewer<'_>,
    incident: &IncidentFacts,
    company_services: Option<&BTreeSet<ServiceId>>,
) -> Option<VisibilityReason> {
    if !viewer.portal_access || !incident.shown_in_portal {
        return None;
    }
    if incident.company_id != viewer.company_id {
        return None;
    }
    let in_company_services = match viewer.company_id {
        Some(_) => company_services.is_some_and(|services| services.contains(&incident.service_id)),
        None => true,
    };
    if !in_company_services || !viewer.services.contains(&incident.service_id) {
        return None;
    }

    if incident.customer_id == Some(viewer.customer_id) {
        Some(VisibilityReason::OwnIncident)
    } else if viewer.see_company_incidents && viewer.company_id.is_some() {
        Some(VisibilityReason::CompanyWide)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn customer(n: u128) -> CustomerId {
        CustomerId::from_uuid(Uuid::from_u128(n))
    }

    fn company(n: u128) -> CompanyId {
        CompanyId::from_uuid(Uuid::from_u128(100 + n))
    }

    fn service(n: u128) -> ServiceId {
        ServiceId::from_uuid(Uuid::from_u128(200 + n))
    }

    fn viewer(services: &BTreeSet<ServiceId>) -> Viewer<'_> {
        Viewer {
            customer_id: customer(1),
            company_id: Some(company(1)),
            portal_access: true,
            see_company_incidents: false,
            services,
        }
    }

    fn own_incident() -> IncidentFacts {
        IncidentFacts {
            customer_id: Some(customer(1)),
            company_id: Some(company(1)),
            service_id: service(1),
            shown_in_portal: true,
        }
    }

    #[test]
    fn effective_services_intersect_with_the_company_when_there_is_one() {
        let mine = BTreeSet::from([service(1), service(2)]);
        let company_services = BTreeSet::from([service(2), service(3)]);

        let with_company = effective_services(&mine, Some(&company_services));
        let without_company = effective_services(&mine, None);

        assert_eq!(with_company, BTreeSet::from([service(2)]));
        assert_eq!(without_company, mine);
    }

    #[test]
    fn each_condition_of_the_rule_can_hide_an_incident() {
        let services = BTreeSet::from([service(1)]);
        let company_services = BTreeSet::from([service(1)]);
        let other_services = BTreeSet::from([service(2)]);
        let base_viewer = viewer(&services);
        let no_access = Viewer {
            portal_access: false,
            ..base_viewer
        };
        let hidden = IncidentFacts {
            shown_in_portal: false,
            ..own_incident()
        };
        let other_company = IncidentFacts {
            company_id: Some(company(2)),
            ..own_incident()
        };
        let no_company = IncidentFacts {
            company_id: None,
            ..own_incident()
        };
        let other_service = IncidentFacts {
            service_id: service(2),
            ..own_incident()
        };
        let colleagues = IncidentFacts {
            customer_id: Some(customer(2)),
            ..own_incident()
        };
        let cases: [(
            &Viewer<'_>,
            IncidentFacts,
            Option<&BTreeSet<ServiceId>>,
            &str,
        ); 8] = [
            (
                &base_viewer,
                own_incident(),
                Some(&company_services),
                "own incident is visible",
            ),
            (
                &no_access,
                own_incident(),
                Some(&company_services),
                "no portal access",
            ),
            (
                &base_viewer,
                hidden,
                Some(&company_services),
                "hidden from the portal",
            ),
            (
                &base_viewer,
                other_company,
                Some(&company_services),
                "another company",
            ),
            (
                &base_viewer,
                no_company,
                Some(&company_services),
                "incident without company",
            ),
            (
                &base_viewer,
                other_service,
                Some(&company_services),
                "service not granted",
            ),
            (
                &base_viewer,
                own_incident(),
                Some(&other_services),
                "company lost the service",
            ),
            (
                &base_viewer,
                colleagues,
                Some(&company_services),
                "colleague's, not company-wide",
            ),
        ];

        for (index, (viewer, incident, company_services, message)) in cases.into_iter().enumerate()
        {
            let expected = (index == 0).then_some(VisibilityReason::OwnIncident);

            assert_eq!(
                can_see(viewer, &incident, company_services),
                expected,
                "{message}"
            );
        }
    }

    #[test]
    fn company_wide_viewers_see_colleagues_incidents() {
        let services = BTreeSet::from([service(1)]);
        let viewer = Viewer {
            see_company_incidents: true,
            ..viewer(&services)
        };
        let colleagues = IncidentFacts {
            customer_id: Some(customer(2)),
            ..own_incident()
        };
        let unowned = IncidentFacts {
            customer_id: None,
            ..own_incident()
        };

        let reason = can_see(&viewer, &colleagues, Some(&services));
        let own_reason = can_see(&viewer, &own_incident(), Some(&services));
        let unowned_reason = can_see(&viewer, &unowned, Some(&services));

        assert_eq!(reason, Some(VisibilityReason::CompanyWide));
        assert_eq!(
            own_reason,
            Some(VisibilityReason::OwnIncident),
            "own takes precedence"
        );
        assert_eq!(unowned_reason, Some(VisibilityReason::CompanyWide));
    }

    #[test]
    fn customers_without_a_company_see_only_their_own_incidents() {
        let services = BTreeSet::from([service(1)]);
        let viewer = Viewer {
            company_id: None,
            see_company_incidents: true,
            ..viewer(&services)
        };
        let own = IncidentFacts {
            company_id: None,
            ..own_incident()
        };
        let someone_elses = IncidentFacts {
            customer_id: Some(customer(2)),
            ..own
        };

        assert_eq!(
            can_see(&viewer, &own, None),
            Some(VisibilityReason::OwnIncident)
        );
        assert_eq!(can_see(&viewer, &someone_elses, None), None);
    }

    #[test]
    fn an_unknown_company_hides_everything() {
        let services = BTreeSet::from([service(1)]);

        let reason = can_see(&viewer(&services), &own_incident(), None);

        assert_eq!(reason, None);
    }

    #[test]
    fn reasons_are_written_in_snake_case() {
        for reason in [VisibilityReason::OwnIncident, VisibilityReason::CompanyWide] {
            let json = serde_json::to_value(reason).unwrap();

            assert_eq!(json, serde_json::json!(reason.as_str()));
        }
    }
}

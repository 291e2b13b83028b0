//! `LedgerState`: the whole ledger folded into the facts the visibility rule reads, answering
//! "who can see what" at any point of the history.
//!
//! The projections are checked against it and the as-of audit endpoints fold the ledger up to
//! a moment with it. Each aggregate is folded with its own `evolve`, so this fold cannot drift
//! from what `decide` sees. Indexes by company and by customer keep questions proportional to
//! the candidates, not to the size of the ledger.

use std::collections::{BTreeMap, BTreeSet};

use crate::aggregate::Aggregate;
use crate::company::{Company, CompanyState};
use crate::customer::{Customer, CustomerState};
use crate::event::Event;
use crate::id::{CompanyId, CustomerId, IncidentId, ServiceId};
use crate::incident::{Incident, IncidentState, PortalIncident};
use crate::service::{Service, ServiceState};
use crate::stream::{AggregateId, StreamName};
use crate::visibility::{VisibilityReason, can_see, effective_services};

/// The services, companies, customers and incidents of the ledger, with the indexes the
/// visibility questions need. Staff users and portal settings do not affect visibility and are
/// not kept.
#[derive(Debug, Clone, Default)]
pub struct LedgerState {
    services: BTreeMap<ServiceId, ServiceState>,
    companies: BTreeMap<CompanyId, CompanyState>,
    customers: BTreeMap<CustomerId, CustomerState>,
    incidents: BTreeMap<IncidentId, IncidentState>,
    customers_by_company: BTreeMap<CompanyId, BTreeSet<CustomerId>>,
    incidents_by_company: BTreeMap<CompanyId, BTreeSet<IncidentId>>,
    incidents_by_customer: BTreeMap<CustomerId, BTreeSet<IncidentId>>,
}

/// An event that does not belong to the stream it was applied with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event type {event_type:?} does not belong on stream {stream}")]
pub struct WrongStream {
    /// The stream given.
    pub stream: StreamName,
    /// The event's type string.
    pub event_type: &'static str,
}

impl LedgerState {
    /// Folds one event, read from `stream`, into the state.
    ///
    /// # Errors
    ///
    /// Returns [`WrongStream`] (and changes nothing) when the event's aggregate kind is not the
    /// stream's; [`Event::decode`] never produces such a pair.
    pub fn apply(&mut self, stream: &StreamName, event: &Event) -> Result<(), WrongStream> {
        match (stream.aggregate_id(), event) {
            (Some(AggregateId::Service(id)), Event::Service(evt)) => {
                fold(&mut self.services, id, evt);
            }
            (Some(AggregateId::Company(id)), Event::Company(evt)) => {
                fold(&mut self.companies, id, evt);
            }
            (Some(AggregateId::Customer(id)), Event::Customer(evt)) => {
                let before = self.customer(id).and_then(|customer| customer.company_id);
                fold(&mut self.customers, id, evt);
                let after = self.customer(id).and_then(|customer| customer.company_id);
                move_in_index(&mut self.customers_by_company, id, before, after);
            }
            (Some(AggregateId::Incident(id)), Event::Incident(evt)) => {
                let before = self
                    .incident(id)
                    .map(|incident| (incident.company_id, incident.customer_id));
                fold(&mut self.incidents, id, evt);
                let after = self
                    .incident(id)
                    .map(|incident| (incident.company_id, incident.customer_id));
                let (company_before, customer_before) = before.unwrap_or_default();
                let (company_after, customer_after) = after.unwrap_or_default();
                move_in_index(
                    &mut self.incidents_by_company,
                    id,
                    company_before,
                    company_after,
                );
                move_in_index(
                    &mut self.incidents_by_customer,
                    id,
                    customer_before,
                    customer_after,
                );
            }
            (Some(AggregateId::User(_)), Event::User(_))
            | (Some(AggregateId::PortalSettings), Event::PortalSettings(_)) => {}
            (
                Some(
                    AggregateId::Service(_)
                    | AggregateId::Company(_)
                    | AggregateId::Customer(_)
                    | AggregateId::User(_)
                    | AggregateId::Incident(_)
                    | AggregateId::PortalSettings,
                )
                | None,
                Event::Service(_)
                | Event::Company(_)
                | Event::Customer(_)
                | Event::User(_)
                | Event::Incident(_)
                | Event::PortalSettings(_),
            ) => {
                return Err(WrongStream {
                    stream: stream.clone(),
                    event_type: event.event_type(),
                });
            }
        }
        Ok(())
    }

    /// The service, if created.
    #[must_use]
    pub fn service(&self, service_id: ServiceId) -> Option<&Service> {
        self.services
            .get(&service_id)
            .and_then(ServiceState::service)
    }

    /// The company, if registered.
    #[must_use]
    pub fn company(&self, company_id: CompanyId) -> Option<&Company> {
        self.companies
            .get(&company_id)
            .and_then(CompanyState::company)
    }

    /// The customer, if registered.
    #[must_use]
    pub fn customer(&self, customer_id: CustomerId) -> Option<&Customer> {
        self.customers
            .get(&customer_id)
            .and_then(CustomerState::customer)
    }

    /// The incident, if logged.
    #[must_use]
    pub fn incident(&self, incident_id: IncidentId) -> Option<&Incident> {
        self.incidents
            .get(&incident_id)
            .and_then(IncidentState::incident)
    }

    /// Every registered customer's id.
    pub fn customer_ids(&self) -> impl Iterator<Item = CustomerId> + '_ {
        self.customers
            .iter()
            .filter(|(_, state)| state.customer().is_some())
            .map(|(id, _)| *id)
    }

    /// Every logged incident's id.
    pub fn incident_ids(&self) -> impl Iterator<Item = IncidentId> + '_ {
        self.incidents
            .iter()
            .filter(|(_, state)| state.incident().is_some())
            .map(|(id, _)| *id)
    }

    /// The customer's effective services (empty for an unknown customer).
    #[must_use]
    pub fn effective_services(&self, customer_id: CustomerId) -> BTreeSet<ServiceId> {
        let Some(customer) = self.customer(customer_id) else {
            return BTreeSet::new();
        };
        match customer.company_id {
            Some(company_id) => {
                let company_services = self.company_services(company_id);
                effective_services(&customer.services, Some(company_services))
            }
            None => customer.services.clone(),
        }
    }

    /// Whether the customer can see the incident, and why; the visibility rule on this state.
    #[must_use]
    pub fn can_see(
        &self,
        customer_id: CustomerId,
        incident_id: IncidentId,
    ) -> Option<VisibilityReason> {
        let customer = self.customer(customer_id)?;
        let incident = self.incident(incident_id)?;
        let company_services = customer
            .company_id
            .map(|company_id| self.company_services(company_id));
        can_see(&customer.viewer(), &incident.facts(), company_services)
    }

    /// The incidents the customer can see.
    #[must_use]
    pub fn visible_incidents(&self, customer_id: CustomerId) -> BTreeSet<IncidentId> {
        let Some(customer) = self.customer(customer_id) else {
            return BTreeSet::new();
        };
        if !customer.portal_access {
            return BTreeSet::new();
        }
        let own = self
            .incidents_by_customer
            .get(&customer_id)
            .into_iter()
            .flatten();
        let company_wide = customer
            .company_id
            .filter(|_| customer.see_company_incidents)
            .and_then(|company_id| self.incidents_by_company.get(&company_id))
            .into_iter()
            .flatten();
        own.chain(company_wide)
            .copied()
            .filter(|&incident_id| self.can_see(customer_id, incident_id).is_some())
            .collect()
    }

    /// Every customer who can see the incident, with the reason, ordered by customer id.
    #[must_use]
    pub fn who_can_see(&self, incident_id: IncidentId) -> Vec<(CustomerId, VisibilityReason)> {
        let Some(incident) = self.incident(incident_id) else {
            return Vec::new();
        };
        let mut candidates: BTreeSet<CustomerId> = incident.customer_id.into_iter().collect();
        if let Some(company_id) = incident.company_id {
            let colleagues = self
                .customers_by_company
                .get(&company_id)
                .into_iter()
                .flatten();
            candidates.extend(colleagues);
        }
        candidates
            .into_iter()
            .filter_map(|customer_id| {
                self.can_see(customer_id, incident_id)
                    .map(|reason| (customer_id, reason))
            })
            .collect()
    }

    /// The portal's view of the incident (public comments only), whoever may see it.
    #[must_use]
    pub fn portal_view(&self, incident_id: IncidentId) -> Option<PortalIncident> {
        self.incident(incident_id).map(Incident::portal_view)
    }

    /// The company's current services; an unknown company has none.
    fn company_services(&self, company_id: CompanyId) -> &BTreeSet<ServiceId> {
        static NO_SERVICES: BTreeSet<ServiceId> = BTreeSet::new();
        self.company(company_id)
            .map_or(&NO_SERVICES, |company| &company.services)
    }
}

/// Folds `event` into the aggregate state stored under `id`.
fn fold<K: Ord, A: Aggregate + Clone>(states: &mut BTreeMap<K, A>, id: K, event: &A::Event) {
    let state = states.remove(&id).unwrap_or_default();
    states.insert(id, state.evolve(event));
}

/// Moves `id` from the `before` bucket to the `after` bucket of `index`.
fn move_in_index<K: Ord + Copy, V: Ord + Copy>(
    index: &mut BTreeMap<K, BTreeSet<V>>,
    id: V,
    before: Option<K>,
    after: Option<K>,
) {
    if before == after {
        return;
    }
    if let Some(key) = before
        && let Some(bucket) = index.get_mut(&key)
    {
        bucket.remove(&id);
        if bucket.is_empty() {
            index.remove(&key);
        }
    }
    if let Some(key) = after {
        index.entry(key).or_default().insert(id);
    }
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod tests;

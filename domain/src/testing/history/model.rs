//! [`HistoryModel`]: replays the steps of a random history through each aggregate's `decide`,
//! with the facts a caller would load from the ledger, and folds the events it appends.
//!
//! Past 500 lines: one arm per kind of step, each with the facts it loads, reads best next to
//! the state those facts come from.

use std::collections::BTreeMap;

use crate::aggregate::Aggregate;
use crate::company::{CompanyCommand, CompanyState};
use crate::customer::{CompanyServices, CustomerCommand, CustomerState, RegisterCustomer};
use crate::event::Event;
use crate::id::{CompanyId, CustomerId, IncidentId, IncidentReference, ServiceId};
use crate::incident::{
    AddComment, IncidentCommand, IncidentState, IncidentStatus, LogIncident, LoggedBy,
};
use crate::ledger_state::LedgerState;
use crate::meta::{Actor, Channel};
use crate::portal_settings::PortalSettings;
use crate::service::{Service, ServiceCommand, ServiceState};
use crate::stream::{AggregateId, StreamName};
use crate::testing::history::ids::Ids;
use crate::testing::history::{N_CUSTOMERS, N_INCIDENTS, Step};
use crate::value::{CommentBody, Description, Email, IncidentTitle, IncidentType, Name};

/// How many incident references each salt owns: `salt * 1000 + 1` up to `salt * 1000 + 1000`.
const REFERENCES_PER_SALT: u64 = 1000;

/// Replays one history: issues each [`Step`] as the command a caller would build, through the
/// aggregate's `decide` with the facts loaded from the ledger, and folds what it appended.
///
/// Each aggregate is folded on its own, as a caller loading one stream would see it, and the
/// [`LedgerState`] is folded alongside for the cross-aggregate facts and for comparison.
/// All ids, incident references and emails carry the model's salt, so histories with different
/// salts can share one database.
#[derive(Debug, Clone)]
pub struct HistoryModel {
    ids: Ids,
    ledger: LedgerState,
    services: BTreeMap<ServiceId, ServiceState>,
    companies: BTreeMap<CompanyId, CompanyState>,
    customers: BTreeMap<CustomerId, CustomerState>,
    incidents: BTreeMap<IncidentId, IncidentState>,
    n_logged: u64,
}

/// The events of one append to one stream.
type Append = (StreamName, Vec<Event>);

impl HistoryModel {
    /// Starts an empty ledger whose ids all carry `salt`, so that no two salts share an id.
    ///
    /// Salt 0 gives the ids `0x1000 + n` (services), `0x2000 + n` (companies), `0x3000 + n`
    /// (customers) and `0x4000 + n` (incidents); any other salt puts itself in the high 64 bits.
    /// Incident references are `salt * 1000 + k` for the `k`-th incident logged.
    ///
    /// ```
    /// use ledgerdesk_domain::testing::history::HistoryModel;
    ///
    /// let (first, second) = (HistoryModel::new(1), HistoryModel::new(2));
    ///
    /// assert!(first.customer_ids().iter().all(|id| !second.customer_ids().contains(id)));
    /// assert!(first.incident_ids().iter().all(|id| !second.incident_ids().contains(id)));
    /// ```
    ///
    /// # Panics
    ///
    /// When `salt * 1000 + 1000` does not fit in a `u64`, leaving no room for its references.
    #[must_use]
    pub fn new(salt: u64) -> Self {
        assert!(
            salt < u64::MAX / REFERENCES_PER_SALT,
            "salt {salt} leaves no room for incident references"
        );
        Self {
            ids: Ids { salt },
            ledger: LedgerState::default(),
            services: BTreeMap::new(),
            companies: BTreeMap::new(),
            customers: BTreeMap::new(),
            incidents: BTreeMap::new(),
            n_logged: 0,
        }
    }

    /// Issues `step`'s command through `decide` and folds the events it returned into the model
    /// and its ledger.
    ///
    /// Returns one `(stream, events)` entry per append, in order; none when the command was
    /// refused or changed nothing. Every event goes through the codec on the way, as it would
    /// through a store.
    ///
    /// # Panics
    ///
    /// When an event does not survive encoding and decoding, or the ledger rejects it; both
    /// are bugs of the domain.
    pub fn apply(&mut self, step: &Step) -> Vec<(StreamName, Vec<Event>)> {
        let Some((stream, events)) = self.decide(step) else {
            return Vec::new();
        };
        for event in &events {
            let decoded = Event::decode(&stream, event.event_type(), event.to_data())
                .expect("every decided event decodes");
            assert_eq!(
                &decoded,
                event,
                "the codec round-trips {}",
                event.event_type()
            );
            self.fold(&stream, event);
        }
        vec![(stream, events)]
    }

    /// The ledger folded from every event appended so far.
    #[must_use]
    pub fn ledger(&self) -> &LedgerState {
        &self.ledger
    }

    /// Every customer id this history can register, registered yet or not.
    #[must_use]
    pub fn customer_ids(&self) -> Vec<CustomerId> {
        (0..N_CUSTOMERS).map(|n| self.ids.customer(n)).collect()
    }

    /// Every incident id this history can log, logged yet or not.
    #[must_use]
    pub fn incident_ids(&self) -> Vec<IncidentId> {
        (0..N_INCIDENTS).map(|n| self.ids.incident(n)).collect()
    }

    /// Who issues `step`'s command: the customer for incidents and comments written through
    /// the portal, one staff user for everything else.
    ///
    /// The answer is the same before and after `apply` runs the step.
    #[must_use]
    pub fn actor_of(&self, step: &Step) -> Actor {
        match *step {
            Step::LogIncident {
                customer: Some(customer),
                by_customer: true,
                ..
            } => Actor::Customer(self.ids.customer(customer)),
            Step::Comment {
                incident,
                by_customer,
                ..
            } => self.comment_author(incident, by_customer),
            Step::CreateService(_)
            | Step::RetireService(_)
            | Step::RegisterCompany { .. }
            | Step::SetCompanyServices { .. }
            | Step::GrantCompanyService { .. }
            | Step::RevokeCompanyService { .. }
            | Step::RegisterCustomer { .. }
            | Step::MoveCustomer { .. }
            | Step::SetPortalAccess { .. }
            | Step::SetCompanyWide { .. }
            | Step::SetCustomerServices { .. }
            | Step::GrantCustomerService { .. }
            | Step::RevokeCustomerService { .. }
            | Step::LogIncident { .. }
            | Step::ChangeIncidentCustomer { .. }
            | Step::ChangeIncidentService { .. }
            | Step::SetShown { .. }
            | Step::ChangeStatus { .. } => Actor::Staff(self.ids.staff().user_id),
        }
    }

    /// The channel `step`'s command arrives through: the portal for a customer, the staff API
    /// for staff.
    #[must_use]
    pub fn channel_of(&self, step: &Step) -> Channel {
        match self.actor_of(step) {
            Actor::Customer(_) => Channel::Portal,
            Actor::Staff(_) | Actor::System | Actor::Email | Actor::Import(_) => Channel::StaffApi,
        }
    }

    /// Builds `step`'s command and decides it against the current state.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per kind of step reads best as one table"
    )]
    fn decide(&mut self, step: &Step) -> Option<Append> {
        let ids = self.ids;
        match *step {
            Step::CreateService(n) => {
                let cmd = ServiceCommand::Create {
                    service_id: ids.service(n),
                    name: name("Service"),
                };
                self.service_command(n, cmd)
            }
            Step::RetireService(n) => self.service_command(n, ServiceCommand::Retire),
            Step::RegisterCompany { company, services } => {
                let cmd = CompanyCommand::Register {
                    company_id: ids.company(company),
                    name: name("Company"),
                    services: ids.services(services),
                };
                self.company_command(company, cmd)
            }
            Step::SetCompanyServices { company, services } => self.company_command(
                company,
                CompanyCommand::SetServices {
                    services: ids.services(services),
                },
            ),
            Step::GrantCompanyService { company, service } => self.company_command(
                company,
                CompanyCommand::GrantService {
                    service_id: ids.service(service),
                },
            ),
            Step::RevokeCompanyService { company, service } => self.company_command(
                company,
                CompanyCommand::RevokeService {
                    service_id: ids.service(service),
                },
            ),
            Step::RegisterCustomer {
                customer,
                company,
                flags,
                services,
            } => self.register_customer(customer, company, flags, services),
            Step::MoveCustomer { customer, company } => {
                let cmd = CustomerCommand::MoveToCompany {
                    company_id: company.map(|n| ids.company(n)),
                };
                self.customer_command(customer, cmd)
            }
            Step::SetPortalAccess { customer, granted } => {
                let cmd = if granted {
                    CustomerCommand::GrantPortalAccess {
                        welcome_email: None,
                    }
                } else {
                    CustomerCommand::RevokePortalAccess
                };
                self.customer_command(customer, cmd)
            }
            Step::SetCompanyWide { customer, granted } => {
                let cmd = if granted {
                    CustomerCommand::GrantCompanyWideVisibility
                } else {
                    CustomerCommand::RevokeCompanyWideVisibility
                };
                self.customer_command(customer, cmd)
            }
            Step::SetCustomerServices { customer, services } => {
                let cmd = CustomerCommand::SetServices {
                    services: ids.services(services),
                    company: self.company_context(customer),
                };
                self.customer_command(customer, cmd)
            }
            Step::GrantCustomerService { customer, service } => {
                let cmd = CustomerCommand::GrantService {
                    service_id: ids.service(service),
                    company: self.company_context(customer),
                };
                self.customer_command(customer, cmd)
            }
            Step::RevokeCustomerService { customer, service } => {
                let cmd = CustomerCommand::RevokeService {
                    service_id: ids.service(service),
                };
                self.customer_command(customer, cmd)
            }
            Step::LogIncident {
                incident,
                service,
                customer,
                shown,
                by_customer,
            } => self.log_incident(incident, service, customer, shown, by_customer),
            Step::ChangeIncidentCustomer { incident, customer } => {
                let facts = match customer {
                    Some(n) => Some(self.ledger.customer(ids.customer(n))?.facts()),
                    None => None,
                };
                self.incident_command(
                    incident,
                    IncidentCommand::ChangeCustomer { customer: facts },
                )
            }
            Step::ChangeIncidentService { incident, service } => {
                let cmd = IncidentCommand::ChangeService {
                    service: self.ledger.service(ids.service(service))?.facts(),
                };
                self.incident_command(incident, cmd)
            }
            Step::SetShown { incident, shown } => {
                let cmd = if shown {
                    IncidentCommand::ShowInPortal
                } else {
                    IncidentCommand::HideFromPortal
                };
                self.incident_command(incident, cmd)
            }
            Step::Comment {
                incident,
                n,
                public,
                by_customer,
                notify,
            } => self.comment(incident, n, public, by_customer, notify),
            Step::ChangeStatus { incident, status } => {
                let status = IncidentStatus::ALL[usize::from(status) % IncidentStatus::ALL.len()];
                self.incident_command(incident, IncidentCommand::ChangeStatus { status })
            }
        }
    }

    fn register_customer(
        &self,
        customer: u8,
        company: Option<u8>,
        flags: u8,
        services: u8,
    ) -> Option<Append> {
        let company = match company {
            Some(n) => {
                let company = self.ledger.company(self.ids.company(n))?;
                Some(CompanyServices {
                    company_id: company.id,
                    services: company.services.clone(),
                })
            }
            None => None,
        };
        let mut services = self.ids.services(services);
        if let Some(company) = &company {
            services.retain(|service_id| company.services.contains(service_id));
        }

        let has_company = company.is_some();
        let salt = self.ids.salt;
        let cmd = CustomerCommand::Register(RegisterCustomer {
            customer_id: self.ids.customer(customer),
            name: name("Customer"),
            email: Email::parse(&format!("customer{customer}.h{salt}@example.com"))
                .expect("the pattern makes a valid email"),
            company,
            portal_access: flags & 3 != 0,
            password_hash: None,
            company_admin: false,
            see_company_incidents: has_company && flags & 4 != 0,
            services,
            welcome_email: None,
        });
        self.customer_command(customer, cmd)
    }

    fn log_incident(
        &mut self,
        incident: u8,
        service: u8,
        customer: Option<u8>,
        shown: bool,
        by_customer: bool,
    ) -> Option<Append> {
        let service = self
            .ledger
            .service(self.ids.service(service))
            .map(Service::facts)?;
        let customer = match customer {
            Some(n) => Some(self.ledger.customer(self.ids.customer(n))?.facts()),
            None => None,
        };
        let (logged_by, channel) = match customer {
            Some(customer) if by_customer => {
                let logged_by = LoggedBy::Customer {
                    customer,
                    portal_type: PortalSettings::default().portal_types[0].clone(),
                    effective_services: self.ledger.effective_services(customer.customer_id),
                };
                (logged_by, Channel::Portal)
            }
            Some(_) | None => {
                let logged_by = LoggedBy::Staff {
                    incident_type: IncidentType::parse("bug").expect("\"bug\" is a valid type"),
                    customer,
                    show_in_portal: shown,
                };
                (logged_by, Channel::StaffApi)
            }
        };

        // References stay unique across salts and are handed out in logging order, as the
        // store does.
        let number = self.ids.salt * REFERENCES_PER_SALT + self.n_logged + 1;
        let cmd = IncidentCommand::Log(Box::new(LogIncident {
            incident_id: self.ids.incident(incident),
            reference: IncidentReference::from_number(number).expect("the number is at least 1"),
            title: IncidentTitle::parse("Something broke").expect("the title is valid"),
            description: Description::parse("").expect("an empty description is valid"),
            service,
            assignee: Some(self.ids.staff()),
            channel,
            logged_by,
        }));
        let appended = self.incident_command(incident, cmd)?;
        self.n_logged += 1;
        Some(appended)
    }

    fn comment(
        &self,
        incident: u8,
        n: u8,
        public: bool,
        by_customer: bool,
        notify: bool,
    ) -> Option<Append> {
        let current = self.ledger.incident(self.ids.incident(incident))?;
        let customer_can_see = current
            .customer_id
            .is_some_and(|customer_id| self.ledger.can_see(customer_id, current.id).is_some());
        let cmd = IncidentCommand::AddComment(AddComment {
            comment_id: self.ids.comment(incident, n),
            body: CommentBody::parse("An update").expect("the body is valid"),
            public,
            author: self.comment_author(incident, by_customer),
            notify_customer: notify,
            customer_can_see,
        });
        self.incident_command(incident, cmd)
    }

    /// The incident's customer when `by_customer` and it has one, otherwise staff.
    fn comment_author(&self, incident: u8, by_customer: bool) -> Actor {
        let customer_id = self
            .ledger
            .incident(self.ids.incident(incident))
            .and_then(|current| current.customer_id);
        match customer_id {
            Some(customer_id) if by_customer => Actor::Customer(customer_id),
            Some(_) | None => Actor::Staff(self.ids.staff().user_id),
        }
    }

    /// The company a customer belongs to, with its services, as a caller would load it.
    fn company_context(&self, customer: u8) -> Option<CompanyServices> {
        let company_id = self
            .ledger
            .customer(self.ids.customer(customer))?
            .company_id?;
        let company = self.ledger.company(company_id)?;
        Some(CompanyServices {
            company_id,
            services: company.services.clone(),
        })
    }

    fn service_command(&self, n: u8, cmd: ServiceCommand) -> Option<Append> {
        let id = self.ids.service(n);
        decide_on(self.services.get(&id), StreamName::service(id), cmd)
    }

    fn company_command(&self, n: u8, cmd: CompanyCommand) -> Option<Append> {
        let id = self.ids.company(n);
        decide_on(self.companies.get(&id), StreamName::company(id), cmd)
    }

    fn customer_command(&self, n: u8, cmd: CustomerCommand) -> Option<Append> {
        let id = self.ids.customer(n);
        decide_on(self.customers.get(&id), StreamName::customer(id), cmd)
    }

    fn incident_command(&self, n: u8, cmd: IncidentCommand) -> Option<Append> {
        let id = self.ids.incident(n);
        decide_on(self.incidents.get(&id), StreamName::incident(id), cmd)
    }

    /// Folds one appended event into the ledger and into its aggregate's state.
    fn fold(&mut self, stream: &StreamName, event: &Event) {
        self.ledger
            .apply(stream, event)
            .expect("decided events belong on their stream");
        match (stream.aggregate_id(), event) {
            (Some(AggregateId::Service(id)), Event::Service(evt)) => {
                evolve(&mut self.services, id, evt);
            }
            (Some(AggregateId::Company(id)), Event::Company(evt)) => {
                evolve(&mut self.companies, id, evt);
            }
            (Some(AggregateId::Customer(id)), Event::Customer(evt)) => {
                evolve(&mut self.customers, id, evt);
            }
            (Some(AggregateId::Incident(id)), Event::Incident(evt)) => {
                evolve(&mut self.incidents, id, evt);
            }
            _ => panic!("the model only issues service, company, customer and incident commands"),
        }
    }
}

/// Decides `cmd` against an aggregate's state (fresh when `None`); `None` when refused or a no-op.
fn decide_on<A: Aggregate>(state: Option<&A>, stream: StreamName, cmd: A::Command) -> Option<Append>
where
    A::Event: Into<Event>,
{
    let outcome = match state {
        Some(state) => state.decide(cmd),
        None => A::default().decide(cmd),
    };
    let events: Vec<Event> = outcome.ok()?.into_iter().map(Into::into).collect();
    (!events.is_empty()).then_some((stream, events))
}

fn evolve<K: Ord, A: Aggregate>(states: &mut BTreeMap<K, A>, id: K, event: &A::Event) {
    let state = states.remove(&id).unwrap_or_default();
    states.insert(id, state.evolve(event));
}

fn name(text: &str) -> Name {
    Name::parse(text).expect("the model's names are valid")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn models_with_different_salts_share_no_id_or_reference() {
        let steps = [
            Step::CreateService(0),
            Step::RegisterCustomer {
                customer: 0,
                company: None,
                flags: 1,
                services: 1,
            },
            Step::LogIncident {
                incident: 0,
                service: 0,
                customer: Some(0),
                shown: true,
                by_customer: true,
            },
        ];
        let mut first = HistoryModel::new(1);
        let mut second = HistoryModel::new(2);

        let streams = |model: &mut HistoryModel| -> BTreeSet<StreamName> {
            steps
                .iter()
                .flat_map(|step| model.apply(step))
                .map(|(stream, _)| stream)
                .collect()
        };
        let (first_streams, second_streams) = (streams(&mut first), streams(&mut second));

        assert_eq!(
            first_streams.len(),
            3,
            "every step appended to its own stream"
        );
        assert!(
            first_streams.is_disjoint(&second_streams),
            "no stream is shared"
        );
        let customers: BTreeSet<_> = first.customer_ids().into_iter().collect();
        assert!(
            second
                .customer_ids()
                .iter()
                .all(|id| !customers.contains(id))
        );
        let incidents: BTreeSet<_> = first.incident_ids().into_iter().collect();
        assert!(
            second
                .incident_ids()
                .iter()
                .all(|id| !incidents.contains(id))
        );
        let reference = |model: &HistoryModel| {
            let incident_id = model.incident_ids()[0];
            model
                .ledger()
                .incident(incident_id)
                .map(|incident| incident.reference)
        };
        assert_ne!(reference(&first), reference(&second), "references differ");
        assert!(reference(&first).is_some(), "the incident was logged");
    }

    #[test]
    fn the_actor_is_the_customer_only_for_what_they_write_through_the_portal() {
        let mut model = HistoryModel::new(3);
        let log = Step::LogIncident {
            incident: 0,
            service: 0,
            customer: Some(0),
            shown: false,
            by_customer: true,
        };
        let comment = Step::Comment {
            incident: 0,
            n: 0,
            public: true,
            by_customer: true,
            notify: false,
        };
        for step in [
            Step::CreateService(0),
            Step::RegisterCustomer {
                customer: 0,
                company: None,
                flags: 1,
                services: 1,
            },
            log.clone(),
        ] {
            model.apply(&step);
        }

        let customer = Actor::Customer(model.customer_ids()[0]);

        assert_eq!(model.actor_of(&log), customer);
        assert_eq!(model.actor_of(&comment), customer);
        assert_eq!(model.channel_of(&comment), Channel::Portal);
        assert!(matches!(
            model.actor_of(&Step::CreateService(1)),
            Actor::Staff(_)
        ));
    }
}

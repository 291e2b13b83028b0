//! Property tests of DESIGN §3.1: random histories are built by issuing random commands through
//! each aggregate's `decide` (with the context a caller would load from the ledger), folded
//! with `evolve` and `LedgerState`, and every consequence of the visibility rule is checked
//! after every step, each as its own property.
//!
//! Past 500 lines: the history generator, the command harness and the eight properties share
//! one model and read best together.

use std::collections::{BTreeMap, BTreeSet};

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use uuid::Uuid;

use crate::aggregate::Aggregate;
use crate::company::{CompanyCommand, CompanyEvent, CompanyState};
use crate::customer::{
    CompanyServices, CustomerCommand, CustomerEvent, CustomerState, RegisterCustomer,
};
use crate::event::Event;
use crate::id::{
    CommentId, CompanyId, CustomerId, IncidentId, IncidentReference, ServiceId, UserId,
};
use crate::incident::{
    AddComment, IncidentCommand, IncidentEvent, IncidentState, IncidentStatus, LogIncident,
    LoggedBy,
};
use crate::ledger_state::LedgerState;
use crate::meta::{Actor, Channel};
use crate::portal_settings::PortalSettings;
use crate::service::{Service, ServiceCommand, ServiceState};
use crate::stream::StreamName;
use crate::user::UserFacts;
use crate::value::{CommentBody, Description, Email, IncidentTitle, IncidentType, Name};
use crate::visibility::can_see;

const N_SERVICES: u8 = 3;
const N_COMPANIES: u8 = 3;
const N_CUSTOMERS: u8 = 6;
const N_INCIDENTS: u8 = 8;

/// One random command, named by small indexes into fixed pools of ids.
#[derive(Debug, Clone)]
enum Step {
    CreateService(u8),
    RetireService(u8),
    RegisterCompany {
        company: u8,
        services: u8,
    },
    SetCompanyServices {
        company: u8,
        services: u8,
    },
    GrantCompanyService {
        company: u8,
        service: u8,
    },
    RevokeCompanyService {
        company: u8,
        service: u8,
    },
    RegisterCustomer {
        customer: u8,
        company: Option<u8>,
        flags: u8,
        services: u8,
    },
    MoveCustomer {
        customer: u8,
        company: Option<u8>,
    },
    SetPortalAccess {
        customer: u8,
        granted: bool,
    },
    SetCompanyWide {
        customer: u8,
        granted: bool,
    },
    SetCustomerServices {
        customer: u8,
        services: u8,
    },
    GrantCustomerService {
        customer: u8,
        service: u8,
    },
    RevokeCustomerService {
        customer: u8,
        service: u8,
    },
    LogIncident {
        incident: u8,
        service: u8,
        customer: Option<u8>,
        shown: bool,
        by_customer: bool,
    },
    ChangeIncidentCustomer {
        incident: u8,
        customer: Option<u8>,
    },
    ChangeIncidentService {
        incident: u8,
        service: u8,
    },
    SetShown {
        incident: u8,
        shown: bool,
    },
    Comment {
        incident: u8,
        n: u8,
        public: bool,
        by_customer: bool,
        notify: bool,
    },
    ChangeStatus {
        incident: u8,
        status: u8,
    },
}

/// The aggregates folded independently of `LedgerState`, so `decide` sees what a caller
/// loading one stream would see.
#[derive(Debug, Clone, Default)]
struct Model {
    ledger: LedgerState,
    services: BTreeMap<ServiceId, ServiceState>,
    companies: BTreeMap<CompanyId, CompanyState>,
    customers: BTreeMap<CustomerId, CustomerState>,
    incidents: BTreeMap<IncidentId, IncidentState>,
    next_reference: u64,
}

/// What one step did: the ledger before and after, and the events it appended.
struct Transition<'a> {
    before: &'a LedgerState,
    after: &'a LedgerState,
    events: &'a [(StreamName, Event)],
}

fn service_id(n: u8) -> ServiceId {
    ServiceId::from_uuid(Uuid::from_u128(0x1000 + u128::from(n)))
}

fn company_id(n: u8) -> CompanyId {
    CompanyId::from_uuid(Uuid::from_u128(0x2000 + u128::from(n)))
}

fn customer_id(n: u8) -> CustomerId {
    CustomerId::from_uuid(Uuid::from_u128(0x3000 + u128::from(n)))
}

fn incident_id(n: u8) -> IncidentId {
    IncidentId::from_uuid(Uuid::from_u128(0x4000 + u128::from(n)))
}

fn comment_id(incident: u8, n: u8) -> CommentId {
    CommentId::from_uuid(Uuid::from_u128(
        0x5000 + u128::from(incident) * 256 + u128::from(n),
    ))
}

fn staff() -> UserFacts {
    UserFacts {
        user_id: UserId::from_uuid(Uuid::from_u128(0x6000)),
        active: true,
    }
}

fn service_set(bits: u8) -> BTreeSet<ServiceId> {
    (0..N_SERVICES)
        .filter(|n| bits & (1 << n) != 0)
        .map(service_id)
        .collect()
}

fn name(text: &str) -> Name {
    Name::parse(text).expect("test names are valid")
}

fn step() -> impl Strategy<Value = Step> {
    let service = 0..N_SERVICES;
    let company = 0..N_COMPANIES;
    let customer = 0..N_CUSTOMERS;
    let incident = 0..N_INCIDENTS;
    prop_oneof![
        1 => service.clone().prop_map(Step::CreateService),
        1 => service.clone().prop_map(Step::RetireService),
        2 => (company.clone(), any::<u8>())
            .prop_map(|(company, services)| Step::SetCompanyServices { company, services }),
        2 => (company.clone(), service.clone())
            .prop_map(|(company, service)| Step::GrantCompanyService { company, service }),
        3 => (company.clone(), service.clone())
            .prop_map(|(company, service)| Step::RevokeCompanyService { company, service }),
        3 => (customer.clone(), option::of(company.clone()))
            .prop_map(|(customer, company)| Step::MoveCustomer { customer, company }),
        3 => (customer.clone(), any::<bool>())
            .prop_map(|(customer, granted)| Step::SetPortalAccess { customer, granted }),
        3 => (customer.clone(), any::<bool>())
            .prop_map(|(customer, granted)| Step::SetCompanyWide { customer, granted }),
        2 => (customer.clone(), any::<u8>())
            .prop_map(|(customer, services)| Step::SetCustomerServices { customer, services }),
        2 => (customer.clone(), service.clone())
            .prop_map(|(customer, service)| Step::GrantCustomerService { customer, service }),
        2 => (customer.clone(), service.clone())
            .prop_map(|(customer, service)| Step::RevokeCustomerService { customer, service }),
        5 => (incident.clone(), service.clone(), option::of(customer.clone()), any::<bool>(), any::<bool>())
            .prop_map(|(incident, service, customer, shown, by_customer)| {
                Step::LogIncident { incident, service, customer, shown, by_customer }
            }),
        3 => (incident.clone(), option::of(customer))
            .prop_map(|(incident, customer)| Step::ChangeIncidentCustomer { incident, customer }),
        2 => (incident.clone(), service)
            .prop_map(|(incident, service)| Step::ChangeIncidentService { incident, service }),
        3 => (incident.clone(), any::<bool>())
            .prop_map(|(incident, shown)| Step::SetShown { incident, shown }),
        4 => (incident.clone(), any::<u8>(), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(incident, n, public, by_customer, notify)| {
                Step::Comment { incident, n, public, by_customer, notify }
            }),
        1 => (incident, 0..4_u8).prop_map(|(incident, status)| Step::ChangeStatus { incident, status }),
    ]
}

/// A history: services, companies, customers and incidents set up with random values, then
/// random steps.
fn history() -> impl Strategy<Value = Vec<Step>> {
    let companies = vec(any::<u8>(), usize::from(N_COMPANIES));
    let customers = vec(
        (option::of(0..N_COMPANIES), any::<u8>(), any::<u8>()),
        usize::from(N_CUSTOMERS),
    );
    let incidents = vec(
        (
            0..N_SERVICES,
            option::of(0..N_CUSTOMERS),
            any::<bool>(),
            any::<bool>(),
        ),
        usize::from(N_INCIDENTS),
    );
    let setup = (companies, customers, incidents);
    (setup, vec(step(), 1..60)).prop_map(|((companies, customers, incidents), steps)| {
        let services = (0..N_SERVICES).map(Step::CreateService);
        let companies = (0..N_COMPANIES)
            .zip(companies)
            .map(|(company, services)| Step::RegisterCompany { company, services });
        let customers =
            (0..N_CUSTOMERS)
                .zip(customers)
                .map(
                    |(customer, (company, flags, services))| Step::RegisterCustomer {
                        customer,
                        company,
                        flags,
                        services,
                    },
                );
        let incidents = (0..N_INCIDENTS).zip(incidents).map(|(incident, setup)| {
            let (service, customer, shown, by_customer) = setup;
            let shown = shown || by_customer;
            Step::LogIncident {
                incident,
                service,
                customer,
                shown,
                by_customer,
            }
        });
        services
            .chain(companies)
            .chain(customers)
            .chain(incidents)
            .chain(steps)
            .collect()
    })
}

impl Model {
    /// Decides `step` against the current state and applies the events it produced.
    fn run(&mut self, step: &Step) -> Vec<(StreamName, Event)> {
        let events = self.decide(step);
        for (stream, event) in &events {
            // Every event goes through the codec, as it would through the store.
            let decoded = Event::decode(stream, event.event_type(), event.to_data())
                .expect("every decided event decodes");
            assert_eq!(
                &decoded,
                event,
                "the codec round-trips {}",
                event.event_type()
            );
            self.apply(stream, event);
        }
        events
    }

    fn apply(&mut self, stream: &StreamName, event: &Event) {
        self.ledger
            .apply(stream, event)
            .expect("decided events belong on their stream");
        match (stream.aggregate_id(), event) {
            (Some(crate::stream::AggregateId::Service(id)), Event::Service(evt)) => {
                fold(&mut self.services, id, evt);
            }
            (Some(crate::stream::AggregateId::Company(id)), Event::Company(evt)) => {
                fold(&mut self.companies, id, evt);
            }
            (Some(crate::stream::AggregateId::Customer(id)), Event::Customer(evt)) => {
                fold(&mut self.customers, id, evt);
            }
            (Some(crate::stream::AggregateId::Incident(id)), Event::Incident(evt)) => {
                fold(&mut self.incidents, id, evt);
            }
            _ => panic!("the harness only issues service, company, customer and incident commands"),
        }
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per kind of step reads best as one table"
    )]
    fn decide(&mut self, step: &Step) -> Vec<(StreamName, Event)> {
        match *step {
            Step::CreateService(n) => {
                let cmd = ServiceCommand::Create {
                    service_id: service_id(n),
                    name: name("Service"),
                };
                self.service_command(n, cmd)
            }
            Step::RetireService(n) => self.service_command(n, ServiceCommand::Retire),
            Step::RegisterCompany { company, services } => {
                let cmd = CompanyCommand::Register {
                    company_id: company_id(company),
                    name: name("Company"),
                    services: service_set(services),
                };
                self.company_command(company, cmd)
            }
            Step::SetCompanyServices { company, services } => self.company_command(
                company,
                CompanyCommand::SetServices {
                    services: service_set(services),
                },
            ),
            Step::GrantCompanyService { company, service } => self.company_command(
                company,
                CompanyCommand::GrantService {
                    service_id: service_id(service),
                },
            ),
            Step::RevokeCompanyService { company, service } => self.company_command(
                company,
                CompanyCommand::RevokeService {
                    service_id: service_id(service),
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
                    company_id: company.map(company_id),
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
                let company = self.company_context(customer);
                let cmd = CustomerCommand::SetServices {
                    services: service_set(services),
                    company,
                };
                self.customer_command(customer, cmd)
            }
            Step::GrantCustomerService { customer, service } => {
                let company = self.company_context(customer);
                let cmd = CustomerCommand::GrantService {
                    service_id: service_id(service),
                    company,
                };
                self.customer_command(customer, cmd)
            }
            Step::RevokeCustomerService { customer, service } => {
                let cmd = CustomerCommand::RevokeService {
                    service_id: service_id(service),
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
                    Some(n) => match self.ledger.customer(customer_id(n)) {
                        Some(customer) => Some(customer.facts()),
                        None => return Vec::new(),
                    },
                    None => None,
                };
                self.incident_command(
                    incident,
                    IncidentCommand::ChangeCustomer { customer: facts },
                )
            }
            Step::ChangeIncidentService { incident, service } => {
                let Some(service) = self.ledger.service(service_id(service)) else {
                    return Vec::new();
                };
                let cmd = IncidentCommand::ChangeService {
                    service: service.facts(),
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
        &mut self,
        customer: u8,
        company: Option<u8>,
        flags: u8,
        services: u8,
    ) -> Vec<(StreamName, Event)> {
        let company = match company {
            Some(n) => match self.ledger.company(company_id(n)) {
                Some(company) => Some(CompanyServices {
                    company_id: company.id,
                    services: company.services.clone(),
                }),
                None => return Vec::new(),
            },
            None => None,
        };
        let mut services = service_set(services);
        if let Some(company) = &company {
            services.retain(|service_id| company.services.contains(service_id));
        }
        let has_company = company.is_some();
        let cmd = CustomerCommand::Register(RegisterCustomer {
            customer_id: customer_id(customer),
            name: name("Customer"),
            email: Email::parse(&format!("customer{customer}@example.com"))
                .expect("valid test email"),
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
    ) -> Vec<(StreamName, Event)> {
        let Some(service) = self.ledger.service(service_id(service)).map(Service::facts) else {
            return Vec::new();
        };
        let customer = match customer {
            Some(n) => match self.ledger.customer(customer_id(n)) {
                Some(customer) => Some(customer.facts()),
                None => return Vec::new(),
            },
            None => None,
        };
        let logged_by = match customer {
            Some(customer) if by_customer => LoggedBy::Customer {
                customer,
                portal_type: PortalSettings::default().portal_types[0].clone(),
                effective_services: self.ledger.effective_services(customer.customer_id),
            },
            Some(_) | None => LoggedBy::Staff {
                incident_type: IncidentType::parse("bug").expect("valid type"),
                customer,
                show_in_portal: shown,
            },
        };
        let reference = IncidentReference::from_number(self.next_reference + 1).expect("positive");
        let cmd = IncidentCommand::Log(Box::new(LogIncident {
            incident_id: incident_id(incident),
            reference,
            title: IncidentTitle::parse("Something broke").expect("valid title"),
            description: Description::parse("").expect("valid description"),
            service,
            assignee: Some(staff()),
            channel: if by_customer {
                Channel::Portal
            } else {
                Channel::StaffApi
            },
            logged_by,
        }));
        let events = self.incident_command(incident, cmd);
        if !events.is_empty() {
            self.next_reference += 1;
        }
        events
    }

    fn comment(
        &mut self,
        incident: u8,
        n: u8,
        public: bool,
        by_customer: bool,
        notify: bool,
    ) -> Vec<(StreamName, Event)> {
        let Some(current) = self.ledger.incident(incident_id(incident)) else {
            return Vec::new();
        };
        let author = match current.customer_id {
            Some(customer_id) if by_customer => Actor::Customer(customer_id),
            Some(_) | None => Actor::Staff(staff().user_id),
        };
        let customer_can_see = current
            .customer_id
            .is_some_and(|customer_id| self.ledger.can_see(customer_id, current.id).is_some());
        let cmd = IncidentCommand::AddComment(AddComment {
            comment_id: comment_id(incident, n),
            body: CommentBody::parse("An update").expect("valid body"),
            public,
            author,
            notify_customer: notify,
            customer_can_see,
        });
        self.incident_command(incident, cmd)
    }

    fn company_context(&self, customer: u8) -> Option<CompanyServices> {
        let company_id = self.ledger.customer(customer_id(customer))?.company_id?;
        let company = self.ledger.company(company_id)?;
        Some(CompanyServices {
            company_id,
            services: company.services.clone(),
        })
    }

    fn service_command(&self, n: u8, cmd: ServiceCommand) -> Vec<(StreamName, Event)> {
        let id = service_id(n);
        let state = self.services.get(&id).cloned().unwrap_or_default();
        tagged(
            &StreamName::service(id),
            state.decide(cmd).unwrap_or_default(),
        )
    }

    fn company_command(&self, n: u8, cmd: CompanyCommand) -> Vec<(StreamName, Event)> {
        let id = company_id(n);
        let state = self.companies.get(&id).cloned().unwrap_or_default();
        tagged(
            &StreamName::company(id),
            state.decide(cmd).unwrap_or_default(),
        )
    }

    fn customer_command(&self, n: u8, cmd: CustomerCommand) -> Vec<(StreamName, Event)> {
        let id = customer_id(n);
        let state = self.customers.get(&id).cloned().unwrap_or_default();
        tagged(
            &StreamName::customer(id),
            state.decide(cmd).unwrap_or_default(),
        )
    }

    fn incident_command(&self, n: u8, cmd: IncidentCommand) -> Vec<(StreamName, Event)> {
        let id = incident_id(n);
        let state = self.incidents.get(&id).cloned().unwrap_or_default();
        tagged(
            &StreamName::incident(id),
            state.decide(cmd).unwrap_or_default(),
        )
    }
}

fn tagged<E: Into<Event>>(stream: &StreamName, events: Vec<E>) -> Vec<(StreamName, Event)> {
    events
        .into_iter()
        .map(|evt| (stream.clone(), evt.into()))
        .collect()
}

fn fold<K: Ord, A: Aggregate + Clone>(states: &mut BTreeMap<K, A>, id: K, event: &A::Event) {
    let state = states.remove(&id).unwrap_or_default();
    states.insert(id, state.evolve(event));
}

/// Runs `steps` and calls `check` after every one of them.
fn check_every_step(
    steps: &[Step],
    check: impl Fn(&Transition<'_>) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let mut model = Model::default();
    for step in steps {
        let before = model.ledger.clone();
        let events = model.run(step);
        check(&Transition {
            before: &before,
            after: &model.ledger,
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

//! Random ledger histories for property tests, shipped behind the `testing` feature: a step
//! vocabulary, a proptest strategy for whole histories, and [`HistoryModel`], which issues each
//! step through the aggregates' `decide` with the facts a caller would load.
//!
//! The domain's own visibility properties run on it, and other crates append the events it
//! returns to a real store and compare their read models with [`HistoryModel::ledger`].
//!
//! ```
//! use ledgerdesk_domain::testing::history::{HistoryModel, steps};
//! use proptest::test_runner::TestRunner;
//!
//! let mut runner = TestRunner::deterministic();
//! runner
//!     .run(&steps(20), |steps| {
//!         let mut model = HistoryModel::new(7);
//!         for step in &steps {
//!             let actor = model.actor_of(step);
//!             for (stream, events) in model.apply(step) {
//!                 // A store test appends `events` to `stream` here, recorded as `actor`.
//!                 assert!(!events.is_empty(), "{stream} {actor} got an empty append");
//!             }
//!         }
//!         Ok(())
//!     })
//!     .expect("every generated history can be replayed");
//! ```

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

mod ids;
mod model;

pub use model::HistoryModel;

/// How many services a history can create.
const N_SERVICES: u8 = 3;
/// How many companies a history can register.
const N_COMPANIES: u8 = 3;
/// How many customers a history can register.
const N_CUSTOMERS: u8 = 6;
/// How many incidents a history can log.
const N_INCIDENTS: u8 = 8;

/// One command of a history, naming services, companies, customers and incidents by small
/// indexes into fixed pools of ids (an index past the end of its pool wraps around).
///
/// A step is only an intent: [`HistoryModel::apply`] turns it into a command with the facts the
/// ledger holds at that point, and a step whose command is refused or changes nothing appends
/// no events.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Creates the service with this index.
    CreateService(u8),
    /// Retires the service with this index.
    RetireService(u8),
    /// Registers a company with a set of services.
    RegisterCompany {
        /// The company's index.
        company: u8,
        /// The company's services, one bit per service index.
        services: u8,
    },
    /// Replaces a company's services.
    SetCompanyServices {
        /// The company's index.
        company: u8,
        /// The new services, one bit per service index.
        services: u8,
    },
    /// Grants a company one service.
    GrantCompanyService {
        /// The company's index.
        company: u8,
        /// The service's index.
        service: u8,
    },
    /// Revokes one service from a company.
    RevokeCompanyService {
        /// The company's index.
        company: u8,
        /// The service's index.
        service: u8,
    },
    /// Registers a customer, in a company or in none.
    RegisterCustomer {
        /// The customer's index.
        customer: u8,
        /// The company's index, or `None` for a customer without a company.
        company: Option<u8>,
        /// Portal access when either of the two low bits is set; company-wide visibility when
        /// bit 2 is set and the customer has a company.
        flags: u8,
        /// The customer's own services, one bit per service index, kept within the company's.
        services: u8,
    },
    /// Moves a customer to another company or to none.
    MoveCustomer {
        /// The customer's index.
        customer: u8,
        /// The new company's index, or `None` to leave every company.
        company: Option<u8>,
    },
    /// Grants or revokes a customer's portal access.
    SetPortalAccess {
        /// The customer's index.
        customer: u8,
        /// Whether the customer gains (`true`) or loses (`false`) access.
        granted: bool,
    },
    /// Grants or revokes a customer's visibility of the whole company's incidents.
    SetCompanyWide {
        /// The customer's index.
        customer: u8,
        /// Whether the flag is set (`true`) or cleared (`false`).
        granted: bool,
    },
    /// Replaces a customer's services.
    SetCustomerServices {
        /// The customer's index.
        customer: u8,
        /// The new services, one bit per service index.
        services: u8,
    },
    /// Grants a customer one service.
    GrantCustomerService {
        /// The customer's index.
        customer: u8,
        /// The service's index.
        service: u8,
    },
    /// Revokes one service from a customer.
    RevokeCustomerService {
        /// The customer's index.
        customer: u8,
        /// The service's index.
        service: u8,
    },
    /// Logs an incident, by staff or through the portal by its customer.
    LogIncident {
        /// The incident's index.
        incident: u8,
        /// The service's index.
        service: u8,
        /// The customer's index, or `None` for an incident without a customer.
        customer: Option<u8>,
        /// Whether staff show the incident in the portal (ignored when the customer logs it).
        shown: bool,
        /// Whether the customer logs it through the portal (only when there is a customer).
        by_customer: bool,
    },
    /// Moves an incident to another customer or to none, re-stamping its company.
    ChangeIncidentCustomer {
        /// The incident's index.
        incident: u8,
        /// The new customer's index, or `None` to detach the incident from any customer.
        customer: Option<u8>,
    },
    /// Moves an incident to another service.
    ChangeIncidentService {
        /// The incident's index.
        incident: u8,
        /// The new service's index.
        service: u8,
    },
    /// Shows an incident in the portal or hides it.
    SetShown {
        /// The incident's index.
        incident: u8,
        /// Whether the incident is shown (`true`) or hidden (`false`).
        shown: bool,
    },
    /// Adds a public or internal comment to an incident.
    Comment {
        /// The incident's index.
        incident: u8,
        /// The comment's index within the incident; reusing one adds nothing.
        n: u8,
        /// Whether customers may read the comment.
        public: bool,
        /// Whether the incident's customer writes it (staff write it when there is none).
        by_customer: bool,
        /// Whether staff ask for the customer to be notified.
        notify: bool,
    },
    /// Changes an incident's status.
    ChangeStatus {
        /// The incident's index.
        incident: u8,
        /// An index into `IncidentStatus::ALL`, wrapping around.
        status: u8,
    },
}

/// A history: every service created, every company registered, every customer registered and
/// every incident logged, each with random values, then up to `max_len` random steps.
///
/// Setup steps can still be refused (an incident of a customer who could not register), so a
/// history does not always contain every id of the pools.
pub fn steps(max_len: usize) -> impl Strategy<Value = Vec<Step>> {
    (setup(), vec(step(), 0..=max_len)).prop_map(|(mut setup, random)| {
        setup.extend(random);
        setup
    })
}

/// The setup steps of a history, in dependency order.
fn setup() -> impl Strategy<Value = Vec<Step>> {
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
    (companies, customers, incidents).prop_map(|(companies, customers, incidents)| {
        let services = (0..N_SERVICES).map(Step::CreateService);
        let companies = (0..N_COMPANIES)
            .zip(companies)
            .map(|(company, services)| Step::RegisterCompany { company, services });
        let customers = (0..N_CUSTOMERS).zip(customers).map(|(customer, setup)| {
            let (company, flags, services) = setup;
            Step::RegisterCustomer {
                customer,
                company,
                flags,
                services,
            }
        });
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
            .collect()
    })
}

/// One random step, weighted towards the steps that move visibility.
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

//! The demo's data: the customer portal blog's example (services A-H, companies A-C, customers
//! A-H), two staff users and a few incidents per customer, as plain values.
//!
//! `ledgerdesk demo` writes exactly this, and the end-to-end tests derive from it what each
//! customer should see. Every entity has a fixed id (`*_id`), so a second run finds what the
//! first one wrote instead of writing it again.

use ledgerdesk_domain::{CompanyId, CustomerId, IncidentId, ServiceId, UserId};
use uuid::Uuid;

/// A service, named after its letter in the blog.
#[derive(Debug, Clone, Copy)]
pub struct DemoService {
    /// The blog's letter, `A` to `H`.
    pub letter: &'static str,
    /// The display name.
    pub name: &'static str,
}

/// A company and the services it has access to.
#[derive(Debug, Clone, Copy)]
pub struct DemoCompany {
    /// The blog's letter, `A` to `C`.
    pub letter: &'static str,
    /// The display name.
    pub name: &'static str,
    /// Its services, by letter.
    pub services: &'static [&'static str],
}

/// A customer with portal access and a published password.
#[derive(Debug, Clone, Copy)]
pub struct DemoCustomer {
    /// The blog's letter, `A` to `H`.
    pub letter: &'static str,
    /// The display name.
    pub name: &'static str,
    /// The sign-in address.
    pub email: &'static str,
    /// The demo password, printed by `ledgerdesk demo`.
    pub password: &'static str,
    /// Their company, by letter.
    pub company: Option<&'static str>,
    /// The services they are permissioned for, by letter (within their company's).
    pub services: &'static [&'static str],
    /// Whether they may add colleagues of their company to the portal.
    pub company_admin: bool,
    /// Whether they see every incident of their company on their services.
    pub see_company_incidents: bool,
}

/// A staff user with a published password.
#[derive(Debug, Clone, Copy)]
pub struct DemoStaff {
    /// The display name.
    pub name: &'static str,
    /// The sign-in address.
    pub email: &'static str,
    /// The demo password, printed by `ledgerdesk demo`.
    pub password: &'static str,
    /// `admin` or `agent`.
    pub role: &'static str,
}

/// An incident logged by staff, with its later status and comments.
#[derive(Debug, Clone, Copy)]
pub struct DemoIncident {
    /// The title, unique among the demo's incidents.
    pub title: &'static str,
    /// The description.
    pub description: &'static str,
    /// The internal incident type.
    pub incident_type: &'static str,
    /// The service, by letter.
    pub service: &'static str,
    /// The customer it is for, by letter; `None` for staff-only work.
    pub customer: Option<&'static str>,
    /// Whether it is shown in the portal.
    pub shown: bool,
    /// The status it ends in: `open`, `in_progress` or `resolved`.
    pub status: &'static str,
    /// Its comments, oldest first.
    pub comments: &'static [DemoComment],
}

/// A comment by the demo agent.
#[derive(Debug, Clone, Copy)]
pub struct DemoComment {
    /// The text.
    pub body: &'static str,
    /// Whether customers may read it; internal otherwise.
    pub public: bool,
}

/// Services A-H.
pub static SERVICES: [DemoService; 8] = [
    service("A", "Service A"),
    service("B", "Service B"),
    service("C", "Service C"),
    service("D", "Service D"),
    service("E", "Service E"),
    service("F", "Service F"),
    service("G", "Service G"),
    service("H", "Service H"),
];

/// Company A has services D and E; companies B and C both have F, G and H.
pub static COMPANIES: [DemoCompany; 3] = [
    DemoCompany {
        letter: "A",
        name: "Company A",
        services: &["D", "E"],
    },
    DemoCompany {
        letter: "B",
        name: "Company B",
        services: &["F", "G", "H"],
    },
    DemoCompany {
        letter: "C",
        name: "Company C",
        services: &["F", "G", "H"],
    },
];

/// Customers A-H as the blog lists them; where the blog allows a choice of services, the demo
/// picks one that shows a rule (E lacks H, H lacks G), and F and G see their company's incidents.
pub static CUSTOMERS: [DemoCustomer; 8] = [
    customer("A", None, &["A"], false, false),
    customer("B", None, &["B", "C"], false, false),
    customer("C", None, &["C"], false, false),
    customer("D", Some("A"), &["D", "E"], false, false),
    customer("E", Some("B"), &["F", "G"], true, false),
    customer("F", Some("B"), &["F", "G", "H"], false, true),
    customer("G", Some("C"), &["F", "G", "H"], true, true),
    customer("H", Some("C"), &["F", "H"], false, false),
];

/// The demo admin and the demo agent (who works every incident).
pub static STAFF: [DemoStaff; 2] = [
    DemoStaff {
        name: "Demo Admin",
        email: "admin@demo.example",
        password: "demo-admin-password",
        role: "admin",
    },
    DemoStaff {
        name: "Demo Agent",
        email: "agent@demo.example",
        password: "demo-agent-password",
        role: "agent",
    },
];

/// The agent's index in [`STAFF`].
pub const AGENT: usize = 1;

/// A few incidents per customer: some hidden from the portal, some with internal comments, some
/// on a service their customer is not permissioned for, and one for no customer.
pub static INCIDENTS: [DemoIncident; 18] = [
    DemoIncident {
        title: "Service A is slow every morning",
        description: "Pages take half a minute to load between 8 and 10.",
        incident_type: "bug",
        service: "A",
        customer: Some("A"),
        shown: true,
        status: "in_progress",
        comments: &[
            public("We can reproduce the slowdown and are working on it."),
            internal("The nightly batch overruns into the morning peak."),
        ],
    },
    DemoIncident {
        title: "Duplicate invoice for service A",
        description: "Billed twice for March.",
        incident_type: "query",
        service: "A",
        customer: Some("A"),
        shown: false,
        status: "open",
        comments: &[internal(
            "Billing is checking; hidden until finance confirms the refund.",
        )],
    },
    DemoIncident {
        title: "Export from service B fails",
        description: "The CSV export stops at 1,000 rows.",
        incident_type: "bug",
        service: "B",
        customer: Some("B"),
        shown: true,
        status: "resolved",
        comments: &[public(
            "Fixed in today's release; exports are complete again.",
        )],
    },
    DemoIncident {
        title: "Service C report lacks the region column",
        description: "The monthly report no longer shows regions.",
        incident_type: "bug",
        service: "C",
        customer: Some("B"),
        shown: true,
        status: "open",
        comments: &[internal(
            "Same cause as the login timeouts on service C; fix both together.",
        )],
    },
    DemoIncident {
        title: "Service C sign-in page times out",
        description: "The sign-in page spins and then shows a timeout.",
        incident_type: "bug",
        service: "C",
        customer: Some("C"),
        shown: true,
        status: "open",
        comments: &[public("Thanks, we are looking into it.")],
    },
    DemoIncident {
        title: "Service C licence renewal",
        description: "Renew the licence before it lapses at the end of the month.",
        incident_type: "service_request",
        service: "C",
        customer: Some("C"),
        shown: false,
        status: "open",
        comments: &[],
    },
    DemoIncident {
        title: "Service D mailbox is full",
        description: "Cannot receive mail since this morning.",
        incident_type: "service_request",
        service: "D",
        customer: Some("D"),
        shown: true,
        status: "in_progress",
        comments: &[internal("Quota raise needs Company A's approval.")],
    },
    DemoIncident {
        title: "Service E printer is offline",
        description: "The second floor printer shows offline.",
        incident_type: "bug",
        service: "E",
        customer: Some("D"),
        shown: true,
        status: "open",
        comments: &[],
    },
    DemoIncident {
        title: "Service F VPN drops every hour",
        description: "The VPN disconnects on the hour.",
        incident_type: "bug",
        service: "F",
        customer: Some("E"),
        shown: true,
        status: "in_progress",
        comments: &[
            public("A new client version is on its way to you."),
            internal("Client 4.2 has a known keep-alive bug."),
        ],
    },
    DemoIncident {
        title: "Service G password reset",
        description: "Locked out after three attempts.",
        incident_type: "service_request",
        service: "G",
        customer: Some("E"),
        shown: true,
        status: "resolved",
        comments: &[public("Your password has been reset.")],
    },
    DemoIncident {
        title: "Service H storage quota increase",
        description: "Please raise the team's quota to 500 GB.",
        incident_type: "service_request",
        service: "H",
        customer: Some("E"),
        shown: true,
        status: "open",
        comments: &[],
    },
    DemoIncident {
        title: "Service F file share is slow",
        description: "Opening large files takes minutes.",
        incident_type: "bug",
        service: "F",
        customer: Some("F"),
        shown: true,
        status: "open",
        comments: &[internal("Storage array rebuild in progress.")],
    },
    DemoIncident {
        title: "Service H backup report",
        description: "Weekly backup report for Company B.",
        incident_type: "query",
        service: "H",
        customer: Some("F"),
        shown: false,
        status: "open",
        comments: &[],
    },
    DemoIncident {
        title: "Service F VPN certificate expired",
        description: "Everyone at Company C gets a certificate warning.",
        incident_type: "bug",
        service: "F",
        customer: Some("G"),
        shown: true,
        status: "open",
        comments: &[internal("Renewal was missed; add it to the calendar.")],
    },
    DemoIncident {
        title: "Service G account for a new starter",
        description: "A new colleague starts on Monday.",
        incident_type: "service_request",
        service: "G",
        customer: Some("G"),
        shown: true,
        status: "in_progress",
        comments: &[public("The account is created; the welcome pack follows.")],
    },
    DemoIncident {
        title: "Service H disk nearly full",
        description: "The shared disk is at 95%.",
        incident_type: "bug",
        service: "H",
        customer: Some("H"),
        shown: true,
        status: "open",
        comments: &[],
    },
    DemoIncident {
        title: "Service G calendar does not sync",
        description: "Meetings booked on the phone do not appear on the desktop.",
        incident_type: "bug",
        service: "G",
        customer: Some("H"),
        shown: true,
        status: "open",
        comments: &[],
    },
    DemoIncident {
        title: "Planned maintenance on service F",
        description: "Firmware upgrade of the core switches on Saturday night.",
        incident_type: "service_request",
        service: "F",
        customer: None,
        shown: true,
        status: "open",
        comments: &[internal("Change approved by the change board.")],
    },
];

/// The fixed id of service `letter`.
///
/// # Panics
/// When `letter` is not one of [`SERVICES`] (a mistake in this file).
#[must_use]
pub fn service_id(letter: &str) -> ServiceId {
    ServiceId::from_uuid(fixed_uuid(1, index_of(SERVICES.map(|s| s.letter), letter)))
}

/// The fixed id of company `letter`.
///
/// # Panics
/// When `letter` is not one of [`COMPANIES`].
#[must_use]
pub fn company_id(letter: &str) -> CompanyId {
    CompanyId::from_uuid(fixed_uuid(2, index_of(COMPANIES.map(|c| c.letter), letter)))
}

/// The fixed id of customer `letter`.
///
/// # Panics
/// When `letter` is not one of [`CUSTOMERS`].
#[must_use]
pub fn customer_id(letter: &str) -> CustomerId {
    CustomerId::from_uuid(fixed_uuid(3, index_of(CUSTOMERS.map(|c| c.letter), letter)))
}

/// The fixed id of the staff user at `index` in [`STAFF`].
#[must_use]
pub fn user_id(index: usize) -> UserId {
    UserId::from_uuid(fixed_uuid(4, index))
}

/// The fixed id of the incident at `index` in [`INCIDENTS`].
#[must_use]
pub fn incident_id(index: usize) -> IncidentId {
    IncidentId::from_uuid(fixed_uuid(5, index))
}

const fn service(letter: &'static str, name: &'static str) -> DemoService {
    DemoService { letter, name }
}

const fn customer(
    letter: &'static str,
    company: Option<&'static str>,
    services: &'static [&'static str],
    company_admin: bool,
    see_company_incidents: bool,
) -> DemoCustomer {
    // Names, addresses and passwords follow the letter, so they are easy to guess in a demo.
    let (name, email, password) = match letter.as_bytes() {
        b"A" => ("Customer A", "customer.a@demo.example", "demo-password-a"),
        b"B" => ("Customer B", "customer.b@demo.example", "demo-password-b"),
        b"C" => ("Customer C", "customer.c@demo.example", "demo-password-c"),
        b"D" => ("Customer D", "customer.d@demo.example", "demo-password-d"),
        b"E" => ("Customer E", "customer.e@demo.example", "demo-password-e"),
        b"F" => ("Customer F", "customer.f@demo.example", "demo-password-f"),
        b"G" => ("Customer G", "customer.g@demo.example", "demo-password-g"),
        _ => ("Customer H", "customer.h@demo.example", "demo-password-h"),
    };
    DemoCustomer {
        letter,
        name,
        email,
        password,
        company,
        services,
        company_admin,
        see_company_incidents,
    }
}

const fn public(body: &'static str) -> DemoComment {
    DemoComment { body, public: true }
}

const fn internal(body: &'static str) -> DemoComment {
    DemoComment {
        body,
        public: false,
    }
}

fn index_of<const N: usize>(letters: [&str; N], letter: &str) -> usize {
    letters
        .iter()
        .position(|candidate| *candidate == letter)
        .unwrap_or_else(|| panic!("the demo has no entity with letter {letter}"))
}

/// A `UUIDv7` with a fixed time (2025-01-01) that encodes the kind of entity and its index, so
/// that every run of the demo names the same streams.
fn fixed_uuid(kind: u8, index: usize) -> Uuid {
    const DEMO_EPOCH_MILLIS: u64 = 1_735_689_600_000;
    let index = u8::try_from(index).expect("the demo has fewer than 256 entities of each kind");
    let tail = [0, kind, 0, index, 0, 0, 0, 0, 0, 0];
    uuid::Builder::from_unix_timestamp_millis(DEMO_EPOCH_MILLIS, &tail).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_id_is_a_distinct_uuid_v7() {
        let mut ids: Vec<Uuid> = SERVICES
            .iter()
            .map(|s| service_id(s.letter).as_uuid())
            .chain(COMPANIES.iter().map(|c| company_id(c.letter).as_uuid()))
            .chain(CUSTOMERS.iter().map(|c| customer_id(c.letter).as_uuid()))
            .chain((0..STAFF.len()).map(|i| user_id(i).as_uuid()))
            .chain((0..INCIDENTS.len()).map(|i| incident_id(i).as_uuid()))
            .collect();
        let n_ids = ids.len();
        ids.sort();
        ids.dedup();

        assert_eq!(ids.len(), n_ids, "no two demo entities share an id");
        assert!(ids.iter().all(|id| id.get_version_num() == 7));
    }

    #[test]
    fn customers_services_lie_within_their_companys() {
        for customer in CUSTOMERS {
            let Some(company) = customer.company else {
                continue;
            };
            let company = COMPANIES.iter().find(|c| c.letter == company).unwrap();
            for service in customer.services {
                assert!(
                    company.services.contains(service),
                    "customer {} has service {service} outside company {}",
                    customer.letter,
                    company.letter
                );
            }
        }
    }
}

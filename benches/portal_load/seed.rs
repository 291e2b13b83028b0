//! Seeding the benchmark's data set through the real domain and store: services, companies,
//! customers and incidents are decided by the aggregates' `decide` and appended one stream at a
//! time (each stream's events in one batch) through `ledgerdesk_api::write::Writer`, as
//! `ledgerdesk demo` does. The plan is kept in memory so that the expected answers can be
//! computed with the visibility rule itself.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use ledgerdesk_api::password;
use ledgerdesk_api::write::{StreamState, Writer, decide_all};
use ledgerdesk_domain::company::{CompanyCommand, CompanyState};
use ledgerdesk_domain::customer::{
    CompanyServices, CustomerCommand, CustomerFacts, CustomerState, RegisterCustomer,
};
use ledgerdesk_domain::incident::{
    AddComment, IncidentCommand, IncidentState, IncidentStatus, LogIncident, LoggedBy,
};
use ledgerdesk_domain::service::{ServiceCommand, ServiceFacts, ServiceState};
use ledgerdesk_domain::user::{Role, UserCommand, UserFacts, UserState};
use ledgerdesk_domain::value::{
    CommentBody, Description, Email, IncidentTitle, IncidentType, Name, PasswordHash,
};
use ledgerdesk_domain::visibility::{IncidentFacts, Viewer, can_see};
use ledgerdesk_domain::{
    Actor, Channel, CommentId, CompanyId, CustomerId, IncidentId, IncidentReference, ServiceId,
    StreamName, UserId,
};
use ledgerdesk_projections::db::ReadDb;
use ledgerdesk_store::{AnyStore, ExpectedVersion};
use tokio::task::JoinSet;

use crate::Dice;

/// The password every seeded customer signs in with.
pub(crate) const PASSWORD: &str = "portal-load-benchmark";

/// How big the data set is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) services: usize,
    pub(crate) companies: usize,
    pub(crate) customers_per_company: usize,
    /// Customers without a company, who see only their own incidents.
    pub(crate) customers_without_company: usize,
    pub(crate) incidents: usize,
    /// How many incidents are appended at the same time.
    pub(crate) writers: usize,
}

/// One seeded customer, as the rule sees them.
#[derive(Clone, Debug)]
pub(crate) struct SeededCustomer {
    pub(crate) customer_id: CustomerId,
    pub(crate) email: String,
    pub(crate) company_id: Option<CompanyId>,
    pub(crate) see_company_incidents: bool,
    pub(crate) services: BTreeSet<ServiceId>,
}

/// What was written, kept to compute expected answers.
#[derive(Debug)]
pub(crate) struct DataSet {
    pub(crate) customers: Vec<SeededCustomer>,
    pub(crate) company_services: BTreeMap<CompanyId, BTreeSet<ServiceId>>,
    /// Each incident's reference number and the facts the rule reads.
    pub(crate) incidents: Vec<(u64, IncidentFacts)>,
    pub(crate) n_services: usize,
    pub(crate) n_hidden: usize,
    pub(crate) n_comments: usize,
}

/// One incident to log: who for, on what, and what happens to it afterwards.
#[derive(Clone, Debug)]
struct IncidentPlan {
    reference: u64,
    customer: CustomerFacts,
    service_id: ServiceId,
    shown_at_log: bool,
    hidden_later: bool,
    status: IncidentStatus,
    public_comments: usize,
    internal_comments: usize,
}

/// Writes the whole data set and returns what it holds.
///
/// # Errors
/// When a command breaks a rule (a bug in the plan) or an append fails.
pub(crate) async fn seed(store: &AnyStore, plan: &Plan) -> anyhow::Result<DataSet> {
    let writer = Writer {
        db: ReadDb::of(store),
        store: store.clone(),
        actor: Actor::System,
        channel: Channel::Cli,
        correlation_id: uuid::Uuid::now_v7(),
        wait_for_read_model: None,
    };
    let hash = password::hash_blocking(PASSWORD.to_owned()).await?;
    let mut dice = Dice::new(0x5eed);

    let services = create_services(&writer, plan.services).await?;
    let agent = create_agent(&writer, hash.clone()).await?;
    let company_services = register_companies(&writer, &services, plan, &mut dice).await?;
    let customers = register_customers(
        &writer,
        &company_services,
        &services,
        plan,
        &hash,
        &mut dice,
    )
    .await?;
    let incidents = plan_incidents(&customers, &company_services, plan.incidents, &mut dice);
    let n_comments = incidents
        .iter()
        .map(|incident| incident.public_comments + incident.internal_comments)
        .sum();
    let facts = log_incidents(&writer, agent, incidents, plan.writers).await?;

    Ok(DataSet {
        n_hidden: facts.iter().filter(|(_, f)| !f.shown_in_portal).count(),
        customers,
        company_services,
        incidents: facts,
        n_services: services.len(),
        n_comments,
    })
}

impl DataSet {
    /// The references a customer's first page must show, newest first, by the visibility rule
    /// on the plan, and how many incidents they can see in all.
    pub(crate) fn expected_first_page(
        &self,
        customer: &SeededCustomer,
        limit: usize,
    ) -> (Vec<u64>, usize) {
        let viewer = Viewer {
            customer_id: customer.customer_id,
            company_id: customer.company_id,
            portal_access: true,
            see_company_incidents: customer.see_company_incidents,
            services: &customer.services,
        };
        let company_services = customer
            .company_id
            .and_then(|company| self.company_services.get(&company));
        let mut visible: Vec<u64> = self
            .incidents
            .iter()
            .filter(|(_, facts)| can_see(&viewer, facts, company_services).is_some())
            .map(|(reference, _)| *reference)
            .collect();
        let n_visible = visible.len();
        visible.sort_unstable_by(|a, b| b.cmp(a));
        visible.truncate(limit);
        (visible, n_visible)
    }
}

async fn create_services(writer: &Writer, n: usize) -> anyhow::Result<Vec<ServiceId>> {
    let mut services = Vec::with_capacity(n);
    for index in 0..n {
        let service_id = ServiceId::from_uuid(uuid::Uuid::now_v7());
        let cmd = ServiceCommand::Create {
            service_id,
            name: Name::parse(&format!("Service {index}"))?,
        };
        append_new::<ServiceState>(writer, &StreamName::service(service_id), vec![cmd]).await?;
        services.push(service_id);
    }
    Ok(services)
}

/// The agent incidents are assigned to.
async fn create_agent(writer: &Writer, hash: PasswordHash) -> anyhow::Result<UserFacts> {
    let user_id = UserId::from_uuid(uuid::Uuid::now_v7());
    let cmd = UserCommand::Create {
        user_id,
        name: Name::parse("Load Agent")?,
        email: Email::parse("agent@load.example")?,
        role: Role::Agent,
        password_hash: hash,
    };
    append_new::<UserState>(writer, &StreamName::user(user_id), vec![cmd]).await?;
    Ok(UserFacts {
        user_id,
        active: true,
    })
}

/// Companies with three to five services each.
async fn register_companies(
    writer: &Writer,
    services: &[ServiceId],
    plan: &Plan,
    dice: &mut Dice,
) -> anyhow::Result<BTreeMap<CompanyId, BTreeSet<ServiceId>>> {
    let mut companies = BTreeMap::new();
    for index in 0..plan.companies {
        let company_id = CompanyId::from_uuid(uuid::Uuid::now_v7());
        let n_services = 3 + dice.below(3);
        let granted = dice.subset(services, n_services);
        let cmd = CompanyCommand::Register {
            company_id,
            name: Name::parse(&format!("Company {index}"))?,
            services: granted.clone(),
        };
        append_new::<CompanyState>(writer, &StreamName::company(company_id), vec![cmd]).await?;
        companies.insert(company_id, granted);
    }
    Ok(companies)
}

/// Customers of each company (one in three sees the company's incidents, the others only
/// their own) on two or more of the company's services, then customers without a company.
async fn register_customers(
    writer: &Writer,
    companies: &BTreeMap<CompanyId, BTreeSet<ServiceId>>,
    services: &[ServiceId],
    plan: &Plan,
    hash: &PasswordHash,
    dice: &mut Dice,
) -> anyhow::Result<Vec<SeededCustomer>> {
    let mut customers = Vec::new();
    for (company_id, company_services) in companies {
        let offered: Vec<ServiceId> = company_services.iter().copied().collect();
        for _ in 0..plan.customers_per_company {
            let n_services = 2 + dice.below(offered.len() - 1);
            customers.push(SeededCustomer {
                customer_id: CustomerId::from_uuid(uuid::Uuid::now_v7()),
                email: String::new(),
                company_id: Some(*company_id),
                see_company_incidents: dice.below(3) == 0,
                services: dice.subset(&offered, n_services),
            });
        }
    }
    for _ in 0..plan.customers_without_company {
        customers.push(SeededCustomer {
            customer_id: CustomerId::from_uuid(uuid::Uuid::now_v7()),
            email: String::new(),
            company_id: None,
            see_company_incidents: false,
            services: dice.subset(services, 2),
        });
    }

    for (index, customer) in customers.iter_mut().enumerate() {
        customer.email = format!("customer{index}@load.example");
        let company = customer.company_id.map(|company_id| CompanyServices {
            company_id,
            services: companies.get(&company_id).cloned().unwrap_or_default(),
        });
        let cmd = CustomerCommand::Register(RegisterCustomer {
            customer_id: customer.customer_id,
            name: Name::parse(&format!("Customer {index}"))?,
            email: Email::parse(&customer.email)?,
            company,
            portal_access: true,
            password_hash: Some(hash.clone()),
            company_admin: false,
            see_company_incidents: customer.see_company_incidents,
            services: customer.services.clone(),
            welcome_email: None,
        });
        let stream = StreamName::customer(customer.customer_id);
        append_new::<CustomerState>(writer, &stream, vec![cmd]).await?;
    }
    Ok(customers)
}

/// Incidents spread over the customers: mostly on the customer's own services, one in ten on
/// another service of the company (which the customer does not see); one in twenty logged
/// hidden from the portal and one in fifty hidden later; statuses and comments mixed.
fn plan_incidents(
    customers: &[SeededCustomer],
    companies: &BTreeMap<CompanyId, BTreeSet<ServiceId>>,
    n: usize,
    dice: &mut Dice,
) -> Vec<IncidentPlan> {
    (0..n)
        .map(|index| {
            let customer = &customers[dice.below(customers.len())];
            let company_services: Vec<ServiceId> = customer
                .company_id
                .and_then(|company| companies.get(&company))
                .map(|services| services.iter().copied().collect())
                .unwrap_or_default();
            let own: Vec<ServiceId> = customer.services.iter().copied().collect();
            let service_id = if dice.below(10) == 0 && !company_services.is_empty() {
                company_services[dice.below(company_services.len())]
            } else {
                own[dice.below(own.len())]
            };
            IncidentPlan {
                reference: u64::try_from(index + 1).unwrap_or(u64::MAX),
                customer: CustomerFacts {
                    customer_id: customer.customer_id,
                    company_id: customer.company_id,
                },
                service_id,
                shown_at_log: dice.below(20) != 0,
                hidden_later: dice.below(50) == 0,
                status: IncidentStatus::ALL[dice.below(IncidentStatus::ALL.len())],
                public_comments: dice.below(3),
                internal_comments: dice.below(2),
            }
        })
        .collect()
}

/// Logs every incident, `writers` at a time, each incident's events in one append; returns
/// each incident's reference and facts.
async fn log_incidents(
    writer: &Writer,
    agent: UserFacts,
    incidents: Vec<IncidentPlan>,
    writers: usize,
) -> anyhow::Result<Vec<(u64, IncidentFacts)>> {
    let facts: Vec<(u64, IncidentFacts)> = incidents
        .iter()
        .map(|incident| {
            let shown = incident.shown_at_log && !incident.hidden_later;
            let facts = IncidentFacts {
                customer_id: Some(incident.customer.customer_id),
                company_id: incident.customer.company_id,
                service_id: incident.service_id,
                shown_in_portal: shown,
            };
            (incident.reference, facts)
        })
        .collect();

    let chunk = incidents.len().div_ceil(writers.max(1)).max(1);
    let mut tasks = JoinSet::new();
    for part in incidents.chunks(chunk) {
        let (writer, part) = (writer.clone(), part.to_vec());
        tasks.spawn(async move {
            for incident in part {
                let incident_id = IncidentId::from_uuid(uuid::Uuid::now_v7());
                let commands = incident_commands(incident_id, &incident, agent)?;
                let stream = StreamName::incident(incident_id);
                append_new::<IncidentState>(&writer, &stream, commands).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("an incident writer panicked")??;
    }
    Ok(facts)
}

/// Logs the incident as staff would for the customer, adds comments, hides it when planned,
/// and moves it to its status.
fn incident_commands(
    incident_id: IncidentId,
    incident: &IncidentPlan,
    agent: UserFacts,
) -> anyhow::Result<Vec<IncidentCommand>> {
    let log = LogIncident {
        incident_id,
        // Handed out in order by the plan, as `references::reserve` would; nothing in the
        // benchmark logs another incident, so the reservation table is not filled.
        reference: IncidentReference::from_number(incident.reference)?,
        title: IncidentTitle::parse(&format!("Printer on floor {} jams", incident.reference % 9))?,
        description: Description::parse("It jams on every second page since this morning.")?,
        service: ServiceFacts {
            service_id: incident.service_id,
            retired: false,
        },
        assignee: Some(agent),
        channel: Channel::StaffApi,
        logged_by: LoggedBy::Staff {
            incident_type: IncidentType::parse("bug")?,
            customer: Some(incident.customer),
            show_in_portal: incident.shown_at_log,
        },
    };
    let mut commands = vec![IncidentCommand::Log(Box::new(log))];
    let n_comments = incident.public_comments + incident.internal_comments;
    for index in 0..n_comments {
        commands.push(IncidentCommand::AddComment(AddComment {
            comment_id: CommentId::from_uuid(uuid::Uuid::now_v7()),
            body: CommentBody::parse(&format!("Update {index}: looked into it."))?,
            public: index < incident.public_comments,
            author: Actor::Staff(agent.user_id),
            notify_customer: false,
            customer_can_see: false,
        }));
    }
    if incident.hidden_later && incident.shown_at_log {
        commands.push(IncidentCommand::HideFromPortal);
    }
    // Last: a closed incident takes no more comments.
    commands.extend(status_path(incident.status));
    Ok(commands)
}

/// The status changes that take a new incident to `status`, one step at a time.
fn status_path(status: IncidentStatus) -> Vec<IncidentCommand> {
    let steps: &[IncidentStatus] = match status {
        IncidentStatus::Open => &[],
        IncidentStatus::InProgress => &[IncidentStatus::InProgress],
        IncidentStatus::Resolved => &[IncidentStatus::InProgress, IncidentStatus::Resolved],
        IncidentStatus::Closed => &[
            IncidentStatus::InProgress,
            IncidentStatus::Resolved,
            IncidentStatus::Closed,
        ],
    };
    steps
        .iter()
        .map(|status| IncidentCommand::ChangeStatus { status: *status })
        .collect()
}

/// Decides `commands` against a new stream and appends the events in one batch.
async fn append_new<S>(
    writer: &Writer,
    stream: &StreamName,
    commands: Vec<S::Command>,
) -> anyhow::Result<()>
where
    S: StreamState,
    ledgerdesk_api::ApiError: From<S::Error>,
{
    let events = decide_all(S::default(), commands)
        .map_err(ledgerdesk_api::ApiError::from)
        .with_context(|| format!("the plan for {stream} breaks a rule"))?;
    writer
        .append::<S>(stream, ExpectedVersion::NoStream, &events)
        .await
        .with_context(|| format!("failed to append to stream {stream}"))?;
    Ok(())
}

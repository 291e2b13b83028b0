//! `ledgerdesk demo`: loads the customer portal blog's example (`demo/data.rs`) through the
//! domain and the store, as `system` on the `cli` channel, then brings the read model up to date
//! and prints every demo account.
//!
//! Every demo entity has a fixed id, so a second run finds each stream already written and skips
//! it; a ledger that began with anything other than the demo is refused.

pub mod data;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use ledgerdesk_api::ApiError;
use ledgerdesk_api::write::{StreamState, Writer, decide_all, load};
use ledgerdesk_api::{password, references};
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
    CommentBody, Description, Email, IncidentTitle, IncidentType, Name,
};
use ledgerdesk_domain::{Actor, Channel, CommentId, ServiceId, StreamName, UserId};
use ledgerdesk_projections::db::ReadDb;
use ledgerdesk_projections::{Projector, ProjectorConfig};
use ledgerdesk_store::{AnyStore, Checkpoint, EventStore, ExpectedVersion};

use crate::cli::DatabaseArgs;
use crate::command::demo::data::{
    COMPANIES, CUSTOMERS, DemoCustomer, DemoIncident, DemoStaff, INCIDENTS, SERVICES, STAFF,
};

/// Loads whatever part of the demo is missing, catches the read model up and prints the
/// accounts.
///
/// # Errors
/// When the database cannot be opened, the ledger began with other data, or a write fails.
pub async fn run(args: &DatabaseArgs) -> anyhow::Result<ExitCode> {
    let store = AnyStore::connect(&args.database_url)
        .await
        .context("failed to open the database")?;
    refuse_other_ledgers(&store).await?;
    let writer = Writer {
        db: ReadDb::of(&store),
        store: store.clone(),
        actor: Actor::System,
        channel: Channel::Cli,
        correlation_id: uuid::Uuid::now_v7(),
        wait_for_read_model: None,
    };

    let mut tally = Tally::default();
    load_services_and_companies(&writer, &mut tally).await?;
    load_people(&writer, &mut tally).await?;
    load_incidents(&writer, &mut tally).await?;
    Projector::start(store, ProjectorConfig::default())
        .await
        .context("failed to start the portal projection")?
        .catch_up()
        .await
        .context("failed to bring the portal read model up to date")?;

    print_accounts(&tally).context("failed to print the demo accounts")?;
    Ok(ExitCode::SUCCESS)
}

/// How many entities this run wrote and how many it found already there.
#[derive(Debug, Default)]
struct Tally {
    written: usize,
    skipped: usize,
}

/// Refuses a ledger whose first event is not on one of the demo's streams: the demo belongs in
/// a database of its own, not among real customers (its passwords are published).
async fn refuse_other_ledgers(store: &AnyStore) -> anyhow::Result<()> {
    let first = store
        .read_all(Checkpoint::START, 1)
        .await
        .context("failed to read the ledger")?;
    let Some(first) = first.first() else {
        return Ok(());
    };
    if !demo_streams().contains(&first.stream) {
        anyhow::bail!(
            "the ledger already holds data that is not the demo; load the demo into a new \
             database instead (e.g. --database-url sqlite://demo.db)"
        );
    }
    Ok(())
}

/// Services and companies, each unless its stream exists.
async fn load_services_and_companies(writer: &Writer, tally: &mut Tally) -> anyhow::Result<()> {
    for service in SERVICES {
        let service_id = data::service_id(service.letter);
        let stream = StreamName::service(service_id);
        if tally.found(writer, &stream).await? {
            continue;
        }
        let cmd = ServiceCommand::Create {
            service_id,
            name: Name::parse(service.name)?,
        };
        append_new::<ServiceState>(writer, &stream, vec![cmd]).await?;
    }
    for company in COMPANIES {
        let company_id = data::company_id(company.letter);
        let stream = StreamName::company(company_id);
        if tally.found(writer, &stream).await? {
            continue;
        }
        let cmd = CompanyCommand::Register {
            company_id,
            name: Name::parse(company.name)?,
            services: service_ids(company.services),
        };
        append_new::<CompanyState>(writer, &stream, vec![cmd]).await?;
    }
    Ok(())
}

/// Staff users and customers, each unless its stream exists.
async fn load_people(writer: &Writer, tally: &mut Tally) -> anyhow::Result<()> {
    for (index, staff) in STAFF.iter().enumerate() {
        let stream = StreamName::user(data::user_id(index));
        if !tally.found(writer, &stream).await? {
            let commands = create_user(index, staff).await?;
            append_new::<UserState>(writer, &stream, commands).await?;
        }
    }
    for customer in &CUSTOMERS {
        let stream = StreamName::customer(data::customer_id(customer.letter));
        if !tally.found(writer, &stream).await? {
            let commands = register_customer(customer).await?;
            append_new::<CustomerState>(writer, &stream, commands).await?;
        }
    }
    Ok(())
}

/// Every incident, logged with its status changes and comments in one append, unless its
/// stream exists.
async fn load_incidents(writer: &Writer, tally: &mut Tally) -> anyhow::Result<()> {
    for (index, incident) in INCIDENTS.iter().enumerate() {
        let stream = StreamName::incident(data::incident_id(index));
        if !tally.found(writer, &stream).await? {
            let commands = log_incident(writer, index, incident).await?;
            append_new::<IncidentState>(writer, &stream, commands).await?;
        }
    }
    Ok(())
}

impl Tally {
    /// Whether `stream` already has events (an earlier run wrote it), counting it as skipped
    /// if so and as written otherwise.
    async fn found(&mut self, writer: &Writer, stream: &StreamName) -> anyhow::Result<bool> {
        let version = writer
            .store
            .stream_version(stream)
            .await
            .with_context(|| format!("failed to read stream {stream}"))?;
        if version > 0 {
            self.skipped += 1;
            return Ok(true);
        }
        self.written += 1;
        Ok(false)
    }
}

/// Decides `commands` against a new stream and appends the events, expecting no stream.
async fn append_new<S>(
    writer: &Writer,
    stream: &StreamName,
    commands: Vec<S::Command>,
) -> anyhow::Result<()>
where
    S: StreamState,
    ApiError: From<S::Error>,
{
    let events = decide_all(S::default(), commands)
        .map_err(ApiError::from)
        .with_context(|| format!("the demo's {stream} breaks a rule"))?;
    writer
        .append::<S>(stream, ExpectedVersion::NoStream, &events)
        .await
        .with_context(|| format!("failed to append to stream {stream}"))?;
    Ok(())
}

async fn create_user(index: usize, staff: &DemoStaff) -> anyhow::Result<Vec<UserCommand>> {
    Ok(vec![UserCommand::Create {
        user_id: data::user_id(index),
        name: Name::parse(staff.name)?,
        email: Email::parse(staff.email)?,
        role: Role::parse(staff.role)?,
        password_hash: password::hash_blocking(staff.password.to_owned()).await?,
    }])
}

async fn register_customer(customer: &DemoCustomer) -> anyhow::Result<Vec<CustomerCommand>> {
    let company = customer.company.map(|letter| {
        let company = COMPANIES.iter().find(|company| company.letter == letter);
        CompanyServices {
            company_id: data::company_id(letter),
            services: service_ids(company.map_or(&[], |company| company.services)),
        }
    });
    Ok(vec![CustomerCommand::Register(RegisterCustomer {
        customer_id: data::customer_id(customer.letter),
        name: Name::parse(customer.name)?,
        email: Email::parse(customer.email)?,
        company,
        portal_access: true,
        password_hash: Some(password::hash_blocking(customer.password.to_owned()).await?),
        company_admin: customer.company_admin,
        see_company_incidents: customer.see_company_incidents,
        services: service_ids(customer.services),
        welcome_email: None,
    })])
}

/// Logs the incident for its customer as the agent would, assigned to the agent, then moves it
/// to its status and adds its comments.
async fn log_incident(
    writer: &Writer,
    index: usize,
    incident: &DemoIncident,
) -> anyhow::Result<Vec<IncidentCommand>> {
    let incident_id = data::incident_id(index);
    let agent_id = data::user_id(data::AGENT);
    let (service, customer, agent) = facts(&writer.store, incident, agent_id).await?;

    let reference = references::reserve(&writer.db, incident_id).await?;
    let log = LogIncident {
        incident_id,
        reference,
        title: IncidentTitle::parse(incident.title)?,
        description: Description::parse(incident.description)?,
        service,
        assignee: Some(agent),
        channel: Channel::Cli,
        logged_by: LoggedBy::Staff {
            incident_type: IncidentType::parse(incident.incident_type)?,
            customer,
            show_in_portal: incident.shown,
        },
    };
    let mut commands = vec![IncidentCommand::Log(Box::new(log))];
    commands.extend(status_path(incident.status)?);
    for comment in incident.comments {
        commands.push(IncidentCommand::AddComment(AddComment {
            comment_id: CommentId::from_uuid(uuid::Uuid::now_v7()),
            body: CommentBody::parse(comment.body)?,
            public: comment.public,
            author: Actor::Staff(agent_id),
            notify_customer: false,
            customer_can_see: false,
        }));
    }
    Ok(commands)
}

/// The facts logging `incident` needs from other streams: its service, its customer, the agent.
async fn facts(
    store: &AnyStore,
    incident: &DemoIncident,
    agent_id: UserId,
) -> anyhow::Result<(ServiceFacts, Option<CustomerFacts>, UserFacts)> {
    let service_stream = StreamName::service(data::service_id(incident.service));
    let service = load::<ServiceState>(store, &service_stream)
        .await?
        .state
        .service()
        .map(|service| service.facts())
        .context("the demo's service is missing")?;
    let customer = match incident.customer {
        Some(letter) => {
            let stream = StreamName::customer(data::customer_id(letter));
            let loaded = load::<CustomerState>(store, &stream).await?;
            let customer = loaded.state.customer().map(|customer| customer.facts());
            Some(customer.context("the demo's customer is missing")?)
        }
        None => None,
    };
    let agent = load::<UserState>(store, &StreamName::user(agent_id))
        .await?
        .state
        .user()
        .map(|user| user.facts())
        .context("the demo's agent is missing")?;
    Ok((service, customer, agent))
}

/// The status changes that take a new incident to `status`, one step at a time.
fn status_path(status: &str) -> anyhow::Result<Vec<IncidentCommand>> {
    let target = IncidentStatus::parse(status)?;
    let path = match target {
        IncidentStatus::Open => vec![],
        IncidentStatus::InProgress => vec![IncidentStatus::InProgress],
        IncidentStatus::Resolved => vec![IncidentStatus::InProgress, IncidentStatus::Resolved],
        IncidentStatus::Closed => vec![
            IncidentStatus::InProgress,
            IncidentStatus::Resolved,
            IncidentStatus::Closed,
        ],
    };
    Ok(path
        .into_iter()
        .map(|status| IncidentCommand::ChangeStatus { status })
        .collect())
}

fn service_ids(letters: &[&str]) -> BTreeSet<ServiceId> {
    letters
        .iter()
        .map(|letter| data::service_id(letter))
        .collect()
}

/// Every stream the demo writes.
fn demo_streams() -> BTreeSet<StreamName> {
    let services = SERVICES
        .iter()
        .map(|service| StreamName::service(data::service_id(service.letter)));
    let companies = COMPANIES
        .iter()
        .map(|company| StreamName::company(data::company_id(company.letter)));
    let customers = CUSTOMERS
        .iter()
        .map(|customer| StreamName::customer(data::customer_id(customer.letter)));
    let users = (0..STAFF.len()).map(|index| StreamName::user(data::user_id(index)));
    let incidents =
        (0..INCIDENTS.len()).map(|index| StreamName::incident(data::incident_id(index)));
    services
        .chain(companies)
        .chain(customers)
        .chain(users)
        .chain(incidents)
        .collect()
}

/// What was loaded, then every account with its password.
fn print_accounts(tally: &Tally) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if tally.written == 0 {
        writeln!(out, "The demo was already loaded; nothing was added.")?;
    } else if tally.skipped > 0 {
        writeln!(
            out,
            "Completed the demo: {} entities added, {} already there.",
            tally.written, tally.skipped
        )?;
    } else {
        writeln!(
            out,
            "Loaded the demo: {} services, {} companies, {} customers, {} staff users and {} \
             incidents.",
            SERVICES.len(),
            COMPANIES.len(),
            CUSTOMERS.len(),
            STAFF.len(),
            INCIDENTS.len()
        )?;
    }
    writeln!(
        out,
        "\nDemo accounts (their passwords are published: never load the demo into a real desk):"
    )?;
    writeln!(out, "\nStaff, sign in at POST /api/session:")?;
    for staff in STAFF {
        writeln!(
            out,
            "  {:<26} {:<22} {}",
            staff.email, staff.password, staff.role
        )?;
    }
    writeln!(out, "\nCustomers, sign in at POST /portal/api/session:")?;
    for customer in CUSTOMERS {
        writeln!(
            out,
            "  {:<26} {:<22} {}",
            customer.email,
            customer.password,
            describe(&customer)
        )?;
    }
    Ok(())
}

/// `Customer E, Company B, services F G, company admin`.
fn describe(customer: &DemoCustomer) -> String {
    let company = customer.company.map_or("no company".to_owned(), |letter| {
        format!("Company {letter}")
    });
    let mut text = format!(
        "{}, {company}, services {}",
        customer.name,
        customer.services.join(" ")
    );
    if customer.company_admin {
        text.push_str(", company admin");
    }
    if customer.see_company_incidents {
        text.push_str(", sees the company's incidents");
    }
    text
}

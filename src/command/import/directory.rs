//! The services, companies, customers and staff users an import needs, created on first use and
//! granted the services their incidents use.
//!
//! Each stream is loaded from the ledger once and then kept in memory, so a resumed import
//! starts from what is there and decides nothing twice. Memory grows with the number of
//! distinct entities, not with the number of rows.

use std::collections::{BTreeSet, HashMap};

use anyhow::Context as _;
use ledgerdesk_api::write::{StreamState, decide_all, load};
use ledgerdesk_domain::company::{CompanyCommand, CompanyState};
use ledgerdesk_domain::customer::{
    CompanyServices, CustomerCommand, CustomerFacts, CustomerState, RegisterCustomer,
};
use ledgerdesk_domain::service::{ServiceCommand, ServiceFacts, ServiceState};
use ledgerdesk_domain::user::{Role, UserCommand, UserFacts, UserState};
use ledgerdesk_domain::value::{Email, Name, PasswordHash};
use ledgerdesk_domain::{CompanyId, CustomerId, ServiceId, StreamName, UserId};

use crate::command::import::ledger::{Ledger, Stamp, Stamped};
use crate::command::import::rows::SourceRow;

/// Stands in for the password of imported staff users: not a hash of anything, so no password
/// signs in with it until an admin sets one.
const NO_PASSWORD: &str = "!imported-without-password";

/// The facts an incident's commands need about one row's service, customer and assignee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowFacts {
    /// The row's service.
    pub service: ServiceFacts,
    /// The row's customer, with their company.
    pub customer: Option<CustomerFacts>,
    /// The row's assignee.
    pub assignee: Option<UserFacts>,
}

/// The entities known so far, by id.
pub struct Directory {
    ledger: Ledger,
    email_domain: String,
    services: HashMap<ServiceId, Entry<ServiceState>>,
    companies: HashMap<CompanyId, Entry<CompanyState>>,
    customers: HashMap<CustomerId, Entry<CustomerState>>,
    users: HashMap<UserId, Entry<UserState>>,
}

/// One stream's state and version.
struct Entry<S> {
    stream: StreamName,
    state: S,
    version: u64,
}

impl Directory {
    /// An empty directory over the ledger.
    #[must_use]
    pub fn new(ledger: Ledger, email_domain: String) -> Self {
        Self {
            ledger,
            email_domain,
            services: HashMap::new(),
            companies: HashMap::new(),
            customers: HashMap::new(),
            users: HashMap::new(),
        }
    }

    /// The facts of `row` as they will be once [`Directory::ensure`] has run for it: existing
    /// entities as the ledger holds them, new ones as the import will create them.
    ///
    /// # Errors
    /// When a stream cannot be read.
    pub async fn facts(&mut self, row: &SourceRow) -> anyhow::Result<RowFacts> {
        let ids = self.ledger.ids;
        let service_id = ids.service(&row.service);
        let service = entry(
            &self.ledger,
            &mut self.services,
            service_id,
            StreamName::service,
        )
        .await?
        .state
        .service()
        .map_or(
            ServiceFacts {
                service_id,
                retired: false,
            },
            |service| service.facts(),
        );
        let customer = match &row.customer {
            Some(key) => {
                let customer_id = ids.customer(key);
                let loaded = entry(
                    &self.ledger,
                    &mut self.customers,
                    customer_id,
                    StreamName::customer,
                )
                .await?;
                Some(loaded.state.customer().map_or(
                    CustomerFacts {
                        customer_id,
                        company_id: row.company.as_deref().map(|key| ids.company(key)),
                    },
                    |customer| customer.facts(),
                ))
            }
            None => None,
        };
        let assignee = match &row.assignee {
            Some(key) => {
                let user_id = ids.user(key);
                let loaded =
                    entry(&self.ledger, &mut self.users, user_id, StreamName::user).await?;
                Some(loaded.state.user().map_or(
                    UserFacts {
                        user_id,
                        active: true,
                    },
                    |user| user.facts(),
                ))
            }
            None => None,
        };
        Ok(RowFacts {
            service,
            customer,
            assignee,
        })
    }

    /// Creates what `row` names and does not exist yet, and grants the row's service to its
    /// customer and to the customer's company; returns how many events that appended.
    ///
    /// # Errors
    /// When a stream cannot be read or appended to, or a rule refuses a change.
    pub async fn ensure(&mut self, row: &SourceRow) -> anyhow::Result<usize> {
        let stamp = Stamp {
            at: row.opened_at.unwrap_or(row.at),
            actor: row.actor_for_directory(),
        };
        let ids = self.ledger.ids;
        let service_id = ids.service(&row.service);
        let mut n_events = self
            .ensure_service(service_id, &row.service, &stamp)
            .await?;
        if let Some(key) = &row.assignee {
            n_events += self.ensure_user(key, &stamp).await?;
        }
        let Some(customer_key) = &row.customer else {
            return Ok(n_events);
        };
        let customer_id = ids.customer(customer_key);
        let company_id = match self
            .customers
            .get(&customer_id)
            .and_then(|e| e.state.customer())
        {
            Some(customer) => customer.company_id,
            None => row.company.as_deref().map(|key| ids.company(key)),
        };
        let company = match company_id {
            Some(company_id) => {
                let name = row.company.as_deref().unwrap_or_default();
                n_events += self
                    .ensure_company(company_id, name, service_id, &stamp)
                    .await?;
                let services = self
                    .companies
                    .get(&company_id)
                    .and_then(|e| e.state.company());
                let services = services
                    .map(|company| company.services.clone())
                    .unwrap_or_default();
                Some(CompanyServices {
                    company_id,
                    services,
                })
            }
            None => None,
        };
        n_events += self
            .ensure_customer(customer_key, company, service_id, &stamp)
            .await?;
        Ok(n_events)
    }

    async fn ensure_service(
        &mut self,
        service_id: ServiceId,
        name: &str,
        stamp: &Stamp,
    ) -> anyhow::Result<usize> {
        let entry = entry(
            &self.ledger,
            &mut self.services,
            service_id,
            StreamName::service,
        )
        .await?;
        let mut commands = Vec::new();
        if entry.state.service().is_none() {
            commands.push(ServiceCommand::Create {
                service_id,
                name: parse_name(name)?,
            });
        }
        write(&self.ledger, entry, commands, stamp).await
    }

    /// Registers the company if it is new (with the row's text as its name) and grants it the
    /// service unless it has it.
    async fn ensure_company(
        &mut self,
        company_id: CompanyId,
        name: &str,
        service_id: ServiceId,
        stamp: &Stamp,
    ) -> anyhow::Result<usize> {
        let entry = entry(
            &self.ledger,
            &mut self.companies,
            company_id,
            StreamName::company,
        )
        .await?;
        let mut commands = Vec::new();
        if entry.state.company().is_none() {
            commands.push(CompanyCommand::Register {
                company_id,
                name: parse_name(name)?,
                services: BTreeSet::new(),
            });
        }
        let has = entry
            .state
            .company()
            .is_some_and(|c| c.services.contains(&service_id));
        if !has {
            commands.push(CompanyCommand::GrantService { service_id });
        }
        write(&self.ledger, entry, commands, stamp).await
    }

    /// Registers the customer if new (in `company`, without portal access: staff grant it) and
    /// grants them the service unless they have it.
    async fn ensure_customer(
        &mut self,
        key: &str,
        company: Option<CompanyServices>,
        service_id: ServiceId,
        stamp: &Stamp,
    ) -> anyhow::Result<usize> {
        let customer_id = self.ledger.ids.customer(key);
        let email = self.email(key)?;
        let entry = entry(
            &self.ledger,
            &mut self.customers,
            customer_id,
            StreamName::customer,
        )
        .await?;
        let mut commands = Vec::new();
        if entry.state.customer().is_none() {
            commands.push(CustomerCommand::Register(RegisterCustomer {
                customer_id,
                name: parse_name(key)?,
                email,
                company: company.clone(),
                portal_access: false,
                password_hash: None,
                company_admin: false,
                see_company_incidents: false,
                services: BTreeSet::new(),
                welcome_email: None,
            }));
        }
        let has = entry
            .state
            .customer()
            .is_some_and(|c| c.services.contains(&service_id));
        if !has {
            commands.push(CustomerCommand::GrantService {
                service_id,
                company,
            });
        }
        write(&self.ledger, entry, commands, stamp).await
    }

    /// Creates the staff user (an agent who cannot sign in until an admin sets a password).
    async fn ensure_user(&mut self, key: &str, stamp: &Stamp) -> anyhow::Result<usize> {
        let user_id = self.ledger.ids.user(key);
        let email = self.email(key)?;
        let entry = entry(&self.ledger, &mut self.users, user_id, StreamName::user).await?;
        let mut commands = Vec::new();
        if entry.state.user().is_none() {
            commands.push(UserCommand::Create {
                user_id,
                name: parse_name(key)?,
                email,
                role: Role::Agent,
                password_hash: PasswordHash::parse(NO_PASSWORD)
                    .context("the no-password marker is visible ASCII")?,
            });
        }
        write(&self.ledger, entry, commands, stamp).await
    }

    /// `<key as a slug>@<email domain>`, e.g. `caller-2403@uci.import.invalid`.
    fn email(&self, key: &str) -> anyhow::Result<Email> {
        let address = format!("{}@{}", slug(key), self.email_domain);
        Email::parse(&address).with_context(|| format!("the address {address:?} is not valid"))
    }
}

impl SourceRow {
    /// Who the directory's events are attributed to: whoever logged the incident that
    /// first needed them.
    fn actor_for_directory(&self) -> ledgerdesk_domain::Actor {
        let actor = self.opened_by.clone().unwrap_or_else(|| self.actor.clone());
        ledgerdesk_domain::Actor::Import(actor)
    }
}

/// The lowercase letters and digits of `key`, other runs of characters as one `-`.
#[must_use]
pub fn slug(key: &str) -> String {
    let mut slug = String::new();
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let trimmed = slug.trim_end_matches('-');
    if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The cached entry for `id`, loading its stream on first use.
async fn entry<'a, I, S>(
    ledger: &Ledger,
    cache: &'a mut HashMap<I, Entry<S>>,
    id: I,
    stream_of: fn(I) -> StreamName,
) -> anyhow::Result<&'a mut Entry<S>>
where
    I: std::hash::Hash + Eq + Copy,
    S: StreamState,
{
    match cache.entry(id) {
        std::collections::hash_map::Entry::Occupied(occupied) => Ok(occupied.into_mut()),
        std::collections::hash_map::Entry::Vacant(vacant) => {
            let stream = stream_of(id);
            let loaded = load::<S>(&ledger.store, &stream)
                .await
                .with_context(|| format!("failed to read stream {stream}"))?;
            Ok(vacant.insert(Entry {
                stream,
                state: loaded.state,
                version: loaded.version,
            }))
        }
    }
}

/// Decides `commands` on the entry, appends the events and moves the entry on.
async fn write<S>(
    ledger: &Ledger,
    entry: &mut Entry<S>,
    commands: Vec<S::Command>,
    stamp: &Stamp,
) -> anyhow::Result<usize>
where
    S: StreamState + Clone,
    S::Event: Clone,
    S::Error: std::error::Error + Send + Sync + 'static,
{
    if commands.is_empty() {
        return Ok(0);
    }
    let events = decide_all(entry.state.clone(), commands)
        .with_context(|| format!("a rule refuses the import's change to {}", entry.stream))?;
    let stamped: Vec<_> = events
        .iter()
        .map(|event| Stamped {
            event: event.clone(),
            stamp: stamp.clone(),
        })
        .collect();
    ledger
        .append::<S>(&entry.stream, entry.version, &stamped)
        .await?;

    for event in &events {
        entry.state = entry.state.clone().evolve(event);
    }
    entry.version += events.len() as u64;
    Ok(events.len())
}

fn parse_name(text: &str) -> anyhow::Result<Name> {
    Name::parse(text).with_context(|| format!("the name {text:?} is not valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_lowercase_letters_and_digits_joined_by_hyphens() {
        let cases = [
            ("Caller 2403", "caller-2403", "space"),
            ("Opened by  8", "opened-by-8", "two spaces"),
            ("  Ann_Lee! ", "ann-lee", "edges trimmed"),
            ("***", "x", "nothing left"),
        ];

        for (key, expected, message) in cases {
            assert_eq!(slug(key), expected, "{message}");
        }
    }
}

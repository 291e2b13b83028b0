//! The customer aggregate: a person at a customer company (or on their own) who may use the
//! portal, with the flags and services that decide what they see.
//!
//! Invariants: services are granted only within the company's services (the caller passes
//! the company's current set as [`CompanyServices`]); company admin and company-wide
//! visibility need a company and do not survive a move to another company.

pub mod command;
pub mod error;
pub mod event;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

pub use command::{CompanyServices, CustomerCommand, RegisterCustomer, WelcomeEmail};
pub use error::CustomerError;
pub use event::CustomerEvent;

use crate::aggregate::Aggregate;
use crate::id::{CompanyId, CustomerId, ServiceId};
use crate::value::{Email, Name, PasswordHash, TokenHash};
use crate::visibility::Viewer;

/// A registered customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// The customer's id.
    pub id: CustomerId,
    /// Their display name.
    pub name: Name,
    /// Their email.
    pub email: Email,
    /// Their company, if any.
    pub company_id: Option<CompanyId>,
    /// Whether they may use the portal.
    pub portal_access: bool,
    /// Whether they administer their company's colleagues.
    pub company_admin: bool,
    /// Whether they see all of their company's incidents.
    pub see_company_incidents: bool,
    /// The services granted to them (before intersecting with the company's).
    pub services: BTreeSet<ServiceId>,
    /// Their portal password hash, once set.
    pub password_hash: Option<PasswordHash>,
    /// The latest welcome link not yet used by setting a password.
    pub welcome_link: Option<WelcomeLink>,
}

/// A pending welcome link, as recorded by `customer.welcome_email_requested`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeLink {
    /// The hash of the link's token.
    pub token_hash: TokenHash,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// The state of one customer stream: `None` until the customer is registered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerState(Option<Customer>);

/// What other aggregates need to know about a customer, loaded by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerFacts {
    /// The customer's id.
    pub customer_id: CustomerId,
    /// Their company now, which an incident logged for them is stamped with.
    pub company_id: Option<CompanyId>,
}

impl CustomerState {
    /// The customer, once registered.
    #[must_use]
    pub fn customer(&self) -> Option<&Customer> {
        self.0.as_ref()
    }
}

impl Customer {
    /// The facts other aggregates' commands carry about this customer.
    #[must_use]
    pub fn facts(&self) -> CustomerFacts {
        CustomerFacts {
            customer_id: self.id,
            company_id: self.company_id,
        }
    }

    /// This customer as a viewer for the visibility rule.
    #[must_use]
    pub fn viewer(&self) -> Viewer<'_> {
        Viewer {
            customer_id: self.id,
            company_id: self.company_id,
            portal_access: self.portal_access,
            see_company_incidents: self.see_company_incidents,
            services: &self.services,
        }
    }
}

/// Decides which events `cmd` produces for the customer in `state`.
///
/// # Errors
///
/// Returns [`CustomerError::AlreadyRegistered`] when registering twice,
/// [`CustomerError::NotFound`] before registration, and the rule-named errors of
/// [`CustomerError`] otherwise.
pub fn decide(
    state: &CustomerState,
    cmd: CustomerCommand,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    if let CustomerCommand::Register(register) = cmd {
        if state.0.is_some() {
            return Err(CustomerError::AlreadyRegistered);
        }
        return register_events(register);
    }
    let Some(customer) = &state.0 else {
        return Err(CustomerError::NotFound);
    };

    match cmd {
        CustomerCommand::Register(_) => Ok(Vec::new()),
        CustomerCommand::ChangeDetails { name, email } => Ok(details_events(customer, name, email)),
        CustomerCommand::MoveToCompany { company_id } => Ok(move_events(customer, company_id)),
        CustomerCommand::GrantPortalAccess { welcome_email } => {
            grant_access_events(customer, welcome_email)
        }
        CustomerCommand::RevokePortalAccess => Ok(only_if(
            customer.portal_access,
            CustomerEvent::PortalAccessRevoked {},
        )),
        CustomerCommand::SetPassword { password_hash } => {
            Ok(vec![CustomerEvent::PasswordSet { password_hash }])
        }
        CustomerCommand::GrantCompanyAdmin => {
            require_company(customer)?;
            Ok(only_if(
                !customer.company_admin,
                CustomerEvent::CompanyAdminGranted {},
            ))
        }
        CustomerCommand::RevokeCompanyAdmin => Ok(only_if(
            customer.company_admin,
            CustomerEvent::CompanyAdminRevoked {},
        )),
        CustomerCommand::GrantCompanyWideVisibility => {
            require_company(customer)?;
            let granted = CustomerEvent::CompanyWideVisibilityGranted {};
            Ok(only_if(!customer.see_company_incidents, granted))
        }
        CustomerCommand::RevokeCompanyWideVisibility => {
            let revoked = CustomerEvent::CompanyWideVisibilityRevoked {};
            Ok(only_if(customer.see_company_incidents, revoked))
        }
        CustomerCommand::GrantService {
            service_id,
            company,
        } => {
            let services = customer
                .services
                .iter()
                .copied()
                .chain([service_id])
                .collect();
            services_events(customer, &services, company.as_ref())
        }
        CustomerCommand::RevokeService { service_id } => {
            let revoked = customer.services.contains(&service_id);
            Ok(only_if(
                revoked,
                CustomerEvent::ServiceRevoked { service_id },
            ))
        }
        CustomerCommand::SetServices { services, company } => {
            services_events(customer, &services, company.as_ref())
        }
        CustomerCommand::RequestWelcomeEmail(welcome_email) => {
            if !customer.portal_access {
                return Err(CustomerError::NoPortalAccess);
            }
            Ok(vec![welcome_event(welcome_email)?])
        }
    }
}

/// Folds `event` into `state`. Events for a customer not yet registered leave it unchanged.
#[must_use]
pub fn evolve(state: CustomerState, event: &CustomerEvent) -> CustomerState {
    if let CustomerEvent::Registered {
        customer_id,
        name,
        email,
        company_id,
    } = event
    {
        return CustomerState(Some(Customer {
            id: *customer_id,
            name: name.clone(),
            email: email.clone(),
            company_id: *company_id,
            portal_access: false,
            company_admin: false,
            see_company_incidents: false,
            services: BTreeSet::new(),
            password_hash: None,
            welcome_link: None,
        }));
    }
    let Some(mut customer) = state.0 else {
        return state;
    };
    apply(&mut customer, event);
    CustomerState(Some(customer))
}

impl Aggregate for CustomerState {
    type Command = CustomerCommand;
    type Event = CustomerEvent;
    type Error = CustomerError;

    fn decide(&self, cmd: CustomerCommand) -> Result<Vec<CustomerEvent>, CustomerError> {
        decide(self, cmd)
    }

    fn evolve(self, event: &CustomerEvent) -> Self {
        evolve(self, event)
    }
}

fn apply(customer: &mut Customer, event: &CustomerEvent) {
    match event {
        CustomerEvent::Registered { .. } => {}
        CustomerEvent::DetailsChanged { name, email } => {
            if let Some(name) = name {
                customer.name = name.clone();
            }
            if let Some(email) = email {
                customer.email = email.clone();
            }
        }
        CustomerEvent::MovedToCompany { company_id } => customer.company_id = *company_id,
        CustomerEvent::PortalAccessGranted {} => customer.portal_access = true,
        CustomerEvent::PortalAccessRevoked {} => customer.portal_access = false,
        CustomerEvent::PasswordSet { password_hash } => {
            customer.password_hash = Some(password_hash.clone());
            customer.welcome_link = None;
        }
        CustomerEvent::CompanyAdminGranted {} => customer.company_admin = true,
        CustomerEvent::CompanyAdminRevoked {} => customer.company_admin = false,
        CustomerEvent::CompanyWideVisibilityGranted {} => customer.see_company_incidents = true,
        CustomerEvent::CompanyWideVisibilityRevoked {} => customer.see_company_incidents = false,
        CustomerEvent::ServiceGranted { service_id } => {
            customer.services.insert(*service_id);
        }
        CustomerEvent::ServiceRevoked { service_id } => {
            customer.services.remove(service_id);
        }
        CustomerEvent::WelcomeEmailRequested {
            token_hash,
            expires_at,
        } => {
            let link = WelcomeLink {
                token_hash: token_hash.clone(),
                expires_at: *expires_at,
            };
            customer.welcome_link = Some(link);
        }
    }
}

fn register_events(register: RegisterCustomer) -> Result<Vec<CustomerEvent>, CustomerError> {
    let company_id = register.company.as_ref().map(|company| company.company_id);
    if company_id.is_none() && (register.company_admin || register.see_company_incidents) {
        return Err(CustomerError::CustomerHasNoCompany);
    }
    check_within_company(company_id, register.company.as_ref(), &register.services)?;
    if register.welcome_email.is_some() && !register.portal_access {
        return Err(CustomerError::NoPortalAccess);
    }

    let mut events = vec![CustomerEvent::Registered {
        customer_id: register.customer_id,
        name: register.name,
        email: register.email,
        company_id,
    }];
    let grants = register.services.into_iter();
    events.extend(grants.map(|service_id| CustomerEvent::ServiceGranted { service_id }));
    if register.company_admin {
        events.push(CustomerEvent::CompanyAdminGranted {});
    }
    if register.see_company_incidents {
        events.push(CustomerEvent::CompanyWideVisibilityGranted {});
    }
    if let Some(password_hash) = register.password_hash {
        events.push(CustomerEvent::PasswordSet { password_hash });
    }
    if register.portal_access {
        events.push(CustomerEvent::PortalAccessGranted {});
    }
    if let Some(welcome_email) = register.welcome_email {
        events.push(welcome_event(welcome_email)?);
    }

    Ok(events)
}

fn details_events(
    customer: &Customer,
    name: Option<Name>,
    email: Option<Email>,
) -> Vec<CustomerEvent> {
    let name = name.filter(|name| *name != customer.name);
    let email = email.filter(|email| *email != customer.email);
    if name.is_none() && email.is_none() {
        return Vec::new();
    }
    vec![CustomerEvent::DetailsChanged { name, email }]
}

fn move_events(customer: &Customer, company_id: Option<CompanyId>) -> Vec<CustomerEvent> {
    if company_id == customer.company_id {
        return Vec::new();
    }
    let mut events = vec![CustomerEvent::MovedToCompany { company_id }];
    // Both flags were granted for the old company; keeping them would hand the customer
    // another company's colleagues or incidents without anyone deciding so.
    if customer.company_admin {
        events.push(CustomerEvent::CompanyAdminRevoked {});
    }
    if customer.see_company_incidents {
        events.push(CustomerEvent::CompanyWideVisibilityRevoked {});
    }
    events
}

fn grant_access_events(
    customer: &Customer,
    welcome_email: Option<WelcomeEmail>,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let mut events = only_if(
        !customer.portal_access,
        CustomerEvent::PortalAccessGranted {},
    );
    if let Some(welcome_email) = welcome_email {
        events.push(welcome_event(welcome_email)?);
    }
    Ok(events)
}

fn services_events(
    customer: &Customer,
    services: &BTreeSet<ServiceId>,
    company: Option<&CompanyServices>,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let granted: BTreeSet<ServiceId> = services.difference(&customer.services).copied().collect();
    check_within_company(customer.company_id, company, &granted)?;

    let revoked = customer.services.difference(services);
    let events = granted
        .into_iter()
        .map(|service_id| CustomerEvent::ServiceGranted { service_id })
        .chain(revoked.map(|&service_id| CustomerEvent::ServiceRevoked { service_id }))
        .collect();
    Ok(events)
}

/// Checks that `granted` lies within the services of `company_id`, as described by `company`.
fn check_within_company(
    company_id: Option<CompanyId>,
    company: Option<&CompanyServices>,
    granted: &BTreeSet<ServiceId>,
) -> Result<(), CustomerError> {
    match (company_id, company) {
        (None, None) => Ok(()),
        (Some(company_id), Some(company)) if company.company_id == company_id => {
            match granted
                .iter()
                .find(|service_id| !company.services.contains(service_id))
            {
                Some(&service_id) => Err(CustomerError::ServiceNotInCompany { service_id }),
                None => Ok(()),
            }
        }
        (Some(_) | None, Some(_)) | (Some(_), None) => Err(CustomerError::CompanyContextMismatch),
    }
}

fn require_company(customer: &Customer) -> Result<CompanyId, CustomerError> {
    customer
        .company_id
        .ok_or(CustomerError::CustomerHasNoCompany)
}

/// Returns `[event]` when the command changes something, and no events for a no-op.
fn only_if(changes: bool, event: CustomerEvent) -> Vec<CustomerEvent> {
    if changes { vec![event] } else { Vec::new() }
}

fn welcome_event(welcome_email: WelcomeEmail) -> Result<CustomerEvent, CustomerError> {
    if welcome_email.expires_at <= welcome_email.requested_at {
        return Err(CustomerError::WelcomeLinkAlreadyExpired);
    }
    Ok(CustomerEvent::WelcomeEmailRequested {
        token_hash: welcome_email.token_hash,
        expires_at: welcome_email.expires_at,
    })
}

#[cfg(test)]
mod tests;

//! The company aggregate: a customer organisation and the set of services it is entitled to.
//!
//! Invariant: a customer's effective services never exceed their company's services (see
//! `visibility`), so revoking a service here hides its incidents from the whole company at once.

pub mod command;
pub mod error;
pub mod event;

use std::collections::BTreeSet;

pub use command::CompanyCommand;
pub use error::CompanyError;
pub use event::CompanyEvent;

use crate::aggregate::Aggregate;
use crate::id::{CompanyId, ServiceId};
use crate::value::Name;

/// A registered company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// The company's id.
    pub id: CompanyId,
    /// Its display name.
    pub name: Name,
    /// The services it is entitled to.
    pub services: BTreeSet<ServiceId>,
}

/// The state of one company stream: `None` until the company is registered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyState(Option<Company>);

impl CompanyState {
    /// The company, once registered.
    #[must_use]
    pub fn company(&self) -> Option<&Company> {
        self.0.as_ref()
    }
}

/// Decides which events `cmd` produces for the company in `state`.
///
/// Registering emits `company.registered` followed by one `company.service_granted` per
/// initial service; setting the services emits the grants and revocations of the difference.
///
/// # Errors
///
/// Returns [`CompanyError::AlreadyRegistered`] when registering twice and
/// [`CompanyError::NotFound`] for any other command before registration.
pub fn decide(
    state: &CompanyState,
    cmd: CompanyCommand,
) -> Result<Vec<CompanyEvent>, CompanyError> {
    if let CompanyCommand::Register {
        company_id,
        name,
        services,
    } = cmd
    {
        if state.0.is_some() {
            return Err(CompanyError::AlreadyRegistered);
        }
        let mut events = vec![CompanyEvent::Registered { company_id, name }];
        events.extend(
            services
                .into_iter()
                .map(|service_id| CompanyEvent::ServiceGranted { service_id }),
        );
        return Ok(events);
    }
    let Some(company) = &state.0 else {
        return Err(CompanyError::NotFound);
    };

    let events = match cmd {
        CompanyCommand::Register { .. } => Vec::new(),
        CompanyCommand::Rename { name } if name == company.name => Vec::new(),
        CompanyCommand::Rename { name } => vec![CompanyEvent::Renamed { name }],
        CompanyCommand::GrantService { service_id } if company.services.contains(&service_id) => {
            Vec::new()
        }
        CompanyCommand::GrantService { service_id } => {
            vec![CompanyEvent::ServiceGranted { service_id }]
        }
        CompanyCommand::RevokeService { service_id } => {
            let granted = company.services.contains(&service_id);
            if granted {
                vec![CompanyEvent::ServiceRevoked { service_id }]
            } else {
                Vec::new()
            }
        }
        CompanyCommand::SetServices { services } => {
            let granted = services.difference(&company.services);
            let revoked = company.services.difference(&services);
            granted
                .map(|&service_id| CompanyEvent::ServiceGranted { service_id })
                .chain(revoked.map(|&service_id| CompanyEvent::ServiceRevoked { service_id }))
                .collect()
        }
    };

    Ok(events)
}

/// Folds `event` into `state`. Events for a company not yet registered leave it unchanged.
#[must_use]
pub fn evolve(state: CompanyState, event: &CompanyEvent) -> CompanyState {
    if let CompanyEvent::Registered { company_id, name } = event {
        let company = Company {
            id: *company_id,
            name: name.clone(),
            services: BTreeSet::new(),
        };
        return CompanyState(Some(company));
    }
    let Some(mut company) = state.0 else {
        return state;
    };
    match event {
        CompanyEvent::Registered { .. } => {}
        CompanyEvent::Renamed { name } => company.name = name.clone(),
        CompanyEvent::ServiceGranted { service_id } => {
            company.services.insert(*service_id);
        }
        CompanyEvent::ServiceRevoked { service_id } => {
            company.services.remove(service_id);
        }
    }
    CompanyState(Some(company))
}

impl Aggregate for CompanyState {
    type Command = CompanyCommand;
    type Event = CompanyEvent;
    type Error = CompanyError;

    fn decide(&self, cmd: CompanyCommand) -> Result<Vec<CompanyEvent>, CompanyError> {
        decide(self, cmd)
    }

    fn evolve(self, event: &CompanyEvent) -> Self {
        evolve(self, event)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::testing::given;

    fn company_id() -> CompanyId {
        CompanyId::from_uuid(Uuid::from_u128(1))
    }

    fn service(n: u128) -> ServiceId {
        ServiceId::from_uuid(Uuid::from_u128(100 + n))
    }

    fn name(text: &str) -> Name {
        Name::parse(text).unwrap()
    }

    fn registered() -> CompanyEvent {
        CompanyEvent::Registered {
            company_id: company_id(),
            name: name("Company A"),
        }
    }

    fn granted(n: u128) -> CompanyEvent {
        CompanyEvent::ServiceGranted {
            service_id: service(n),
        }
    }

    fn revoked(n: u128) -> CompanyEvent {
        CompanyEvent::ServiceRevoked {
            service_id: service(n),
        }
    }

    #[test]
    fn registering_a_company_grants_its_initial_services() {
        let services = BTreeSet::from([service(1), service(2)]);

        given::<CompanyEvent>(&[])
            .when(CompanyCommand::Register {
                company_id: company_id(),
                name: name("Company A"),
                services,
            })
            .then(&[registered(), granted(1), granted(2)]);
    }

    #[test]
    fn a_company_cannot_be_registered_twice() {
        given(&[registered()])
            .when(CompanyCommand::Register {
                company_id: company_id(),
                name: name("Company A"),
                services: BTreeSet::new(),
            })
            .then_error(CompanyError::AlreadyRegistered);
    }

    #[test]
    fn a_company_is_renamed_unless_the_name_is_the_same() {
        given(&[registered()])
            .when(CompanyCommand::Rename {
                name: name("Company B"),
            })
            .then(&[CompanyEvent::Renamed {
                name: name("Company B"),
            }]);
        given(&[registered()])
            .when(CompanyCommand::Rename {
                name: name("Company A"),
            })
            .then_nothing();
    }

    #[test]
    fn granting_a_service_records_it_once() {
        given(&[registered()])
            .when(CompanyCommand::GrantService {
                service_id: service(1),
            })
            .then(&[granted(1)]);
        given(&[registered(), granted(1)])
            .when(CompanyCommand::GrantService {
                service_id: service(1),
            })
            .then_nothing();
    }

    #[test]
    fn revoking_a_service_records_it_only_when_granted() {
        given(&[registered(), granted(1)])
            .when(CompanyCommand::RevokeService {
                service_id: service(1),
            })
            .then(&[revoked(1)]);
        given(&[registered()])
            .when(CompanyCommand::RevokeService {
                service_id: service(1),
            })
            .then_nothing();
    }

    #[test]
    fn setting_the_services_emits_the_difference() {
        let services = BTreeSet::from([service(2), service(3)]);

        given(&[registered(), granted(1), granted(2)])
            .when(CompanyCommand::SetServices { services })
            .then(&[granted(3), revoked(1)]);
    }

    #[test]
    fn setting_the_same_services_changes_nothing() {
        let services = BTreeSet::from([service(1)]);

        given(&[registered(), granted(1)])
            .when(CompanyCommand::SetServices { services })
            .then_nothing();
    }

    #[test]
    fn commands_on_a_missing_company_are_refused() {
        let commands = [
            CompanyCommand::Rename { name: name("X") },
            CompanyCommand::GrantService {
                service_id: service(1),
            },
            CompanyCommand::RevokeService {
                service_id: service(1),
            },
            CompanyCommand::SetServices {
                services: BTreeSet::new(),
            },
        ];

        for cmd in commands {
            given::<CompanyEvent>(&[])
                .when(cmd)
                .then_error(CompanyError::NotFound);
        }
    }

    #[test]
    fn evolving_the_history_gives_the_current_services() {
        let history = [registered(), granted(1), granted(2), revoked(1)];

        let state = CompanyState::replay(&history);

        let company = state.company().unwrap();
        assert_eq!(company.services, BTreeSet::from([service(2)]));
    }
}

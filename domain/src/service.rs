//! The service aggregate: something the provider supports and incidents are logged against.
//!
//! Invariant: a retired service takes no new incidents (enforced by the incident aggregate
//! through [`ServiceFacts`]).

pub mod command;
pub mod error;
pub mod event;

pub use command::ServiceCommand;
pub use error::ServiceError;
pub use event::ServiceEvent;

use crate::aggregate::Aggregate;
use crate::id::ServiceId;
use crate::value::Name;

/// A created service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The service's id.
    pub id: ServiceId,
    /// Its display name.
    pub name: Name,
    /// Whether it is retired and takes no new incidents.
    pub retired: bool,
}

/// The state of one service stream: `None` until the service is created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceState(Option<Service>);

/// What other aggregates need to know about a service, loaded by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceFacts {
    /// The service's id.
    pub service_id: ServiceId,
    /// Whether it is retired.
    pub retired: bool,
}

impl ServiceState {
    /// The service, once created.
    #[must_use]
    pub fn service(&self) -> Option<&Service> {
        self.0.as_ref()
    }
}

impl Service {
    /// The facts other aggregates' commands carry about this service.
    #[must_use]
    pub fn facts(&self) -> ServiceFacts {
        ServiceFacts {
            service_id: self.id,
            retired: self.retired,
        }
    }
}

/// Decides which events `cmd` produces for the service in `state`.
///
/// # Errors
///
/// Returns [`ServiceError::AlreadyExists`] when creating a service twice and
/// [`ServiceError::NotFound`] for any other command before it is created.
pub fn decide(
    state: &ServiceState,
    cmd: ServiceCommand,
) -> Result<Vec<ServiceEvent>, ServiceError> {
    if let ServiceCommand::Create { service_id, name } = cmd {
        if state.0.is_some() {
            return Err(ServiceError::AlreadyExists);
        }
        return Ok(vec![ServiceEvent::Created { service_id, name }]);
    }
    let Some(service) = &state.0 else {
        return Err(ServiceError::NotFound);
    };

    let events = match cmd {
        ServiceCommand::Create { .. } => Vec::new(),
        ServiceCommand::Rename { name } if name == service.name => Vec::new(),
        ServiceCommand::Rename { name } => vec![ServiceEvent::Renamed { name }],
        ServiceCommand::Retire if service.retired => Vec::new(),
        ServiceCommand::Retire => vec![ServiceEvent::Retired {}],
    };

    Ok(events)
}

/// Folds `event` into `state`. Events for a service not yet created leave it unchanged.
#[must_use]
pub fn evolve(state: ServiceState, event: &ServiceEvent) -> ServiceState {
    if let ServiceEvent::Created { service_id, name } = event {
        return ServiceState(Some(Service {
            id: *service_id,
            name: name.clone(),
            retired: false,
        }));
    }
    let Some(mut service) = state.0 else {
        return state;
    };
    match event {
        ServiceEvent::Created { .. } => {}
        ServiceEvent::Renamed { name } => service.name = name.clone(),
        ServiceEvent::Retired {} => service.retired = true,
    }
    ServiceState(Some(service))
}

impl Aggregate for ServiceState {
    type Command = ServiceCommand;
    type Event = ServiceEvent;
    type Error = ServiceError;

    fn decide(&self, cmd: ServiceCommand) -> Result<Vec<ServiceEvent>, ServiceError> {
        decide(self, cmd)
    }

    fn evolve(self, event: &ServiceEvent) -> Self {
        evolve(self, event)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::testing::given;

    fn service_id() -> ServiceId {
        ServiceId::from_uuid(Uuid::from_u128(1))
    }

    fn name(text: &str) -> Name {
        Name::parse(text).unwrap()
    }

    fn created() -> ServiceEvent {
        ServiceEvent::Created {
            service_id: service_id(),
            name: name("Email"),
        }
    }

    #[test]
    fn a_new_service_is_created() {
        given::<ServiceEvent>(&[])
            .when(ServiceCommand::Create {
                service_id: service_id(),
                name: name("Email"),
            })
            .then(&[created()]);
    }

    #[test]
    fn a_service_cannot_be_created_twice() {
        given(&[created()])
            .when(ServiceCommand::Create {
                service_id: service_id(),
                name: name("Email"),
            })
            .then_error(ServiceError::AlreadyExists);
    }

    #[test]
    fn a_service_is_renamed() {
        given(&[created()])
            .when(ServiceCommand::Rename { name: name("Mail") })
            .then(&[ServiceEvent::Renamed { name: name("Mail") }]);
    }

    #[test]
    fn renaming_to_the_same_name_changes_nothing() {
        given(&[created()])
            .when(ServiceCommand::Rename {
                name: name("Email"),
            })
            .then_nothing();
    }

    #[test]
    fn a_service_is_retired_once() {
        given(&[created()])
            .when(ServiceCommand::Retire)
            .then(&[ServiceEvent::Retired {}]);
        given(&[created(), ServiceEvent::Retired {}])
            .when(ServiceCommand::Retire)
            .then_nothing();
    }

    #[test]
    fn commands_on_a_missing_service_are_refused() {
        given::<ServiceEvent>(&[])
            .when(ServiceCommand::Rename { name: name("Mail") })
            .then_error(ServiceError::NotFound);
        given::<ServiceEvent>(&[])
            .when(ServiceCommand::Retire)
            .then_error(ServiceError::NotFound);
    }

    #[test]
    fn evolving_the_history_gives_the_current_service() {
        let history = [
            created(),
            ServiceEvent::Renamed { name: name("Mail") },
            ServiceEvent::Retired {},
        ];

        let state = ServiceState::replay(&history);

        let expected = Service {
            id: service_id(),
            name: name("Mail"),
            retired: true,
        };
        assert_eq!(state.service(), Some(&expected));
        assert_eq!(
            expected.facts(),
            ServiceFacts {
                service_id: service_id(),
                retired: true
            }
        );
    }
}

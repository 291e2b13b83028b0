//! Test support shipped behind the `testing` feature: the given/when/then helper for aggregate
//! tests here, and random ledger histories in [`history`].
//!
//! ```text
//! given(&[service_created]).when(ServiceCommand::Retire).then(&[ServiceEvent::Retired {}]);
//! ```

use std::fmt::Debug;

use crate::aggregate::Aggregate;
use crate::company::{CompanyEvent, CompanyState};
use crate::customer::{CustomerEvent, CustomerState};
use crate::incident::{IncidentEvent, IncidentState};
use crate::portal_settings::{PortalSettingsEvent, PortalSettingsState};
use crate::service::{ServiceEvent, ServiceState};
use crate::user::{UserEvent, UserState};

pub mod history;

/// Links an event type to its aggregate, so that `given(&[events])` can infer the aggregate.
pub trait AggregateEvent: Sized {
    /// The aggregate whose history this event is part of.
    type Aggregate: Aggregate<Event = Self>;
}

/// An aggregate built from past events, waiting for a command.
#[derive(Debug)]
pub struct Given<A> {
    state: A,
}

/// The outcome of one command, waiting for the expectation.
#[derive(Debug)]
pub struct Then<A: Aggregate> {
    outcome: Result<Vec<A::Event>, A::Error>,
}

/// Starts a scenario from `history`; use `given::<FooEvent>(&[])` for a fresh aggregate.
#[must_use]
pub fn given<E: AggregateEvent>(history: &[E]) -> Given<E::Aggregate> {
    Given {
        state: E::Aggregate::replay(history),
    }
}

impl<A: Aggregate> Given<A> {
    /// The state folded from the history.
    #[must_use]
    pub fn state(&self) -> &A {
        &self.state
    }

    /// Runs `cmd` through `decide`.
    #[must_use]
    pub fn when(self, cmd: A::Command) -> Then<A> {
        Then {
            outcome: self.state.decide(cmd),
        }
    }
}

impl<A: Aggregate> Then<A>
where
    A::Event: Debug + PartialEq,
    A::Error: Debug + PartialEq,
{
    /// Expects exactly `expected`, in order.
    ///
    /// # Panics
    ///
    /// When the command was refused or produced other events.
    pub fn then(self, expected: &[A::Event]) {
        match self.outcome {
            Ok(events) => assert_eq!(events, expected, "the command produced other events"),
            Err(error) => {
                panic!("expected events {expected:?}, but the command was refused: {error:?}")
            }
        }
    }

    /// Expects a no-op: the command is accepted and records nothing.
    ///
    /// # Panics
    ///
    /// When the command was refused or produced events.
    pub fn then_nothing(self) {
        self.then(&[]);
    }

    /// Expects the command to be refused with `expected`.
    ///
    /// # Panics
    ///
    /// When the command was accepted or refused for another reason.
    #[expect(
        clippy::needless_pass_by_value,
        reason = "scenarios read best as `.then_error(FooError::Rule)`"
    )]
    pub fn then_error(self, expected: A::Error) {
        match self.outcome {
            Ok(events) => {
                panic!("expected error {expected:?}, but the command produced {events:?}")
            }
            Err(error) => assert_eq!(
                error, expected,
                "the command was refused for another reason"
            ),
        }
    }

    /// The raw outcome, for assertions the helpers above do not cover.
    ///
    /// # Errors
    ///
    /// Returns the aggregate's error when the command was refused.
    pub fn outcome(self) -> Result<Vec<A::Event>, A::Error> {
        self.outcome
    }
}

impl AggregateEvent for ServiceEvent {
    type Aggregate = ServiceState;
}

impl AggregateEvent for CompanyEvent {
    type Aggregate = CompanyState;
}

impl AggregateEvent for CustomerEvent {
    type Aggregate = CustomerState;
}

impl AggregateEvent for UserEvent {
    type Aggregate = UserState;
}

impl AggregateEvent for IncidentEvent {
    type Aggregate = IncidentState;
}

impl AggregateEvent for PortalSettingsEvent {
    type Aggregate = PortalSettingsState;
}

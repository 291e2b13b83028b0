//! The shape every aggregate shares: a state that starts as "not created", a pure `decide`
//! and a total `evolve`.

/// An aggregate's state together with its command, event and error types.
///
/// `decide` checks a command against the state and returns the events that record it (none
/// for a no-op); `evolve` folds one event into the state and never fails, so that any stored
/// history can be replayed.
pub trait Aggregate: Default {
    /// What a caller asks the aggregate to do.
    type Command;
    /// What the aggregate records.
    type Event;
    /// The business rule a refused command broke.
    type Error;

    /// Decides which events `cmd` produces against this state.
    ///
    /// # Errors
    ///
    /// Returns the aggregate's error when `cmd` breaks one of its rules.
    fn decide(&self, cmd: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;

    /// Folds `event` into this state.
    #[must_use]
    fn evolve(self, event: &Self::Event) -> Self;

    /// Folds a whole history into a fresh state.
    #[must_use]
    fn replay<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self
    where
        Self::Event: 'a,
    {
        events.into_iter().fold(Self::default(), Self::evolve)
    }
}

//! The notifier's own fold of the ledger: what its rules read, as of the event being decided.
//!
//! It is `LedgerState` (customers, incidents, visibility) plus what visibility does not need
//! but mail does: staff users (assignees, admins, addresses) and the portal settings (default
//! assignee, name, colour). Each part is folded with its aggregate's own `evolve`.

use std::collections::BTreeMap;

use ledgerdesk_domain::ledger_state::WrongStream;
use ledgerdesk_domain::portal_settings::{self, PortalSettings, PortalSettingsState};
use ledgerdesk_domain::user::{self, Role, StaffUser, UserState};
use ledgerdesk_domain::{AggregateId, Event, LedgerState, StreamName, UserId};

/// The ledger folded up to some position, as the notifier's rules need it.
#[derive(Debug, Clone, Default)]
pub struct NotifierState {
    ledger: LedgerState,
    users: BTreeMap<UserId, UserState>,
    settings: PortalSettingsState,
}

impl NotifierState {
    /// Folds one event, read from `stream`.
    ///
    /// # Errors
    /// [`WrongStream`] (and nothing changes) when the event does not belong on the stream.
    pub fn apply(&mut self, stream: &StreamName, event: &Event) -> Result<(), WrongStream> {
        self.ledger.apply(stream, event)?;
        match (stream.aggregate_id(), event) {
            (Some(AggregateId::User(user_id)), Event::User(evt)) => {
                let state = self.users.remove(&user_id).unwrap_or_default();
                self.users.insert(user_id, user::evolve(state, evt));
            }
            (Some(AggregateId::PortalSettings), Event::PortalSettings(evt)) => {
                let state = std::mem::take(&mut self.settings);
                self.settings = portal_settings::evolve(state, evt);
            }
            _ => {}
        }
        Ok(())
    }

    /// Customers, companies, services and incidents, with the visibility rule.
    #[must_use]
    pub fn ledger(&self) -> &LedgerState {
        &self.ledger
    }

    /// The staff user, if created.
    #[must_use]
    pub fn user(&self, user_id: UserId) -> Option<&StaffUser> {
        self.users.get(&user_id).and_then(UserState::user)
    }

    /// Every active admin, ordered by id.
    pub fn active_admins(&self) -> impl Iterator<Item = &StaffUser> {
        self.users
            .values()
            .filter_map(UserState::user)
            .filter(|user| user.active && user.role == Role::Admin)
    }

    /// The portal settings.
    #[must_use]
    pub fn settings(&self) -> &PortalSettings {
        self.settings.settings()
    }
}

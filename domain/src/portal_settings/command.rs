//! Commands of the portal settings aggregate.

use crate::portal_settings::{Appearance, PortalType};
use crate::user::UserFacts;

/// What an admin asks of the portal settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalSettingsCommand {
    /// Replace the portal's appearance.
    ChangeAppearance(Appearance),
    /// Add a portal type, or change the label, internal type or enabled flag of one.
    MapPortalType(PortalType),
    /// Name the default assignee of customer-logged incidents, or clear it with `None`.
    SetDefaultAssignee {
        /// The staff user, who must be active.
        assignee: Option<UserFacts>,
    },
}

//! Rules a portal settings command can break.

use crate::id::UserId;

/// Why a portal settings command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalSettingsError {
    /// Only an active staff user can be the default assignee.
    #[error("staff user {user_id} is not active")]
    AssigneeInactive {
        /// The inactive user.
        user_id: UserId,
    },
}

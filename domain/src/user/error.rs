//! Rules a staff user command can break.

/// Why a staff user command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// The user does not exist.
    #[error("staff user not found")]
    NotFound,
    /// A user with this id already exists.
    #[error("staff user already exists")]
    AlreadyExists,
    /// The user is deactivated and cannot be changed.
    #[error("staff user is deactivated")]
    UserDeactivated,
}

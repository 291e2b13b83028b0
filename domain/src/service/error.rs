//! Rules a service command can break.

/// Why a service command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// The service does not exist.
    #[error("service not found")]
    NotFound,
    /// A service with this id already exists.
    #[error("service already exists")]
    AlreadyExists,
}

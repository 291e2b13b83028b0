//! Rules a company command can break.

/// Why a company command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompanyError {
    /// The company does not exist.
    #[error("company not found")]
    NotFound,
    /// A company with this id is already registered.
    #[error("company already registered")]
    AlreadyRegistered,
}

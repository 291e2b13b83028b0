//! Rules a customer command can break.

use crate::id::ServiceId;

/// Why a customer command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    /// The customer does not exist.
    #[error("customer not found")]
    NotFound,
    /// A customer with this id is already registered.
    #[error("customer already registered")]
    AlreadyRegistered,
    /// A service granted to a customer must lie within their company's services.
    #[error("service {service_id} is not among the company's services")]
    ServiceNotInCompany {
        /// The service that was asked for.
        service_id: ServiceId,
    },
    /// The company facts in the command are not those of the customer's company.
    #[error("company facts do not match the customer's company")]
    CompanyContextMismatch,
    /// Company admin and company-wide visibility need a company.
    #[error("customer has no company")]
    CustomerHasNoCompany,
    /// A welcome email needs portal access.
    #[error("customer has no portal access")]
    NoPortalAccess,
    /// A welcome link must expire after it is requested.
    #[error("welcome link would already be expired")]
    WelcomeLinkAlreadyExpired,
}

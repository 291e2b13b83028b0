//! `ApiError`: every way a request can fail, and the one place that turns it into a status and
//! the JSON envelope `{"error": {"code", "message"}}` (DESIGN §6, `docs/API.md`).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ledgerdesk_domain::InvalidValue;
use ledgerdesk_domain::company::CompanyError;
use ledgerdesk_domain::customer::CustomerError;
use ledgerdesk_domain::incident::IncidentError;
use ledgerdesk_domain::portal_settings::PortalSettingsError;
use ledgerdesk_domain::service::ServiceError;
use ledgerdesk_domain::user::UserError;
use ledgerdesk_projections::ProjectionError;
use ledgerdesk_store::StoreError;

use crate::openapi::{ErrorDetail, ErrorEnvelope};

/// Why a request failed; [`ApiError::status_and_code`] is the one mapping to HTTP.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or not of the documented shape (400).
    #[error("{message}")]
    BadRequest {
        /// Machine-readable code, e.g. `malformed_json`.
        code: &'static str,
        /// What was wrong, for people.
        message: String,
    },
    /// No valid session came with the request, or the credentials are wrong (401).
    #[error("{message}")]
    Unauthenticated {
        /// `not_signed_in` or `invalid_credentials`.
        code: &'static str,
        /// What was wrong, for people.
        message: &'static str,
    },
    /// The signed-in staff user's role lacks the right (403).
    #[error("your role does not allow this")]
    Forbidden,
    /// The resource does not exist, or the caller may not see it (404).
    #[error("not found")]
    NotFound,
    /// The path exists but not with this method (405).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The stream changed between loading and appending, and retrying did not help (409).
    #[error("the resource was changed by someone else; reload and try again")]
    VersionConflict,
    /// The request clashes with what already exists, e.g. a taken email (409).
    #[error("{message}")]
    Conflict {
        /// Machine-readable code, e.g. `email_taken`.
        code: &'static str,
        /// What clashed, for people.
        message: String,
    },
    /// The body is larger than the limit (413).
    #[error("the request body is too large")]
    TooLarge,
    /// A business rule or a value's validation rule was broken (422).
    #[error("{message}")]
    Unprocessable {
        /// Machine-readable code, e.g. `service_not_in_company`.
        code: &'static str,
        /// Which rule, for people.
        message: String,
    },
    /// Too many failed sign-in attempts for this email from this address (429).
    #[error("too many sign-in attempts; wait a minute and try again")]
    TooManyAttempts,
    /// The write was recorded but the read model did not reach it in time (503).
    #[error("the change was recorded but is not readable yet; read it again shortly")]
    NotCaughtUp,
    /// The server is starting and cannot answer yet (503).
    #[error("the server is not ready yet")]
    NotReady,
    /// Anything internal (500); the detail is logged, never sent.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The detail of a 500, carried in the response's extensions to the request middleware, which
/// logs it once inside the request's span.
#[derive(Clone, Debug)]
pub(crate) struct InternalDetail(pub(crate) String);

impl ApiError {
    /// The status and the machine-readable code of each kind of failure.
    #[must_use]
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            Self::Unauthenticated { code, .. } => (StatusCode::UNAUTHORIZED, code),
            Self::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::VersionConflict => (StatusCode::CONFLICT, "version_conflict"),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            Self::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            Self::TooManyAttempts => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            Self::NotCaughtUp => (StatusCode::SERVICE_UNAVAILABLE, "not_caught_up"),
            Self::NotReady => (StatusCode::SERVICE_UNAVAILABLE, "not_ready"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// Wraps an internal failure; its detail is logged and never sent.
    pub(crate) fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }

    /// 401 for a request without a valid session.
    pub(crate) fn not_signed_in() -> Self {
        Self::Unauthenticated {
            code: "not_signed_in",
            message: "sign in first",
        }
    }

    /// 422 for a rule broken, with its code.
    pub(crate) fn rule(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unprocessable {
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let detail = match &self {
            Self::Internal(source) => Some(InternalDetail(error_chain(source.as_ref()))),
            _ => None,
        };
        let body = Json(ErrorEnvelope {
            error: ErrorDetail {
                code: code.to_owned(),
                message: self.to_string(),
            },
        });
        let mut response = (status, body).into_response();
        if let Some(detail) = detail {
            response.extensions_mut().insert(detail);
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonSyntaxError(err) => Self::BadRequest {
                code: "malformed_json",
                message: err.body_text(),
            },
            JsonRejection::JsonDataError(err) => Self::BadRequest {
                code: "invalid_body",
                message: err.body_text(),
            },
            JsonRejection::MissingJsonContentType(_) => Self::BadRequest {
                code: "expected_json",
                message: "expected a body with content-type application/json".to_owned(),
            },
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::TooLarge,
            other => Self::BadRequest {
                code: "malformed_json",
                message: other.body_text(),
            },
        }
    }
}

impl From<InvalidValue> for ApiError {
    fn from(err: InvalidValue) -> Self {
        // The message names the kind of value and the rule, never the input.
        Self::rule("invalid_value", err.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict { .. } => Self::VersionConflict,
            StoreError::IdempotencyKeyReused => Self::Conflict {
                code: "idempotency_key_reused",
                message: "this Idempotency-Key was used for another request".to_owned(),
            },
            other => Self::internal(other),
        }
    }
}

impl From<ProjectionError> for ApiError {
    fn from(err: ProjectionError) -> Self {
        Self::internal(err)
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound => Self::NotFound,
            ServiceError::AlreadyExists => Self::VersionConflict,
        }
    }
}

impl From<CompanyError> for ApiError {
    fn from(err: CompanyError) -> Self {
        match err {
            CompanyError::NotFound => Self::NotFound,
            CompanyError::AlreadyRegistered => Self::VersionConflict,
        }
    }
}

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        match err {
            UserError::NotFound => Self::NotFound,
            UserError::AlreadyExists => Self::VersionConflict,
            UserError::UserDeactivated => Self::rule("user_deactivated", err.to_string()),
        }
    }
}

impl From<CustomerError> for ApiError {
    fn from(err: CustomerError) -> Self {
        let code = match err {
            CustomerError::NotFound => return Self::NotFound,
            CustomerError::AlreadyRegistered => return Self::VersionConflict,
            // The company's services were loaded for another company than the customer's:
            // the customer moved meanwhile.
            CustomerError::CompanyContextMismatch => return Self::VersionConflict,
            CustomerError::ServiceNotInCompany { .. } => "service_not_in_company",
            CustomerError::CustomerHasNoCompany => "customer_has_no_company",
            CustomerError::NoPortalAccess => "no_portal_access",
            CustomerError::WelcomeLinkAlreadyExpired => "welcome_link_expired",
        };
        Self::rule(code, err.to_string())
    }
}

impl From<PortalSettingsError> for ApiError {
    fn from(err: PortalSettingsError) -> Self {
        match err {
            PortalSettingsError::AssigneeInactive { .. } => {
                Self::rule("user_deactivated", err.to_string())
            }
        }
    }
}

impl From<IncidentError> for ApiError {
    fn from(err: IncidentError) -> Self {
        let code = match err {
            IncidentError::NotFound => return Self::NotFound,
            // The id was taken between loading and deciding, or the comment id was: a race.
            IncidentError::AlreadyLogged | IncidentError::CommentAlreadyExists { .. } => {
                return Self::VersionConflict;
            }
            // The request clashes with where the incident stands now (409, STYLE 25).
            IncidentError::IncidentClosed => {
                return Self::Conflict {
                    code: "incident_closed",
                    message: err.to_string(),
                };
            }
            IncidentError::InvalidStatusTransition { .. } => {
                return Self::Conflict {
                    code: "invalid_status_transition",
                    message: err.to_string(),
                };
            }
            IncidentError::ServiceRetired { .. } => "service_retired",
            IncidentError::ServiceNotAvailableToCustomer { .. } => "service_not_available",
            IncidentError::PortalTypeDisabled { .. } => "portal_type_unavailable",
            IncidentError::AssigneeInactive { .. } => "user_deactivated",
            IncidentError::CustomerCannotSeeIncident => "customer_cannot_see_incident",
            IncidentError::InternalCommentsNeverNotify => "internal_comment_never_notifies",
        };
        Self::rule(code, err.to_string())
    }
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;
    use ledgerdesk_domain::ServiceId;

    use serde_json::json;

    use super::*;

    async fn envelope(err: ApiError) -> (StatusCode, serde_json::Value, bool) {
        let response = err.into_response();
        let status = response.status();
        let has_detail = response.extensions().get::<InternalDetail>().is_some();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap(), has_detail)
    }

    #[tokio::test]
    async fn every_error_answers_its_status_and_code_in_the_envelope() {
        let cases = [
            (ApiError::not_signed_in(), 401, "not_signed_in"),
            (ApiError::Forbidden, 403, "forbidden"),
            (ApiError::NotFound, 404, "not_found"),
            (ApiError::VersionConflict, 409, "version_conflict"),
            (ApiError::TooLarge, 413, "body_too_large"),
            (ApiError::rule("x_rule", "broken"), 422, "x_rule"),
            (ApiError::TooManyAttempts, 429, "too_many_attempts"),
            (ApiError::NotCaughtUp, 503, "not_caught_up"),
            (
                ApiError::BadRequest {
                    code: "malformed_json",
                    message: "bad".to_owned(),
                },
                400,
                "malformed_json",
            ),
        ];

        for (err, status, code) in cases {
            let (actual, body, _) = envelope(err).await;

            assert_eq!(actual.as_u16(), status, "{code}");
            assert_eq!(body["error"]["code"], code, "{code}");
            assert!(body["error"]["message"].is_string(), "{code}");
        }
    }

    #[tokio::test]
    async fn an_internal_error_hides_its_detail_from_the_client_but_keeps_it_for_the_log() {
        let err = ApiError::internal(std::io::Error::other("password=hunter2 at db"));

        let (status, body, has_detail) = envelope(err).await;

        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            body,
            json!({"error": {"code": "internal", "message": "internal error"}})
        );
        assert!(has_detail, "the middleware gets the detail to log");
    }

    #[test]
    fn domain_rules_map_to_422_and_missing_aggregates_to_404() {
        let service_id = ServiceId::from_uuid(uuid::Uuid::nil());
        let cases = [
            (
                ApiError::from(CustomerError::ServiceNotInCompany { service_id }),
                422,
                "service_not_in_company",
            ),
            (
                ApiError::from(CustomerError::CustomerHasNoCompany),
                422,
                "customer_has_no_company",
            ),
            (ApiError::from(CustomerError::NotFound), 404, "not_found"),
            (ApiError::from(CompanyError::NotFound), 404, "not_found"),
            (
                ApiError::from(InvalidValue::new("email", "must not be empty")),
                422,
                "invalid_value",
            ),
        ];

        for (err, status, code) in cases {
            let (actual, actual_code) = err.status_and_code();

            assert_eq!((actual.as_u16(), actual_code), (status, code));
        }
    }

    #[test]
    fn a_store_conflict_is_a_409_and_other_store_failures_are_internal() {
        let conflict = StoreError::Conflict {
            stream: ledgerdesk_domain::StreamName::portal_settings(),
            expected: ledgerdesk_store::ExpectedVersion::NoStream,
            actual: 1,
        };

        assert_eq!(
            ApiError::from(conflict).status_and_code().0,
            StatusCode::CONFLICT
        );
        assert_eq!(
            ApiError::from(StoreError::InvalidAppend("x"))
                .status_and_code()
                .0,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}

//! Welcome links (ADR 12): recording a request for a welcome email with the hash of a token the
//! notifier can derive again, and `POST /portal/api/password`, which sets the password with the
//! token once, before it expires.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{SubsecRound as _, Utc};
use ledgerdesk_domain::customer::{CustomerCommand, CustomerState, WelcomeEmail};
use ledgerdesk_domain::value::TokenHash;
use ledgerdesk_domain::{Actor, Channel, CustomerId, StreamName};
use ledgerdesk_store::{WelcomeKey, token_customer, token_hash};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::json::Body;
use crate::openapi::{self, ErrorEnvelope};
use crate::write::{Writer, decide_all, load, retry_on_conflict};
use crate::{AppState, password};

/// The body of `POST /portal/api/password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordWithLink {
    token: String,
    password: String,
}

/// Sets a customer's password with the token of their welcome link: 204.
#[utoipa::path(
    post,
    path = "/portal/api/password",
    tag = "portal",
    request_body = PasswordWithLink,
    responses(
        (status = 204, description = "The password is set; the link no longer works"),
        (status = 400, description = openapi::BAD_BODY, body = ErrorEnvelope),
        (status = 409, description = openapi::VERSION_CONFLICT, body = ErrorEnvelope),
        (status = 413, description = openapi::TOO_LARGE, body = ErrorEnvelope),
        (
            status = 422,
            description = "`invalid_welcome_link`: the token is malformed, unknown, used, \
                replaced by a newer link or expired (one answer for all); `weak_password`",
            body = ErrorEnvelope
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (status = 503, description = openapi::NOT_CAUGHT_UP, body = ErrorEnvelope),
    )
)]
pub(crate) async fn set_password(
    State(state): State<AppState>,
    Body(body): Body<PasswordWithLink>,
) -> Result<StatusCode, ApiError> {
    set_password_with_link(&state, &body.token, body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the password of the customer whose welcome link carries `token`, and uses the link up.
///
/// The token must be the one of the customer's latest welcome request, not yet used by setting
/// a password, and not expired. Appends `customer.password_set` as the customer, through the
/// portal, which clears the link: a second use fails.
///
/// # Errors
/// 422 `invalid_welcome_link` for a token that is malformed, unknown, used, replaced by a newer
/// request or expired (the same answer for each, so a guess learns nothing); 422
/// `weak_password`; 409 when the customer changed meanwhile more often than retries allow;
/// 500 on an internal failure.
pub async fn set_password_with_link(
    state: &AppState,
    token: &str,
    password: String,
) -> Result<CustomerId, ApiError> {
    let invalid = || {
        ApiError::rule(
            "invalid_welcome_link",
            "this link is not valid: it may have been used already or have expired",
        )
    };
    let customer_id = token_customer(token).ok_or_else(invalid)?;
    let presented = token_hash(token);
    let password_hash = password::hash_blocking(password).await?;
    let stream = StreamName::customer(customer_id);
    let writer = Writer {
        store: state.store().clone(),
        db: state.db().clone(),
        actor: Actor::Customer(customer_id),
        channel: Channel::Portal,
        correlation_id: uuid::Uuid::now_v7(),
        wait_for_read_model: Some(state.config().read_your_writes_timeout),
    };

    retry_on_conflict(|| async {
        let loaded = load::<CustomerState>(state.store(), &stream).await?;
        if !link_matches(&loaded.state, &presented) {
            return Err(invalid());
        }
        let command = CustomerCommand::SetPassword {
            password_hash: password_hash.clone(),
        };
        let expected = loaded.expected();
        let events = decide_all(loaded.state, vec![command])?;
        writer
            .append::<CustomerState>(&stream, expected, &events)
            .await
    })
    .await?;

    tracing::info!(customer.id = %customer_id, "a customer set their password with a welcome link");
    Ok(customer_id)
}

/// Whether `token` is a welcome link that would set a password now: the latest one of its
/// customer, not used, not expired. For the welcome page, which shows no form for a dead link.
///
/// # Errors
/// 500 when the customer's events cannot be read.
pub(crate) async fn welcome_link_works(state: &AppState, token: &str) -> Result<bool, ApiError> {
    let Some(customer_id) = token_customer(token) else {
        return Ok(false);
    };
    let loaded = load::<CustomerState>(state.store(), &StreamName::customer(customer_id)).await?;
    Ok(link_matches(&loaded.state, &token_hash(token)))
}

/// Whether the customer's current welcome link has the hash `presented` and has not expired.
fn link_matches(state: &CustomerState, presented: &str) -> bool {
    state
        .customer()
        .and_then(|customer| customer.welcome_link.as_ref())
        .is_some_and(|link| link.token_hash.expose() == presented && link.expires_at > Utc::now())
}

/// A welcome email for `customer_id`: a token derived from the server key and the expiry, of
/// which the request carries only the hash.
///
/// # Errors
/// 500 when the server key cannot be read or created.
pub(crate) async fn welcome_email(
    state: &AppState,
    customer_id: CustomerId,
) -> Result<WelcomeEmail, ApiError> {
    let key = WelcomeKey::load_or_create(state.store()).await?;
    // Whole seconds, so the expiry the notifier reads back from the event is the same value.
    let requested_at = Utc::now().trunc_subsecs(0);
    let expires_at = requested_at + state.config().welcome_link_ttl;
    let token = key.token(customer_id, expires_at);
    Ok(WelcomeEmail {
        token_hash: TokenHash::parse(&token_hash(&token))?,
        requested_at,
        expires_at,
    })
}

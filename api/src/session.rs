//! Sessions: random tokens stored as SHA-256 hashes in `sessions`, presented as a bearer token
//! or a cookie, and the extractors that turn them into a signed-in staff user or customer.
//!
//! Sessions are not events (ADR 8). A customer's session is valid only while the read model
//! says they have portal access, checked on every request, so revoking access ends it at once;
//! and the writes that revoke access also end every session of the customer
//! (`end_customer_sessions`) before they append, so access granted again later never revives
//! an old session.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use base64::Engine as _;
use chrono::{SecondsFormat, Utc};
use ledgerdesk_domain::customer::CustomerEvent;
use ledgerdesk_domain::user::Role;
use ledgerdesk_domain::{CustomerId, UserId};
use ledgerdesk_projections::db::{Cell, Param, ReadDb};
use sha2::{Digest as _, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// Whose session it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// A staff user, signed in at `/api/session`.
    Staff,
    /// A customer, signed in at `/portal/api/session`.
    Customer,
}

/// A signed-in, active staff user.
#[derive(Clone, Copy, Debug)]
pub struct StaffSession {
    /// Who.
    pub user_id: UserId,
    /// Their role now (read per request, so a role change applies at once).
    pub role: Role,
}

/// A signed-in staff user whose role is admin.
#[derive(Clone, Copy, Debug)]
pub struct AdminSession(pub StaffSession);

/// A signed-in customer who has portal access now.
#[derive(Clone, Copy, Debug)]
pub struct CustomerSession {
    /// Who.
    pub customer_id: CustomerId,
}

/// The token a request presented, hashed, for signing out.
#[derive(Clone, Debug)]
pub struct PresentedToken {
    /// SHA-256 of the token, hex.
    pub hash: String,
}

impl PrincipalKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Customer => "customer",
        }
    }

    /// The cookie that carries this kind of session.
    #[must_use]
    pub fn cookie_name(self) -> &'static str {
        match self {
            Self::Staff => "ledgerdesk_staff_session",
            Self::Customer => "ledgerdesk_portal_session",
        }
    }

    /// The path the cookie is sent to.
    #[must_use]
    pub fn cookie_path(self) -> &'static str {
        match self {
            Self::Staff => "/api",
            Self::Customer => "/portal",
        }
    }
}

/// Starts a session; returns the token, which exists nowhere else.
///
/// # Errors
/// 500 when the session cannot be stored.
pub async fn start(
    state: &AppState,
    kind: PrincipalKind,
    principal_id: &str,
) -> Result<String, ApiError> {
    let token = random_token();
    let now = Utc::now();
    let expires = now + state.config().session_ttl;

    let sql =
        "insert into sessions (token_hash, principal_kind, principal_id, created_at, expires_at)
               values ($1, $2, $3, $4, $5)";
    let params = [
        token_hash(&token).into(),
        kind.as_str().into(),
        principal_id.into(),
        timestamp(now).into(),
        timestamp(expires).into(),
    ];
    execute(state.db(), sql, &params).await?;
    Ok(token)
}

/// Ends the session with this token hash, if it is one of `kind`.
///
/// # Errors
/// 500 when the session table cannot be written.
pub async fn revoke(db: &ReadDb, kind: PrincipalKind, hash: &str) -> Result<(), ApiError> {
    let sql = "update sessions set revoked_at = $3
               where token_hash = $1 and principal_kind = $2 and revoked_at is null";
    let params = [
        hash.into(),
        kind.as_str().into(),
        timestamp(Utc::now()).into(),
    ];
    execute(db, sql, &params).await
}

/// Deletes every session that can never be used again: expired or signed out. Returns how
/// many were deleted. `serve` runs it at start and then periodically, so the table holds
/// live sessions only.
///
/// # Errors
/// 500 when the session table cannot be written.
pub async fn purge_ended(db: &ReadDb) -> Result<u64, ApiError> {
    let sql = "delete from sessions where expires_at <= $1 or revoked_at is not null";
    let mut tx = db.begin().await?;
    let deleted = tx.execute(sql, &[timestamp(Utc::now()).into()]).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// Whether the customer events revoke portal access.
pub(crate) fn revokes_portal_access(events: &[CustomerEvent]) -> bool {
    events
        .iter()
        .any(|event| matches!(event, CustomerEvent::PortalAccessRevoked {}))
}

/// Ends every session of the customer. Called by each write that revokes portal access, before
/// it appends: a crash in between leaves the customer signed out with access, never the
/// reverse.
///
/// # Errors
/// 500 when the session table cannot be written.
pub async fn end_customer_sessions(db: &ReadDb, customer_id: CustomerId) -> Result<(), ApiError> {
    let sql = "update sessions set revoked_at = $3
               where principal_kind = $2 and principal_id = $1 and revoked_at is null";
    let params = [
        customer_id.to_string().into(),
        PrincipalKind::Customer.as_str().into(),
        timestamp(Utc::now()).into(),
    ];
    execute(db, sql, &params).await
}

/// The `Set-Cookie` value that carries `token`, or that clears the cookie when `token` is None.
#[must_use]
pub fn cookie(kind: PrincipalKind, token: Option<&str>, secure: bool, max_age_secs: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let (value, max_age) = match token {
        Some(token) => (token, max_age_secs),
        None => ("", 0),
    };
    format!(
        "{}={value}; Path={}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        kind.cookie_name(),
        kind.cookie_path()
    )
}

impl FromRequestParts<AppState> for PresentedToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let kind = if parts.uri.path().starts_with("/portal") {
            PrincipalKind::Customer
        } else {
            PrincipalKind::Staff
        };
        let token = presented_token(parts, kind).ok_or_else(ApiError::not_signed_in)?;
        Ok(Self {
            hash: token_hash(&token),
        })
    }
}

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token =
            presented_token(parts, PrincipalKind::Staff).ok_or_else(ApiError::not_signed_in)?;
        let sql = "select u.user_id, u.role
                   from sessions s
                   join rm_staff_users u on u.user_id = s.principal_id
                   where s.token_hash = $1
                     and s.principal_kind = 'staff'
                     and s.revoked_at is null
                     and s.expires_at > $2
                     and u.active";
        let rows = state
            .db()
            .fetch_all(
                sql,
                &[token_hash(&token).into(), timestamp(Utc::now()).into()],
            )
            .await?;
        let row = rows.first().ok_or_else(ApiError::not_signed_in)?;
        let user_id = text(row, 0).and_then(|id| UserId::parse(id).ok());
        let role = text(row, 1).and_then(|role| Role::parse(role).ok());
        match (user_id, role) {
            (Some(user_id), Some(role)) => Ok(Self { user_id, role }),
            _ => Err(ApiError::not_signed_in()),
        }
    }
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let staff = StaffSession::from_request_parts(parts, state).await?;
        match staff.role {
            Role::Admin => Ok(Self(staff)),
            Role::Agent => Err(ApiError::Forbidden),
        }
    }
}

impl FromRequestParts<AppState> for CustomerSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token =
            presented_token(parts, PrincipalKind::Customer).ok_or_else(ApiError::not_signed_in)?;
        let sql = "select c.customer_id
                   from sessions s
                   join rm_customers c on c.customer_id = s.principal_id
                   where s.token_hash = $1
                     and s.principal_kind = 'customer'
                     and s.revoked_at is null
                     and s.expires_at > $2
                     and c.portal_access";
        let rows = state
            .db()
            .fetch_all(
                sql,
                &[token_hash(&token).into(), timestamp(Utc::now()).into()],
            )
            .await?;
        let customer_id = rows
            .first()
            .and_then(|row| text(row, 0))
            .and_then(|id| CustomerId::parse(id).ok())
            .ok_or_else(ApiError::not_signed_in)?;
        Ok(Self { customer_id })
    }
}

/// 32 random bytes from the operating system, base64url: a session token or a form token.
pub(crate) fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    argon2::password_hash::rand_core::RngCore::fill_bytes(
        &mut argon2::password_hash::rand_core::OsRng,
        &mut bytes,
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, hex: what the session table keys on.
#[must_use]
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A time as the session table stores it: RFC 3339, UTC, microseconds (fixed width).
pub(crate) fn timestamp(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The bearer token, else the cookie of `kind`.
pub(crate) fn presented_token(parts: &Parts, kind: PrincipalKind) -> Option<String> {
    presented_token_of(&parts.headers, kind)
}

/// The bearer token, else the cookie of `kind`, from request headers.
pub(crate) fn presented_token_of(
    headers: &axum::http::HeaderMap,
    kind: PrincipalKind,
) -> Option<String> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty());
    if let Some(token) = bearer {
        return Some(token.to_owned());
    }
    let prefix = format!("{}=", kind.cookie_name());
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .map(str::trim)
        .find_map(|pair| pair.strip_prefix(prefix.as_str()))
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}

fn text(row: &[Cell], index: usize) -> Option<&str> {
    row.get(index).and_then(Cell::as_text)
}

async fn execute(db: &ReadDb, sql: &str, params: &[Param]) -> Result<(), ApiError> {
    let mut tx = db.begin().await?;
    tx.execute(sql, params).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder().uri("/api/services");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn a_token_comes_from_the_bearer_header_or_the_cookie_of_its_kind() {
        let cases = [
            (vec![("authorization", "Bearer abc")], Some("abc"), "bearer"),
            (
                vec![("cookie", "x=1; ledgerdesk_staff_session=def")],
                Some("def"),
                "staff cookie",
            ),
            (
                vec![("cookie", "ledgerdesk_portal_session=ghi")],
                None,
                "another kind's cookie",
            ),
            (vec![("authorization", "Basic abc")], None, "not bearer"),
            (vec![], None, "nothing"),
        ];

        for (headers, expected, message) in cases {
            let token = presented_token(&parts(&headers), PrincipalKind::Staff);

            assert_eq!(token.as_deref(), expected, "{message}");
        }
    }

    #[test]
    fn cookies_are_http_only_and_same_site_and_secure_only_when_asked() {
        let plain = cookie(PrincipalKind::Customer, Some("t"), false, 60);
        let secure = cookie(PrincipalKind::Staff, None, true, 60);

        assert_eq!(
            plain,
            "ledgerdesk_portal_session=t; Path=/portal; Max-Age=60; HttpOnly; SameSite=Lax"
        );
        assert!(secure.ends_with("SameSite=Lax; Secure"), "{secure}");
        assert!(secure.contains("Max-Age=0"), "clearing: {secure}");
    }
}

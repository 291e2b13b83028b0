//! CSRF tokens for the portal's forms (ADR 15).
//!
//! A signed-in customer's forms carry a token derived from their session token, so it needs no
//! storage and dies with the session: `SHA-256("ledgerdesk portal form\n" + session token)`.
//! The session token is random and never readable by scripts or other sites (an HttpOnly
//! cookie), and the hash cannot be turned back into it. Forms shown before sign-in (sign in,
//! welcome) use a double-submit cookie instead: a random value in an HttpOnly, SameSite=Strict
//! cookie, repeated in the form.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use sha2::{Digest as _, Sha256};

use crate::pages::PageError;
use crate::session::random_token;

/// The cookie of the double-submit token on forms shown before sign-in.
pub(crate) const FORM_COOKIE: &str = "ledgerdesk_portal_form";

/// The token a signed-in customer's forms carry.
pub(crate) fn for_session(session_token: &str) -> String {
    hex::encode(Sha256::digest(format!(
        "ledgerdesk portal form\n{session_token}"
    )))
}

/// Refuses a form whose token is not `expected`.
pub(crate) fn check(expected: &str, sent: Option<&str>) -> Result<(), PageError> {
    match sent {
        Some(sent) if same(expected, sent) => Ok(()),
        _ => Err(PageError::Csrf),
    }
}

/// The double-submit token the request's cookie holds, or a new one with the cookie to set.
pub(crate) fn anonymous(headers: &HeaderMap, secure: bool) -> (String, Option<String>) {
    if let Some(token) = anonymous_cookie(headers) {
        return (token, None);
    }
    let token = random_token();
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{FORM_COOKIE}={token}; Path=/portal; HttpOnly; SameSite=Strict{secure}");
    (token, Some(cookie))
}

/// The double-submit token of the request's cookie, if any.
pub(crate) fn anonymous_cookie(headers: &HeaderMap) -> Option<String> {
    let prefix = format!("{FORM_COOKIE}=");
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

/// Compares two tokens in time that depends on their length only.
fn same(expected: &str, sent: &str) -> bool {
    expected.len() == sent.len()
        && expected
            .bytes()
            .zip(sent.bytes())
            .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_token_is_accepted_only_when_it_is_the_sessions() {
        let token = for_session("session-1");
        let cases = [
            (Some(token.as_str()), true, "the session's token"),
            (None, false, "no token"),
            (Some(""), false, "an empty token"),
            (Some(&token[1..]), false, "a shorter token"),
        ];
        let other = for_session("session-2");

        for (sent, accepted, message) in cases {
            assert_eq!(check(&token, sent).is_ok(), accepted, "{message}");
        }
        assert!(
            check(&token, Some(&other)).is_err(),
            "another session's token"
        );
    }

    #[test]
    fn a_form_cookie_is_reused_when_the_request_has_one() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, "a=1; ledgerdesk_portal_form=abc".parse().unwrap());

        let (kept, set) = anonymous(&headers, false);
        let (fresh, cookie) = anonymous(&HeaderMap::new(), true);

        assert_eq!((kept.as_str(), set), ("abc", None));
        let cookie = cookie.expect("a new token sets the cookie");
        assert!(cookie.starts_with(&format!("ledgerdesk_portal_form={fresh};")));
        assert!(
            cookie.ends_with("HttpOnly; SameSite=Strict; Secure"),
            "{cookie}"
        );
    }
}

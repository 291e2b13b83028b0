//! Opaque secrets kept in events: `PasswordHash` and `TokenHash`. Their `Debug` is redacted
//! and they have no `Display`, so they do not end up in logs or error messages by accident.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;

/// A password hash in PHC string form (e.g. Argon2id), computed by the caller.
///
/// The domain never sees a password. Events may store the hash; APIs never return it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PasswordHash(String);

/// The hash of a one-time token (e.g. the welcome link's), computed by the caller.
///
/// The token itself is only ever in the mail; the ledger keeps the hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenHash(String);

impl PasswordHash {
    /// Wraps a hash string: 1 to 1000 visible ASCII characters.
    ///
    /// # Errors
    ///
    /// Returns [`InvalidValue`] when `input` is empty, too long, or holds anything but visible
    /// ASCII.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        opaque(input, "password hash").map(Self)
    }

    /// The hash string, for the caller that verifies a password against it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TokenHash {
    /// Wraps a hash string: 1 to 1000 visible ASCII characters.
    ///
    /// # Errors
    ///
    /// Returns [`InvalidValue`] when `input` is empty, too long, or holds anything but visible
    /// ASCII.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        opaque(input, "token hash").map(Self)
    }

    /// The hash string, for the caller that looks a presented token up.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(<redacted>)")
    }
}

impl TryFrom<String> for PasswordHash {
    type Error = InvalidValue;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(&input)
    }
}

impl TryFrom<String> for TokenHash {
    type Error = InvalidValue;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::parse(&input)
    }
}

impl From<PasswordHash> for String {
    fn from(hash: PasswordHash) -> Self {
        hash.0
    }
}

impl From<TokenHash> for String {
    fn from(hash: TokenHash) -> Self {
        hash.0
    }
}

fn opaque(input: &str, what: &'static str) -> Result<String, InvalidValue> {
    if input.is_empty() {
        return Err(InvalidValue::new(what, "must not be empty"));
    }
    if input.len() > 1000 {
        return Err(InvalidValue::new(what, "longer than 1000 characters"));
    }
    if !input.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(InvalidValue::new(what, "expected visible ascii only"));
    }
    Ok(input.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let password = PasswordHash::parse(PHC).unwrap();
        let token = TokenHash::parse("deadbeef").unwrap();

        let shown = format!("{password:?} {token:?}");

        assert_eq!(shown, "PasswordHash(<redacted>) TokenHash(<redacted>)");
    }

    #[test]
    fn secrets_must_be_visible_ascii_of_up_to_1000_characters() {
        let too_long = "a".repeat(1001);
        let cases = [
            (PHC, true, "argon2id phc string"),
            ("", false, "empty"),
            ("has space", false, "space"),
            (too_long.as_str(), false, "1001 characters"),
        ];

        for (input, valid, message) in cases {
            assert_eq!(PasswordHash::parse(input).is_ok(), valid, "{message}");
            assert_eq!(TokenHash::parse(input).is_ok(), valid, "{message}");
        }
    }
}

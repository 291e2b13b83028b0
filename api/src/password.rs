//! Passwords: the length policy, Argon2id hashing and verification.
//!
//! Hashing is deliberately slow, so callers in async code run it on the blocking pool
//! ([`hash_blocking`], [`verify_blocking`]).

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    PasswordHash as Phc, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use ledgerdesk_domain::value::PasswordHash;

use crate::error::ApiError;

/// The shortest password accepted.
pub const MIN_CHARS: usize = 8;
/// The longest password accepted (hashing cost grows with the input).
pub const MAX_CHARS: usize = 1024;

/// Checks the policy and hashes `password` with Argon2id and a random salt.
///
/// # Errors
/// 422 `weak_password` when the password is shorter than [`MIN_CHARS`] or longer than
/// [`MAX_CHARS`]; 500 if hashing fails.
pub fn hash(password: &str) -> Result<PasswordHash, ApiError> {
    let n_chars = password.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&n_chars) {
        return Err(ApiError::rule(
            "weak_password",
            format!("a password has {MIN_CHARS} to {MAX_CHARS} characters"),
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    let phc = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|err| ApiError::internal(HashingFailed(err.to_string())))?
        .to_string();
    Ok(PasswordHash::parse(&phc)?)
}

/// Whether `password` matches `stored`; a malformed stored hash never matches.
#[must_use]
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(phc) = Phc::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &phc)
        .is_ok()
}

/// Like [`verify`], but against a fixed hash when there is no account, so that a sign-in for an
/// unknown email costs as much time as one with a wrong password.
#[must_use]
pub fn verify_or_waste_time(password: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(stored) => verify(password, stored),
        None => {
            let _ = verify(password, decoy());
            false
        }
    }
}

/// [`hash`] on the blocking pool.
///
/// # Errors
/// As [`hash`].
pub async fn hash_blocking(password: String) -> Result<PasswordHash, ApiError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(ApiError::internal)?
}

/// [`verify_or_waste_time`] on the blocking pool.
///
/// # Errors
/// 500 if the blocking task fails.
pub async fn verify_blocking(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || verify_or_waste_time(&password, stored.as_deref()))
        .await
        .map_err(ApiError::internal)
}

/// Hashing failed inside the argon2 crate.
#[derive(Debug, thiserror::Error)]
#[error("failed to hash a password: {0}")]
struct HashingFailed(String);

fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"no account has this password", &salt)
            .map(|phc| phc.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hashed = hash("correct horse battery").unwrap();

        assert!(hashed.expose().starts_with("$argon2id$"), "argon2id");
        assert!(verify("correct horse battery", hashed.expose()));
        assert!(!verify("correct horse battery!", hashed.expose()));
        assert!(!verify("correct horse battery", "not a phc string"));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        let first = hash("same password").unwrap();
        let second = hash("same password").unwrap();

        assert_ne!(first.expose(), second.expose(), "a fresh salt each time");
    }

    #[test]
    fn passwords_outside_the_length_policy_are_refused() {
        let too_long = "x".repeat(MAX_CHARS + 1);
        let cases = [
            ("short", false),
            ("12345678", true),
            (too_long.as_str(), false),
        ];

        for (password, accepted) in cases {
            let outcome = hash(password);

            assert_eq!(outcome.is_ok(), accepted, "{} chars", password.len());
        }
    }

    #[test]
    fn an_unknown_account_never_verifies() {
        assert!(!verify_or_waste_time("anything at all", None));
    }
}

//! Welcome-link tokens: derived from a server secret so that the notifier can put the token in
//! the mail while the ledger keeps only its hash (ADR 12).
//!
//! The secret is random, generated on first use and kept in `server_secrets`; whoever holds it
//! (the API when it records `customer.welcome_email_requested`, the notifier when it writes the
//! mail) derives the same token from the customer and the link's expiry.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac as _};
use ledgerdesk_domain::CustomerId;
use sha2::{Digest as _, Sha256};

use crate::{AnyStore, StoreError};

/// The key welcome-link tokens are derived from. Its `Debug` is redacted.
#[derive(Clone)]
pub struct WelcomeKey([u8; 32]);

/// The name of the welcome key's row in `server_secrets`.
const KEY_NAME: &str = "welcome_link";

impl fmt::Debug for WelcomeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WelcomeKey(<redacted>)")
    }
}

impl WelcomeKey {
    /// Loads the key, generating and storing it first if this database has none yet; two
    /// processes doing so at once end up with the same key.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the table cannot be read or written, and
    /// [`StoreError::Corrupt`] when the stored key is not 32 hex-encoded bytes.
    pub async fn load_or_create(store: &AnyStore) -> Result<Self, StoreError> {
        // Two v4 UUIDs carry 244 random bits from the operating system's generator.
        let fresh = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let insert = "insert into server_secrets (name, secret) values ($1, $2)
                      on conflict (name) do nothing";
        let select = "select secret from server_secrets where name = $1";
        let stored: String = match store {
            AnyStore::Postgres(pg) => {
                let pool = pg.pool();
                sqlx::query(insert)
                    .bind(KEY_NAME)
                    .bind(&fresh)
                    .execute(pool)
                    .await?;
                sqlx::query_scalar(select)
                    .bind(KEY_NAME)
                    .fetch_one(pool)
                    .await?
            }
            AnyStore::Sqlite(lite) => {
                let pool = lite.pool();
                sqlx::query(insert)
                    .bind(KEY_NAME)
                    .bind(&fresh)
                    .execute(pool)
                    .await?;
                sqlx::query_scalar(select)
                    .bind(KEY_NAME)
                    .fetch_one(pool)
                    .await?
            }
        };

        let mut key = [0; 32];
        hex::decode_to_slice(stored.trim(), &mut key).map_err(|_| StoreError::Corrupt {
            position: 0,
            reason: "the welcome-link key in server_secrets is not 32 hex-encoded bytes".into(),
        })?;
        Ok(Self(key))
    }

    /// A key from raw bytes (tests and benchmarks).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The token of the welcome link for `customer_id` that expires at `expires_at`: the
    /// customer's id (so the token names whose link it is) and an HMAC-SHA-256 over both, hex.
    #[must_use]
    pub fn token(&self, customer_id: CustomerId, expires_at: DateTime<Utc>) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length, 32 bytes included");
        let expiry = expires_at.to_rfc3339_opts(SecondsFormat::Micros, true);
        mac.update(format!("welcome|{}|{expiry}", customer_id.as_uuid()).as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{}{}", customer_id.as_uuid().simple(), hex::encode(digest))
    }
}

/// What the ledger keeps of a token: its SHA-256, hex.
#[must_use]
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The customer a token names, if it has the shape of one.
#[must_use]
pub fn token_customer(token: &str) -> Option<CustomerId> {
    if token.len() != 96 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let uuid = uuid::Uuid::try_parse(token.get(..32)?).ok()?;
    Some(CustomerId::from_uuid(uuid))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn a_token_names_its_customer_and_changes_with_the_key_and_the_expiry() {
        let customer_id = CustomerId::from_uuid(uuid::Uuid::from_u128(7));
        let expiry = Utc
            .with_ymd_and_hms(2030, 1, 2, 3, 4, 5)
            .single()
            .expect("a valid time");
        let key = WelcomeKey::from_bytes([1; 32]);

        let token = key.token(customer_id, expiry);

        assert_eq!(token_customer(&token), Some(customer_id));
        assert_eq!(
            token,
            key.token(customer_id, expiry),
            "the same inputs give the same token"
        );
        assert_ne!(
            token,
            WelcomeKey::from_bytes([2; 32]).token(customer_id, expiry)
        );
        assert_ne!(
            token,
            key.token(customer_id, expiry + chrono::Duration::seconds(1))
        );
        assert_eq!(token_hash(&token).len(), 64);
        assert_eq!(token_customer("not a token"), None);
    }
}

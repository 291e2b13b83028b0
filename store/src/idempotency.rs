//! Idempotency keys: a replayed request gets the first request's outcome and appends nothing.

use ledgerdesk_domain::StreamName;
use sha2::{Digest, Sha256};

use crate::NewEvent;
use crate::hash::{Hash, write_canonical};

/// A caller's idempotency key with the fingerprint of the request it belongs to.
///
/// The same key with the same fingerprint replays; the same key with another fingerprint is a
/// conflict ([`crate::StoreError::IdempotencyKeyReused`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    key: String,
    fingerprint: Hash,
}

/// Why an idempotency key was refused.
#[derive(Debug, thiserror::Error)]
#[error("idempotency keys are 1 to 200 printable ASCII characters")]
pub struct InvalidIdempotencyKey;

impl Idempotency {
    /// A key for a request whose content the caller fingerprints itself, for example an HTTP
    /// body together with the signed-in customer.
    ///
    /// # Errors
    /// [`InvalidIdempotencyKey`] when the key is empty, too long or not printable ASCII.
    pub fn for_request(key: &str, request: &[u8]) -> Result<Self, InvalidIdempotencyKey> {
        let key = check_key(key)?;
        Ok(Self {
            key,
            fingerprint: Sha256::digest(request).into(),
        })
    }

    /// A key whose fingerprint is the appended content: the stream, and each event's type,
    /// schema version and data. Event ids and times are left out, since a retry makes new ones.
    ///
    /// # Errors
    /// [`InvalidIdempotencyKey`] when the key is empty, too long or not printable ASCII.
    pub fn for_events(
        key: &str,
        stream: &StreamName,
        events: &[NewEvent],
    ) -> Result<Self, InvalidIdempotencyKey> {
        let key = check_key(key)?;
        let mut content = String::new();
        content.push_str(stream.as_str());
        for event in events {
            content.push('\n');
            content.push_str(event.event_type());
            content.push(' ');
            content.push_str(&event.schema_version().to_string());
            content.push(' ');
            write_canonical(event.data(), &mut content);
        }
        Ok(Self {
            key,
            fingerprint: Sha256::digest(content.as_bytes()).into(),
        })
    }

    /// The key as the caller gave it.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    pub(crate) fn fingerprint(&self) -> &Hash {
        &self.fingerprint
    }
}

fn check_key(key: &str) -> Result<String, InvalidIdempotencyKey> {
    let ok = !key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(key.to_owned())
    } else {
        Err(InvalidIdempotencyKey)
    }
}

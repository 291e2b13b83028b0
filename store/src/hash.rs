//! The per-stream SHA-256 hash chain: canonical bytes of an event and the link hash.
//!
//! Each event's hash covers its stream's previous hash and the event's canonical bytes, so
//! changing, removing or reordering a stored event breaks the chain at that event.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The hash before a stream's first event.
pub(crate) const GENESIS: Hash = [0; 32];

/// The parts of a stored event that the hash covers, as they are stored.
pub(crate) struct HashedFields<'a> {
    pub(crate) event_id: uuid::Uuid,
    pub(crate) stream: &'a str,
    pub(crate) version: u64,
    pub(crate) event_type: &'a str,
    pub(crate) schema_version: u16,
    pub(crate) data: &'a serde_json::Value,
    pub(crate) actor: &'a str,
    pub(crate) channel: &'a str,
    pub(crate) correlation_id: uuid::Uuid,
    pub(crate) causation_id: Option<uuid::Uuid>,
    pub(crate) occurred_at: DateTime<Utc>,
}

/// The hash of one link: SHA-256 over the previous hash and the event's canonical bytes.
pub(crate) fn link_hash(previous: &Hash, fields: &HashedFields<'_>) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(canonical_bytes(fields).as_bytes());
    hasher.finalize().into()
}

/// The event as one JSON object with sorted keys and no spaces.
///
/// Keys are sorted here rather than by relying on serde_json's map order, which a feature of
/// another crate in the build could change.
fn canonical_bytes(fields: &HashedFields<'_>) -> String {
    let causation = fields
        .causation_id
        .map_or(serde_json::Value::Null, |id| id.to_string().into());
    let object = serde_json::json!({
        "actor": fields.actor,
        "causation_id": causation,
        "channel": fields.channel,
        "correlation_id": fields.correlation_id.to_string(),
        "data": fields.data,
        "event_id": fields.event_id.to_string(),
        "event_type": fields.event_type,
        "occurred_at": fields.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "schema_version": fields.schema_version,
        "stream": fields.stream,
        "version": fields.version,
    });
    let mut out = String::new();
    write_canonical(&object, &mut out);
    out
}

pub(crate) fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        serde_json::Value::String(text) => write_string(text, out),
        serde_json::Value::Number(number) => {
            let _ = write!(out, "{number}");
        }
        serde_json::Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        serde_json::Value::Null => out.push_str("null"),
    }
}

fn write_string(text: &str, out: &mut String) {
    // Serializing a plain string cannot fail; the fallback keeps the function total.
    out.push_str(&serde_json::to_string(text).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(data: &serde_json::Value) -> HashedFields<'_> {
        HashedFields {
            event_id: uuid::Uuid::nil(),
            stream: "service-1",
            version: 1,
            event_type: "service.created",
            schema_version: 1,
            data,
            actor: "system",
            channel: "cli",
            correlation_id: uuid::Uuid::nil(),
            causation_id: None,
            occurred_at: DateTime::parse_from_rfc3339("2026-12-04T10:00:00.123456Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn key_order_of_the_data_does_not_change_the_hash() {
        let one: serde_json::Value =
            serde_json::from_str(r#"{"a":1,"b":{"y":2,"x":[1,"é"]}}"#).unwrap();
        let two: serde_json::Value =
            serde_json::from_str(r#"{"b":{"x":[1,"é"],"y":2},"a":1}"#).unwrap();

        assert_eq!(
            link_hash(&GENESIS, &fields(&one)),
            link_hash(&GENESIS, &fields(&two))
        );
    }

    #[test]
    fn any_change_to_data_or_previous_hash_changes_the_hash() {
        let data = serde_json::json!({"name": "Email"});
        let changed = serde_json::json!({"name": "E-mail"});
        let base = link_hash(&GENESIS, &fields(&data));

        assert_ne!(
            base,
            link_hash(&GENESIS, &fields(&changed)),
            "data is covered"
        );
        assert_ne!(
            base,
            link_hash(&[1; 32], &fields(&data)),
            "the previous link is covered"
        );
    }
}

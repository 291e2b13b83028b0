//! Events as the store takes them in and hands them back.

use chrono::{DateTime, SubsecRound, Utc};
use ledgerdesk_domain::{Actor, Channel, EventId, StreamName};
use serde::{Deserialize, Serialize};

use crate::Checkpoint;

/// Who caused an event, through which channel, and as part of which request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Who caused the event.
    pub actor: Actor,
    /// The channel the change came through.
    pub channel: Channel,
    /// Shared by every event caused by one request.
    pub correlation_id: uuid::Uuid,
    /// The event or message that caused this one, if any.
    pub causation_id: Option<uuid::Uuid>,
}

/// An event about to be appended.
///
/// Build it with [`NewEvent::new`], which checks the type string and rounds the time to the
/// microseconds both databases keep, so the hash computed now matches the one verify computes.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    event_id: EventId,
    event_type: String,
    schema_version: u16,
    data: serde_json::Value,
    metadata: Metadata,
    occurred_at: DateTime<Utc>,
}

/// Why a [`NewEvent`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum InvalidEvent {
    /// Type strings are 1 to 100 characters of `a-z`, `0-9`, `.`, `_` and `-`.
    #[error("invalid event type {0:?}")]
    Type(String),
    /// Schema versions start at 1.
    #[error("schema version must be at least 1")]
    SchemaVersion,
    /// The data must be a JSON object.
    #[error("event data must be a JSON object")]
    Data,
    /// Numbers in the data must be integers: PostgreSQL's `jsonb` rewrites other numbers
    /// (`-0.0`, `1e2`), which would change the bytes the hash covers.
    #[error("event data may only hold integer numbers")]
    FractionalNumber,
}

impl NewEvent {
    /// Checks and builds an event to append.
    ///
    /// # Errors
    /// [`InvalidEvent`] when the type string, schema version or data is not acceptable.
    pub fn new(
        event_id: EventId,
        event_type: &str,
        schema_version: u16,
        data: serde_json::Value,
        metadata: Metadata,
        occurred_at: DateTime<Utc>,
    ) -> Result<Self, InvalidEvent> {
        let type_ok = !event_type.is_empty()
            && event_type.len() <= 100
            && event_type
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !type_ok {
            return Err(InvalidEvent::Type(event_type.to_owned()));
        }
        if schema_version == 0 {
            return Err(InvalidEvent::SchemaVersion);
        }
        if !data.is_object() {
            return Err(InvalidEvent::Data);
        }
        if !integers_only(&data) {
            return Err(InvalidEvent::FractionalNumber);
        }

        Ok(Self {
            event_id,
            event_type: event_type.to_owned(),
            schema_version,
            data,
            metadata,
            occurred_at: occurred_at.trunc_subsecs(6),
        })
    }

    /// The event's id.
    #[must_use]
    pub fn event_id(&self) -> EventId {
        self.event_id
    }

    /// The stable type string.
    #[must_use]
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The schema version the data is written in.
    #[must_use]
    pub fn schema_version(&self) -> u16 {
        self.schema_version
    }

    /// The event's data.
    #[must_use]
    pub fn data(&self) -> &serde_json::Value {
        &self.data
    }

    /// Who, how and why.
    #[must_use]
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// When the fact happened, to the microsecond.
    #[must_use]
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }
}

fn integers_only(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(number) => number.is_i64() || number.is_u64(),
        serde_json::Value::Array(items) => items.iter().all(integers_only),
        serde_json::Value::Object(map) => map.values().all(integers_only),
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::String(_) => true,
    }
}

/// An event read back from the ledger, already upcast to its type's current schema version.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordedEvent {
    /// Global position: the event's identity in the whole ledger.
    pub position: i64,
    /// Where a reader stands after this event.
    pub checkpoint: Checkpoint,
    /// The stream it belongs to.
    pub stream: StreamName,
    /// Its version within the stream, from 1.
    pub version: u64,
    /// The event's id.
    pub event_id: EventId,
    /// The stable type string.
    pub event_type: String,
    /// The schema version of `data` as handed out (the current one).
    pub schema_version: u16,
    /// The schema version the event was stored in.
    pub stored_schema_version: u16,
    /// The event's data in the current schema version.
    pub data: serde_json::Value,
    /// Who, how and why.
    pub metadata: Metadata,
    /// When the fact happened.
    pub occurred_at: DateTime<Utc>,
    /// When the store recorded it.
    pub recorded_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use ledgerdesk_domain::{Actor, Channel, EventId};

    use super::{InvalidEvent, Metadata, NewEvent};

    fn build(
        event_type: &str,
        version: u16,
        data: serde_json::Value,
    ) -> Result<NewEvent, InvalidEvent> {
        let metadata = Metadata {
            actor: Actor::System,
            channel: Channel::Cli,
            correlation_id: uuid::Uuid::nil(),
            causation_id: None,
        };
        NewEvent::new(
            EventId::from_uuid(uuid::Uuid::nil()),
            event_type,
            version,
            data,
            metadata,
            Utc::now(),
        )
    }

    #[test]
    fn events_that_could_not_be_stored_faithfully_are_refused() {
        let cases = [
            (
                "Service.Created",
                1,
                serde_json::json!({}),
                "upper case in the type",
            ),
            ("", 1, serde_json::json!({}), "an empty type"),
            (
                "service.created",
                0,
                serde_json::json!({}),
                "schema version zero",
            ),
            (
                "service.created",
                1,
                serde_json::json!([1, 2]),
                "data that is not an object",
            ),
            (
                "service.created",
                1,
                serde_json::json!({"price": 1.5}),
                "a fractional number",
            ),
            (
                "service.created",
                1,
                serde_json::json!({"a": [{"b": -0.0}]}),
                "a nested float",
            ),
        ];

        for (event_type, version, data, message) in cases {
            assert!(
                build(event_type, version, data).is_err(),
                "{message} is refused"
            );
        }
        let fine = serde_json::json!({"n": -3, "big": u64::MAX, "s": "1.5", "none": null});
        assert!(
            build("service.created", 1, fine).is_ok(),
            "integers, strings and nulls are fine"
        );
    }
}

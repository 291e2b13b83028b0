//! A stored event row as both backends read it, and its conversion into a [`RecordedEvent`].

use chrono::{DateTime, Utc};
use ledgerdesk_domain::{Actor, Channel, EventId, StreamName};

use crate::hash::{Hash, HashedFields};
use crate::{Checkpoint, Metadata, RecordedEvent, StoreError};

/// The columns of one stored event, exactly as stored (data not yet upcast).
pub(crate) struct StoredRow {
    pub(crate) position: i64,
    pub(crate) commit: i64,
    pub(crate) event_id: uuid::Uuid,
    pub(crate) stream: String,
    pub(crate) version: i64,
    pub(crate) event_type: String,
    pub(crate) schema_version: i32,
    pub(crate) data: serde_json::Value,
    pub(crate) actor: String,
    pub(crate) channel: String,
    pub(crate) correlation_id: uuid::Uuid,
    pub(crate) causation_id: Option<uuid::Uuid>,
    pub(crate) occurred_at: DateTime<Utc>,
    pub(crate) recorded_at: DateTime<Utc>,
    pub(crate) hash: Vec<u8>,
}

impl StoredRow {
    /// The fields the chain hash covers, as stored.
    pub(crate) fn hashed_fields(&self) -> Result<HashedFields<'_>, StoreError> {
        Ok(HashedFields {
            event_id: self.event_id,
            stream: &self.stream,
            version: self.version_u64()?,
            event_type: &self.event_type,
            schema_version: self.schema_version_u16()?,
            data: &self.data,
            actor: &self.actor,
            channel: &self.channel,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            occurred_at: self.occurred_at,
        })
    }

    pub(crate) fn stored_hash(&self) -> Result<Hash, StoreError> {
        Hash::try_from(self.hash.as_slice()).map_err(|_| self.corrupt("hash is not 32 bytes"))
    }

    /// Parses the row and upcasts its data to the current schema version.
    pub(crate) fn into_recorded(self) -> Result<RecordedEvent, StoreError> {
        let version = self.version_u64()?;
        let stored_schema_version = self.schema_version_u16()?;
        let stream =
            StreamName::parse(&self.stream).map_err(|_| self.corrupt("bad stream name"))?;
        let actor = Actor::parse(&self.actor).map_err(|_| self.corrupt("bad actor"))?;
        let channel = Channel::parse(&self.channel).map_err(|_| self.corrupt("bad channel"))?;
        let position = self.position;
        let (schema_version, data) =
            ledgerdesk_domain::upcast::upcast(&self.event_type, stored_schema_version, self.data)
                .map_err(|source| StoreError::Upcast { position, source })?;

        Ok(RecordedEvent {
            position,
            checkpoint: Checkpoint {
                commit: self.commit,
                position,
            },
            stream,
            version,
            event_id: EventId::from_uuid(self.event_id),
            event_type: self.event_type,
            schema_version,
            stored_schema_version,
            data,
            metadata: Metadata {
                actor,
                channel,
                correlation_id: self.correlation_id,
                causation_id: self.causation_id,
            },
            occurred_at: self.occurred_at,
            recorded_at: self.recorded_at,
        })
    }

    fn version_u64(&self) -> Result<u64, StoreError> {
        u64::try_from(self.version).map_err(|_| self.corrupt("negative version"))
    }

    fn schema_version_u16(&self) -> Result<u16, StoreError> {
        u16::try_from(self.schema_version).map_err(|_| self.corrupt("schema version out of range"))
    }

    fn corrupt(&self, reason: &str) -> StoreError {
        StoreError::Corrupt {
            position: self.position,
            reason: reason.to_owned(),
        }
    }
}

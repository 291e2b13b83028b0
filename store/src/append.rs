//! What both backends share when appending: checking the expectation, numbering the new events,
//! chaining their hashes, and the result handed back.

use ledgerdesk_domain::StreamName;
use serde::{Deserialize, Serialize};

use crate::hash::{GENESIS, Hash, HashedFields, link_hash};
use crate::{Checkpoint, ExpectedVersion, NewEvent, StoreError};

/// What an append wrote, or, for a replayed idempotent request, what the first request wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    /// The stream appended to.
    pub stream: StreamName,
    /// Version of the first appended event.
    pub first_version: u64,
    /// Version of the last appended event: the stream's version after the append.
    pub last_version: u64,
    /// Global position of the first appended event.
    pub first_position: i64,
    /// Global position of the last appended event.
    pub last_position: i64,
    /// Where a reader stands once it has read the last appended event.
    pub checkpoint: Checkpoint,
    /// True when this is the stored outcome of an earlier request with the same key.
    #[serde(default)]
    pub replayed: bool,
}

/// One event ready to insert: its stream version and chain hash computed.
pub(crate) struct PlannedEvent<'a> {
    pub(crate) event: &'a NewEvent,
    pub(crate) version: u64,
    pub(crate) hash: Hash,
}

/// Checks the expectation against the stream's current head and plans the rows to insert.
///
/// # Errors
/// [`StoreError::InvalidAppend`] for an empty batch, [`StoreError::Conflict`] when the stream is
/// not at the expected version.
pub(crate) fn plan<'a>(
    stream: &StreamName,
    expected: ExpectedVersion,
    current_version: u64,
    last_hash: Option<Hash>,
    events: &'a [NewEvent],
) -> Result<Vec<PlannedEvent<'a>>, StoreError> {
    if events.is_empty() {
        return Err(StoreError::InvalidAppend(
            "a batch needs at least one event",
        ));
    }
    if !expected.accepts(current_version) {
        return Err(StoreError::Conflict {
            stream: stream.clone(),
            expected,
            actual: current_version,
        });
    }

    let mut previous = last_hash.unwrap_or(GENESIS);
    let mut planned = Vec::with_capacity(events.len());
    for (version, event) in (current_version + 1..).zip(events) {
        let actor = event.metadata().actor.to_string();
        let channel = event.metadata().channel.to_string();
        let hash = link_hash(
            &previous,
            &HashedFields {
                event_id: event.event_id().as_uuid(),
                stream: stream.as_str(),
                version,
                event_type: event.event_type(),
                schema_version: event.schema_version(),
                data: event.data(),
                actor: &actor,
                channel: &channel,
                correlation_id: event.metadata().correlation_id,
                causation_id: event.metadata().causation_id,
                occurred_at: event.occurred_at(),
            },
        );
        planned.push(PlannedEvent {
            event,
            version,
            hash,
        });
        previous = hash;
    }
    Ok(planned)
}

/// Converts a version or count to the database's signed 64-bit integer.
pub(crate) fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::InvalidAppend("stream version out of range"))
}

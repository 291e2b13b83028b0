//! Writing decided events to the ledger as the import: each event with the source's time and
//! actor, the `import` channel, and an id made from its stream and version.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use ledgerdesk_api::write::StreamState;
use ledgerdesk_domain::{Actor, Channel, StreamName};
use ledgerdesk_store::{AnyStore, EventStore, ExpectedVersion, Metadata, NewEvent};

use crate::command::import::ids::IdSpace;

/// When an event happened in the source and who caused it there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The source's time.
    pub at: DateTime<Utc>,
    /// The source's actor (`import:<name>`).
    pub actor: Actor,
}

/// An event with its stamp.
#[derive(Clone, Debug, PartialEq)]
pub struct Stamped<E> {
    /// The domain event.
    pub event: E,
    /// When and by whom.
    pub stamp: Stamp,
}

/// What every event of one import run shares.
#[derive(Clone, Debug)]
pub struct Ledger {
    /// The ledger.
    pub store: AnyStore,
    /// The source's ids.
    pub ids: IdSpace,
    /// Shared by every event of the run.
    pub correlation_id: uuid::Uuid,
}

impl Ledger {
    /// Appends `events` to `stream`, which must be at `version`, in one transaction.
    ///
    /// # Errors
    /// When an event cannot be encoded or the store refuses the append (a conflict when another
    /// writer moved the stream, a duplicate id when the events are already there).
    pub async fn append<S: StreamState>(
        &self,
        stream: &StreamName,
        version: u64,
        events: &[Stamped<S::Event>],
    ) -> anyhow::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let batch = (version + 1..)
            .zip(events)
            .map(|(event_version, stamped)| {
                let (event_type, schema_version, data) = S::encode(&stamped.event);
                let metadata = Metadata {
                    actor: stamped.stamp.actor.clone(),
                    channel: Channel::Import,
                    correlation_id: self.correlation_id,
                    causation_id: None,
                };
                let event_id = self.ids.event(stream, event_version);
                NewEvent::new(
                    event_id,
                    event_type,
                    schema_version,
                    data,
                    metadata,
                    stamped.stamp.at,
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("failed to encode the events of stream {stream}"))?;
        let expected = if version == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(version)
        };

        self.store
            .append(stream, expected, &batch, None)
            .await
            .with_context(|| format!("failed to append to stream {stream}"))?;
        Ok(())
    }
}

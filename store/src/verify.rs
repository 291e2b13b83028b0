//! Checking every stream's hash chain and naming the links that are broken.

use std::collections::HashMap;

use serde::Serialize;

use crate::hash::{GENESIS, Hash, link_hash};
use crate::row::StoredRow;

/// The result of checking the whole ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// How many streams were checked.
    pub streams: u64,
    /// How many events were checked.
    pub events: u64,
    /// Every link that does not hold, in stream order; empty when the ledger is intact.
    pub broken: Vec<BrokenLink>,
}

impl VerifyReport {
    /// Whether every chain holds.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.broken.is_empty()
    }
}

/// One event at which a stream's chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The stream.
    pub stream: String,
    /// The version of the event where the chain breaks.
    pub version: u64,
    /// That event's global position, when the event exists.
    pub position: Option<i64>,
    /// What is wrong.
    pub problem: LinkProblem,
}

/// What is wrong at a broken link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkProblem {
    /// The stored hash is not the hash of the previous link and this event's content: the event
    /// or the one before it was changed.
    HashMismatch,
    /// A version is missing before this event: an event was removed.
    MissingVersion,
    /// The stream's recorded head is beyond its last stored event, or its last hash differs:
    /// events were removed from the end.
    TruncatedStream,
    /// The stored row cannot be read at all (a column holds what its type forbids): it was
    /// changed outside the store.
    Unreadable,
}

/// Folds stored rows, ordered by stream then version, into a report.
#[derive(Default)]
pub(crate) struct Verifier {
    report: VerifyReport,
    current: Option<StreamCursor>,
    tails: HashMap<String, (u64, Hash)>,
}

struct StreamCursor {
    stream: String,
    version: u64,
    last_hash: Hash,
}

/// A stream's head as the `streams` table records it.
pub(crate) struct StreamHead {
    pub(crate) stream: String,
    pub(crate) version: u64,
    pub(crate) last_hash: Option<Hash>,
}

impl Verifier {
    /// Records a row that could not even be read, and moves on.
    pub(crate) fn unreadable(&mut self, stream: String, version: i64, position: Option<i64>) {
        self.report.events += 1;
        self.report.broken.push(BrokenLink {
            stream,
            version: u64::try_from(version).unwrap_or(0),
            position,
            problem: LinkProblem::Unreadable,
        });
    }

    /// Checks the next row.
    pub(crate) fn check(&mut self, row: &StoredRow) {
        let new_stream = self.current.as_ref().is_none_or(|c| c.stream != row.stream);
        if new_stream {
            self.close_stream();
            self.report.streams += 1;
            self.current = Some(StreamCursor {
                stream: row.stream.clone(),
                version: 0,
                last_hash: GENESIS,
            });
        }
        let Some(cursor) = self.current.as_mut() else {
            return;
        };
        let (Ok(fields), Ok(stored)) = (row.hashed_fields(), row.stored_hash()) else {
            let (stream, version) = (row.stream.clone(), row.version);
            self.unreadable(stream, version, Some(row.position));
            return;
        };

        if fields.version != cursor.version + 1 {
            self.report.broken.push(BrokenLink {
                stream: row.stream.clone(),
                version: fields.version,
                position: Some(row.position),
                problem: LinkProblem::MissingVersion,
            });
        } else if link_hash(&cursor.last_hash, &fields) != stored {
            self.report.broken.push(BrokenLink {
                stream: row.stream.clone(),
                version: fields.version,
                position: Some(row.position),
                problem: LinkProblem::HashMismatch,
            });
        }
        // Go on from the stored hash, so that each changed event is named by itself.
        cursor.version = fields.version;
        cursor.last_hash = stored;
        self.report.events += 1;
    }

    /// Compares the recorded stream heads with the chains seen and finishes the report.
    pub(crate) fn finish(mut self, heads: &[StreamHead]) -> VerifyReport {
        self.close_stream();
        for head in heads {
            let (tail_version, tail_hash) = match self.tails.get(&head.stream) {
                Some((version, hash)) => (*version, Some(*hash)),
                None => (0, None),
            };
            if head.version != tail_version || head.last_hash != tail_hash {
                self.report.broken.push(BrokenLink {
                    stream: head.stream.clone(),
                    version: tail_version + 1,
                    position: None,
                    problem: LinkProblem::TruncatedStream,
                });
            }
        }
        self.report
    }

    fn close_stream(&mut self) {
        if let Some(cursor) = self.current.take() {
            self.tails
                .insert(cursor.stream, (cursor.version, cursor.last_hash));
        }
    }
}

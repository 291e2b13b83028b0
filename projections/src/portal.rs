//! The portal projection: customer access, effective services, per-customer visibility,
//! incidents with their comments, and the directory of services, companies and staff.
//!
//! Each event updates the base tables it concerns and marks what it may change in visibility
//! (`Dirty`). At the end of a batch, in the same transaction, only the marked customers,
//! incidents and company services are recomputed from the base tables with the visibility rule
//! written as SQL (`derive`). A read model is therefore equal to the rule at every checkpoint.

mod apply;
mod derive;

use std::collections::BTreeSet;

use ledgerdesk_domain::{CompanyId, CustomerId, Event, IncidentId, ServiceId};
use ledgerdesk_store::RecordedEvent;

use crate::ProjectionError;
use crate::db::ReadTx;
use crate::schema::TableSet;

/// The projection's name, as `projections status` and `rebuild` show it.
pub const NAME: &str = "portal";

/// Bump when the tables or what they hold change: a new version rebuilds on start.
pub const MODEL_VERSION: i64 = 3;

/// What a batch may have changed in derived tables.
#[derive(Debug, Default)]
pub(crate) struct Dirty {
    customers: BTreeSet<CustomerId>,
    incidents: BTreeSet<IncidentId>,
    company_services: BTreeSet<(CompanyId, ServiceId)>,
}

/// Past this many marks, recomputing everything is cheaper than recomputing each.
pub const FULL_RECOMPUTE_AFTER: usize = 20_000;

impl Dirty {
    fn len(&self) -> usize {
        self.customers.len() + self.incidents.len() + self.company_services.len()
    }
}

/// Applies `events` to the base tables of `set` and recomputes what they made dirty.
///
/// Past `full_recompute_after` marks the derived tables are recomputed whole. `fail_after`
/// injects a failure after that many events were applied (tests prove with it that a failed
/// batch leaves nothing behind).
///
/// # Errors
/// [`ProjectionError::Decode`] for an event the domain cannot read, [`ProjectionError::Database`]
/// when a statement fails, [`ProjectionError::Injected`] for an injected failure.
pub(crate) async fn apply_batch(
    tx: &mut ReadTx,
    set: TableSet,
    events: &[RecordedEvent],
    full_recompute_after: usize,
    fail_after: Option<usize>,
) -> Result<(), ProjectionError> {
    let mut dirty = Dirty::default();
    for (index, recorded) in events.iter().enumerate() {
        if fail_after == Some(index) {
            return Err(ProjectionError::Injected);
        }
        let event = Event::decode(
            &recorded.stream,
            &recorded.event_type,
            recorded.data.clone(),
        )
        .map_err(|source| ProjectionError::Decode {
            position: recorded.position,
            source,
        })?;
        apply::event(tx, set, recorded, &event, &mut dirty).await?;
    }

    if dirty.len() > full_recompute_after {
        derive::everything(tx, set).await
    } else {
        derive::dirty(tx, set, &dirty).await
    }
}

/// Applies events to base tables only, for a rebuild that derives everything at the end.
pub(crate) async fn apply_base(
    tx: &mut ReadTx,
    set: TableSet,
    events: &[RecordedEvent],
) -> Result<(), ProjectionError> {
    let mut ignored = Dirty::default();
    for recorded in events {
        let event = Event::decode(
            &recorded.stream,
            &recorded.event_type,
            recorded.data.clone(),
        )
        .map_err(|source| ProjectionError::Decode {
            position: recorded.position,
            source,
        })?;
        apply::event(tx, set, recorded, &event, &mut ignored).await?;
    }
    Ok(())
}

/// Recomputes every derived table of `set` from its base tables.
pub(crate) async fn derive_everything(
    tx: &mut ReadTx,
    set: TableSet,
) -> Result<(), ProjectionError> {
    derive::everything(tx, set).await
}

//! Incident references (`INC-<n>`): numbers reserved in the write-side `incident_references`
//! table before an incident is logged, unique and in order across processes (ADR 9).

use chrono::{SecondsFormat, Utc};
use ledgerdesk_domain::{IncidentId, IncidentReference};
use ledgerdesk_projections::ProjectionError;
use ledgerdesk_projections::db::{Cell, ReadDb};

use crate::error::ApiError;

/// How often a reservation is tried again after another process took the same number.
const MAX_ATTEMPTS: usize = 20;

/// The reference reserved for `incident_id`, reserving the next number if it has none yet.
///
/// Reserving again for the same incident id (a replayed request) returns the same number.
///
/// # Errors
/// 500 when the table cannot be written, or other processes kept taking the next number.
pub async fn reserve(db: &ReadDb, incident_id: IncidentId) -> Result<IncidentReference, ApiError> {
    for attempt in 1..=MAX_ATTEMPTS {
        match try_reserve(db, incident_id).await {
            Ok(number) => {
                // The row was just read back in the same transaction; a check keeps it above 0.
                return IncidentReference::from_number(number).map_err(ApiError::internal);
            }
            Err(err) if is_unique_violation(&err) && attempt < MAX_ATTEMPTS => {
                tracing::debug!(
                    incident.id = %incident_id,
                    attempt,
                    "another process took the next incident reference, reserving again"
                );
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::internal(ReferenceUnavailable))
}

/// Every attempt to reserve a reference collided with another process.
#[derive(Debug, thiserror::Error)]
#[error("failed to reserve an incident reference: every attempt collided")]
struct ReferenceUnavailable;

/// One short transaction: insert the next number unless the incident has one, then read the
/// number the incident has.
async fn try_reserve(db: &ReadDb, incident_id: IncidentId) -> Result<u64, ProjectionError> {
    // `where true` lets SQLite tell the upsert clause from a join constraint.
    let insert = "insert into incident_references (reference, incident_id, reserved_at)
                  select coalesce(max(reference), 0) + 1, $1, $2
                  from incident_references
                  where true
                  on conflict (incident_id) do nothing";
    let select = "select reference from incident_references where incident_id = $1";
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);

    let mut tx = db.begin().await?;
    tx.execute(insert, &[incident_id.to_string().into(), now.into()])
        .await?;
    let rows = tx
        .fetch_all(select, &[incident_id.to_string().into()])
        .await?;
    tx.commit().await?;

    Ok(rows
        .first()
        .and_then(|row| row.first())
        .and_then(Cell::as_int)
        .and_then(|number| u64::try_from(number).ok())
        .unwrap_or(0))
}

fn is_unique_violation(err: &ProjectionError) -> bool {
    let ProjectionError::Database(err) = err else {
        return false;
    };
    err.as_database_error()
        .is_some_and(|db_err| db_err.is_unique_violation())
}

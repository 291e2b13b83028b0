//! Questions answered from the portal read model.

use std::collections::BTreeSet;

use ledgerdesk_domain::{CustomerId, IncidentId, ServiceId};

use crate::ProjectionError;
use crate::db::{Cell, ReadDb};
use crate::schema::{TABLES, TableSet};

/// The incidents a customer can see, by the per-customer visibility table.
///
/// # Errors
/// [`ProjectionError::Database`], or [`ProjectionError::UnexpectedStream`] never.
pub async fn visible_incidents(
    db: &ReadDb,
    customer_id: CustomerId,
) -> Result<BTreeSet<IncidentId>, ProjectionError> {
    let sql = format!(
        "select incident_id from {} where customer_id = $1",
        TableSet::live().table("customer_visibility")
    );
    let rows = db
        .fetch_all(&sql, &[customer_id.to_string().into()])
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| row.first().and_then(Cell::as_text))
        .filter_map(|text| IncidentId::parse(text).ok())
        .collect())
}

/// Every row of every live table, sorted: for comparing two builds of the model.
///
/// # Errors
/// [`ProjectionError::Database`].
pub async fn dump(db: &ReadDb) -> Result<Vec<(String, Vec<Vec<Cell>>)>, ProjectionError> {
    let mut tables = Vec::new();
    for table in TABLES {
        let name = TableSet::live().table(table);
        let mut rows = db.fetch_all(&format!("select * from {name}"), &[]).await?;
        rows.sort();
        tables.push(((*table).to_owned(), rows));
    }
    Ok(tables)
}

/// The incidents a customer can see with the reason (`own_incident`, `company_wide`).
///
/// # Errors
/// [`ProjectionError::Database`].
pub async fn visibility_of(
    db: &ReadDb,
    customer_id: CustomerId,
) -> Result<Vec<(IncidentId, String)>, ProjectionError> {
    let sql = format!(
        "select incident_id, reason from {} where customer_id = $1 order by incident_id",
        TableSet::live().table("customer_visibility")
    );
    let rows = db
        .fetch_all(&sql, &[customer_id.to_string().into()])
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let incident = IncidentId::parse(row.first()?.as_text()?).ok()?;
            Some((incident, row.get(1)?.as_text()?.to_owned()))
        })
        .collect())
}

/// A customer's effective services by the read model.
///
/// # Errors
/// [`ProjectionError::Database`].
pub async fn effective_services(
    db: &ReadDb,
    customer_id: CustomerId,
) -> Result<BTreeSet<ServiceId>, ProjectionError> {
    let sql = format!(
        "select service_id from {} where customer_id = $1",
        TableSet::live().table("customer_effective_services")
    );
    let rows = db
        .fetch_all(&sql, &[customer_id.to_string().into()])
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| row.first().and_then(Cell::as_text))
        .filter_map(|text| ServiceId::parse(text).ok())
        .collect())
}

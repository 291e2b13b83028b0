//! Questions answered from the portal read model.

use std::collections::BTreeSet;

use ledgerdesk_domain::{CustomerId, IncidentId, ServiceId};

use crate::ProjectionError;
use crate::db::{Cell, ReadDb};
use crate::schema::{TABLES, TableSet};

/// The rule as a query over the read model: the customer's own visible incidents, and, for a
/// customer with company-wide visibility, the company's shown incidents on their effective
/// services. Selects `incident_id`, `reference` and `reason` for the customer bound to `$1`.
///
/// Both halves can be read newest first by index (`reference` descending within the customer,
/// or within the company with the service checked per row), so a page ordered by `reference`
/// with a limit stops after the page instead of reading every visible incident (issue #4).
/// The company is therefore looked up once as a scalar, not joined: a join would make the
/// customer row the outer side and lose the index order.
#[must_use]
pub fn visible_incidents_sql() -> String {
    let live = TableSet::live();
    format!(
        "select o.incident_id, o.reference, 'own_incident' as reason
         from {own} o
         where o.customer_id = $1
         union all
         select ci.incident_id, ci.reference, 'company_wide' as reason
         from {company_incidents} ci
         where ci.company_id = (select c.company_id from {customers} c
                                where c.customer_id = $1
                                  and c.portal_access
                                  and c.see_company_incidents)
           and ci.service_id in (select es.service_id from {effective} es
                                 where es.customer_id = $1)
           and (ci.customer_id is null or ci.customer_id <> $1)",
        own = live.table("customer_own_incidents"),
        customers = live.table("customers"),
        effective = live.table("customer_effective_services"),
        company_incidents = live.table("company_incidents"),
    )
}

/// The incidents a customer can see.
///
/// # Errors
/// [`ProjectionError::Database`].
pub async fn visible_incidents(
    db: &ReadDb,
    customer_id: CustomerId,
) -> Result<BTreeSet<IncidentId>, ProjectionError> {
    Ok(visibility_of(db, customer_id)
        .await?
        .into_iter()
        .map(|(incident, _)| incident)
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
        "select incident_id, reason from ({}) visible order by incident_id",
        visible_incidents_sql()
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

//! Questions answered from the portal read model.

use std::collections::BTreeSet;

use ledgerdesk_domain::{CustomerId, IncidentId, ServiceId};

use crate::ProjectionError;
use crate::db::{Cell, ReadDb};
use crate::schema::{TABLES, TableSet};

/// One of the two ways the rule lets a customer (bound to `$1`) see an incident: the reason,
/// the visibility table (read as `v`, with `incident_id` and `reference`) and the condition on
/// it.
struct Way {
    reason: &'static str,
    table: String,
    condition: String,
}

/// The rule over the read model: the customer's own visible incidents, and, for a customer
/// with company-wide visibility, the company's shown incidents on their effective services
/// (not their own, which the first way gives). The two never overlap.
///
/// The company is looked up once as a scalar and the services checked per row, not joined, so
/// that both ways can be read newest first by index (issue #4).
fn ways() -> [Way; 2] {
    let live = TableSet::live();
    [
        Way {
            reason: "own_incident",
            table: live.table("customer_own_incidents"),
            condition: "v.customer_id = $1".to_owned(),
        },
        Way {
            reason: "company_wide",
            table: live.table("company_incidents"),
            condition: format!(
                "v.company_id = (select c.company_id from {customers} c
                                 where c.customer_id = $1
                                   and c.portal_access
                                   and c.see_company_incidents)
                 and v.service_id in (select es.service_id from {effective} es
                                      where es.customer_id = $1)
                 and (v.customer_id is null or v.customer_id <> $1)",
                customers = live.table("customers"),
                effective = live.table("customer_effective_services"),
            ),
        },
    ]
}

/// The rule as a query over the read model (see `ways`). Selects `incident_id`, `reference`
/// and `reason` for the customer bound to `$1`.
#[must_use]
pub fn visible_incidents_sql() -> String {
    ways()
        .iter()
        .map(|way| {
            format!(
                "select v.incident_id, v.reference, '{reason}' as reason
                 from {table} v
                 where {condition}",
                reason = way.reason,
                table = way.table,
                condition = way.condition,
            )
        })
        .collect::<Vec<_>>()
        .join(" union all ")
}

/// A page of the incidents the customer bound to `$1` can see, newest first: `columns` from
/// the visibility row `v` and what `join` adds (e.g. `join rm_incidents i on i.incident_id =
/// v.incident_id`), narrowed by `filter` (empty, or starting with `and`, binding from `$2`,
/// and ordering by nothing), at most `limit` rows, ordered by `v.reference` descending, which
/// is selected last as `page_key`.
///
/// Each way is read on its own, newest first by its index, and stops after `limit` rows that
/// pass `filter`; the two short lists are then merged. Reading the union of
/// [`visible_incidents_sql`] instead would look up every visible incident before sorting.
#[must_use]
pub fn visible_page_sql(columns: &str, join: &str, filter: &str, limit: i64) -> String {
    let ways: Vec<String> = ways()
        .iter()
        .enumerate()
        .map(|(n, way)| {
            format!(
                "select * from (
                     select {columns}, v.reference as page_key
                     from {table} v {join}
                     where {condition} {filter}
                     order by v.reference desc
                     limit {limit}
                 ) way{n}",
                table = way.table,
                condition = way.condition,
            )
        })
        .collect();
    format!(
        "{} order by page_key desc limit {limit}",
        ways.join(" union all ")
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

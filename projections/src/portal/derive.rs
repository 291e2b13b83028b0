//! Derived tables, recomputed from the base tables with the visibility rule as SQL.
//!
//! Each scope (some customers, some incidents, one company's service) is recomputed by deleting
//! its rows and inserting what the rule gives now, so scopes may overlap in any order.
//! Together with the company-wide query in `crate::query`, the SQL mirrors
//! `ledgerdesk_domain::visibility::can_see`; the model test compares the two.

use crate::ProjectionError;
use crate::db::{Param, ReadTx};
use crate::portal::Dirty;
use crate::schema::TableSet;

/// Ids per statement: far below SQLite's limit on bound parameters.
const CHUNK: usize = 500;

pub(super) async fn dirty(
    tx: &mut ReadTx,
    set: TableSet,
    dirty: &Dirty,
) -> Result<(), ProjectionError> {
    let customers: Vec<Param> = dirty
        .customers
        .iter()
        .map(|id| id.to_string().into())
        .collect();
    let incidents: Vec<Param> = dirty
        .incidents
        .iter()
        .map(|id| id.to_string().into())
        .collect();

    // Effective services first: visibility reads them.
    for chunk in customers.chunks(CHUNK) {
        let list = placeholders(chunk.len());
        let delete = format!(
            "delete from {} where customer_id in ({list})",
            set.table("customer_effective_services")
        );
        tx.execute(&delete, chunk).await?;
        insert_effective(tx, set, &format!("cs.customer_id in ({list})"), chunk).await?;
    }
    for (company_id, service_id) in &dirty.company_services {
        let pair = [
            Param::from(company_id.to_string()),
            Param::from(service_id.to_string()),
        ];
        let delete = format!(
            "delete from {} where service_id = $2
               and customer_id in (select customer_id from {} where company_id = $1)",
            set.table("customer_effective_services"),
            set.table("customers"),
        );
        tx.execute(&delete, &pair).await?;
        insert_effective(tx, set, "c.company_id = $1 and cs.service_id = $2", &pair).await?;
    }

    // Then own incidents and company incidents, which read the effective services.
    let own = set.table("customer_own_incidents");
    let company_incidents = set.table("company_incidents");
    for chunk in customers.chunks(CHUNK) {
        let list = placeholders(chunk.len());
        let delete = format!("delete from {own} where customer_id in ({list})");
        tx.execute(&delete, chunk).await?;
        insert_own(tx, set, &format!("c.customer_id in ({list})"), chunk).await?;
    }
    for chunk in incidents.chunks(CHUNK) {
        let list = placeholders(chunk.len());
        let delete = format!("delete from {own} where incident_id in ({list})");
        tx.execute(&delete, chunk).await?;
        insert_own(tx, set, &format!("i.incident_id in ({list})"), chunk).await?;
        let delete = format!("delete from {company_incidents} where incident_id in ({list})");
        tx.execute(&delete, chunk).await?;
        insert_company_incidents(tx, set, &format!("i.incident_id in ({list})"), chunk).await?;
    }
    for (company_id, service_id) in &dirty.company_services {
        let pair = [
            Param::from(company_id.to_string()),
            Param::from(service_id.to_string()),
        ];
        let delete = format!(
            "delete from {own} where incident_id in
                 (select incident_id from {} where company_id = $1 and service_id = $2)",
            set.table("incidents"),
        );
        tx.execute(&delete, &pair).await?;
        insert_own(tx, set, "i.company_id = $1 and i.service_id = $2", &pair).await?;
    }
    Ok(())
}

pub(super) async fn everything(tx: &mut ReadTx, set: TableSet) -> Result<(), ProjectionError> {
    let effective = set.table("customer_effective_services");
    tx.execute(&format!("delete from {effective}"), &[]).await?;
    insert_effective(tx, set, "true", &[]).await?;
    let own = set.table("customer_own_incidents");
    tx.execute(&format!("delete from {own}"), &[]).await?;
    insert_own(tx, set, "true", &[]).await?;
    let company_incidents = set.table("company_incidents");
    tx.execute(&format!("delete from {company_incidents}"), &[])
        .await?;
    insert_company_incidents(tx, set, "true", &[]).await
}

/// Granted services that lie within the customer's company's services (all of them when the
/// customer has no company), for the customers `filter` selects (`cs`, `c`).
async fn insert_effective(
    tx: &mut ReadTx,
    set: TableSet,
    filter: &str,
    params: &[Param],
) -> Result<(), ProjectionError> {
    let sql = format!(
        "insert into {effective} (customer_id, service_id)
         select cs.customer_id, cs.service_id
         from {granted} cs
         join {customers} c on c.customer_id = cs.customer_id
         where (c.company_id is null
                or exists (select 1 from {company_services} k
                           where k.company_id = c.company_id and k.service_id = cs.service_id))
           and ({filter})",
        effective = set.table("customer_effective_services"),
        granted = set.table("customer_services"),
        customers = set.table("customers"),
        company_services = set.table("company_services"),
    );
    tx.execute(&sql, params).await?;
    Ok(())
}

/// The visibility rule for own incidents, for the pairs `filter` selects (`c` the customer,
/// `i` the incident): portal access, shown in the portal, same company or both none, and the
/// service among the customer's effective services.
async fn insert_own(
    tx: &mut ReadTx,
    set: TableSet,
    filter: &str,
    params: &[Param],
) -> Result<(), ProjectionError> {
    let sql = format!(
        "insert into {own} (customer_id, incident_id, reference)
         select c.customer_id, i.incident_id, i.reference
         from {incidents} i
         join {customers} c on c.customer_id = i.customer_id
         join {effective} es on es.customer_id = c.customer_id and es.service_id = i.service_id
         where c.portal_access
           and i.shown_in_portal
           and i.company_id is not distinct from c.company_id
           and ({filter})",
        own = set.table("customer_own_incidents"),
        incidents = set.table("incidents"),
        customers = set.table("customers"),
        effective = set.table("customer_effective_services"),
    );
    tx.execute(&sql, params).await?;
    Ok(())
}

/// The incidents shown in the portal that belong to a company, for the incidents `filter`
/// selects (`i`); company-wide visibility reads them through the customer's effective services.
async fn insert_company_incidents(
    tx: &mut ReadTx,
    set: TableSet,
    filter: &str,
    params: &[Param],
) -> Result<(), ProjectionError> {
    let sql = format!(
        "insert into {company_incidents}
             (incident_id, company_id, service_id, customer_id, reference)
         select i.incident_id, i.company_id, i.service_id, i.customer_id, i.reference
         from {incidents} i
         where i.shown_in_portal
           and i.company_id is not null
           and ({filter})",
        company_incidents = set.table("company_incidents"),
        incidents = set.table("incidents"),
    );
    tx.execute(&sql, params).await?;
    Ok(())
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

//! Derived tables, recomputed from the base tables with the visibility rule as SQL.
//!
//! Each scope (some customers, some incidents, one company's service) is recomputed by deleting
//! its rows and inserting what the rule gives now, so scopes may overlap in any order.
//! The SQL mirrors `ledgerdesk_domain::visibility::can_see`; the model test compares the two.

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

    let visibility = set.table("customer_visibility");
    for chunk in customers.chunks(CHUNK) {
        let list = placeholders(chunk.len());
        tx.execute(
            &format!("delete from {visibility} where customer_id in ({list})"),
            chunk,
        )
        .await?;
        insert_visibility(tx, set, &format!("c.customer_id in ({list})"), chunk).await?;
    }
    for chunk in incidents.chunks(CHUNK) {
        let list = placeholders(chunk.len());
        tx.execute(
            &format!("delete from {visibility} where incident_id in ({list})"),
            chunk,
        )
        .await?;
        insert_visibility(tx, set, &format!("i.incident_id in ({list})"), chunk).await?;
    }
    for (company_id, service_id) in &dirty.company_services {
        let pair = [
            Param::from(company_id.to_string()),
            Param::from(service_id.to_string()),
        ];
        let delete = format!(
            "delete from {visibility} where incident_id in
                 (select incident_id from {} where company_id = $1 and service_id = $2)",
            set.table("incidents"),
        );
        tx.execute(&delete, &pair).await?;
        insert_visibility(tx, set, "i.company_id = $1 and i.service_id = $2", &pair).await?;
    }
    Ok(())
}

pub(super) async fn everything(tx: &mut ReadTx, set: TableSet) -> Result<(), ProjectionError> {
    tx.execute(
        &format!("delete from {}", set.table("customer_effective_services")),
        &[],
    )
    .await?;
    insert_effective(tx, set, "true", &[]).await?;
    tx.execute(
        &format!("delete from {}", set.table("customer_visibility")),
        &[],
    )
    .await?;
    insert_visibility(tx, set, "true", &[]).await
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

/// The visibility rule for the pairs `filter` selects (`c` the customer, `i` the incident):
/// portal access, shown in the portal, same company or both none, service among the customer's
/// effective services, and own incident or company-wide visibility within a company.
async fn insert_visibility(
    tx: &mut ReadTx,
    set: TableSet,
    filter: &str,
    params: &[Param],
) -> Result<(), ProjectionError> {
    let visibility = set.table("customer_visibility");
    let incidents = set.table("incidents");
    let customers = set.table("customers");
    let effective = set.table("customer_effective_services");
    // Own incidents, found through the incident's customer.
    let own = format!(
        "insert into {visibility} (customer_id, incident_id, reason)
         select c.customer_id, i.incident_id, 'own_incident'
         from {incidents} i
         join {customers} c on c.customer_id = i.customer_id
         join {effective} es on es.customer_id = c.customer_id and es.service_id = i.service_id
         where c.portal_access
           and i.shown_in_portal
           and i.company_id is not distinct from c.company_id
           and ({filter})"
    );
    tx.execute(&own, params).await?;
    // Colleagues' incidents, found through the company (both sides have one).
    let company_wide = format!(
        "insert into {visibility} (customer_id, incident_id, reason)
         select c.customer_id, i.incident_id, 'company_wide'
         from {incidents} i
         join {customers} c on c.company_id = i.company_id
         join {effective} es on es.customer_id = c.customer_id and es.service_id = i.service_id
         where c.portal_access
           and c.see_company_incidents
           and i.shown_in_portal
           and (i.customer_id is null or i.customer_id <> c.customer_id)
           and ({filter})"
    );
    tx.execute(&company_wide, params).await?;
    Ok(())
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

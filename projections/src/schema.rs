//! The tables of the portal read model, created from code so that a rebuild can fill a fresh
//! set beside the live one and switch over in one transaction (ADR 7).
//!
//! Types are the portable subset: `text` for ids and times, `bigint`, `boolean`.

use crate::ProjectionError;
use crate::db::ReadTx;

/// A set of read-model tables: the live one (`rm_*`) or the one a rebuild of generation `g`
/// fills (`rmnext{g}_*`). Each rebuild claims its own generation, so two rebuilds never share
/// tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSet {
    /// `None` for the live tables.
    rebuilding: Option<i64>,
}

impl TableSet {
    /// The live tables.
    #[must_use]
    pub fn live() -> Self {
        Self { rebuilding: None }
    }

    /// The fresh set a rebuild of `generation` fills.
    #[must_use]
    pub(crate) fn next(generation: i64) -> Self {
        Self {
            rebuilding: Some(generation),
        }
    }

    /// The full name of one of the model's tables in this set.
    #[must_use]
    pub fn table(&self, name: &str) -> String {
        match self.rebuilding {
            None => format!("rm_{name}"),
            Some(generation) => format!("rmnext{generation}_{name}"),
        }
    }

    /// The prefix of this set's table names.
    fn prefix(&self) -> String {
        self.table("")
    }

    /// Index names carry the generation: SQLite cannot rename an index, and a renamed table
    /// keeps its indexes' names.
    fn index_generation(&self) -> i64 {
        self.rebuilding.unwrap_or(0)
    }
}

/// Every table of the model, in creation order.
pub const TABLES: &[&str] = &[
    "services",
    "companies",
    "company_services",
    "customers",
    "customer_services",
    "customer_effective_services",
    "staff_users",
    "incidents",
    "incident_comments",
    "customer_own_incidents",
    "company_incidents",
];

/// The definitions, with `{t}` standing for the table prefix and `{g}` for the generation.
const DDL: &[&str] = &[
    // Services customers can be granted and incidents logged on.
    "create table {t}services (
        service_id text primary key,
        name text not null,
        retired boolean not null
    )",
    "create table {t}companies (
        company_id text primary key,
        name text not null
    )",
    // The services each company is entitled to.
    "create table {t}company_services (
        company_id text not null,
        service_id text not null,
        primary key (company_id, service_id)
    )",
    // Customer access: portal access, company and flags, one row per customer.
    "create table {t}customers (
        customer_id text primary key,
        name text not null,
        email text not null,
        company_id text,
        portal_access boolean not null,
        company_admin boolean not null,
        see_company_incidents boolean not null,
        -- The portal password's Argon2id hash (PHC string), null until one is set; the API
        -- verifies sign-ins against it and never returns it.
        password_hash text
    )",
    // Finds a company's customers when its services change.
    "create index rmidx_g{g}_customers_company on {t}customers (company_id)",
    "create index rmidx_g{g}_customers_email on {t}customers (email)",
    // The services granted to each customer, before intersecting with the company's.
    "create table {t}customer_services (
        customer_id text not null,
        service_id text not null,
        primary key (customer_id, service_id)
    )",
    // Effective services: granted services within the company's services (DESIGN §3.1).
    "create table {t}customer_effective_services (
        customer_id text not null,
        service_id text not null,
        primary key (customer_id, service_id)
    )",
    "create table {t}staff_users (
        user_id text primary key,
        name text not null,
        email text not null,
        role text not null,
        active boolean not null,
        -- The password's Argon2id hash (PHC string), null until one is set.
        password_hash text
    )",
    // Finds a staff user by sign-in address.
    "create index rmidx_g{g}_staff_users_email on {t}staff_users (email)",
    // The staff view of incidents; the portal view reads the same rows through the
    // visibility table and shows public comments only.
    "create table {t}incidents (
        incident_id text primary key,
        reference bigint not null unique,
        title text not null,
        description text not null,
        incident_type text not null,
        portal_type text,
        service_id text not null,
        customer_id text,
        company_id text,
        assignee_id text,
        status text not null,
        shown_in_portal boolean not null,
        version bigint not null,
        created_at text not null,
        updated_at text not null
    )",
    // Per-company incidents: a company's incidents on one service, for company-wide
    // visibility and for a company losing a service.
    "create index rmidx_g{g}_incidents_company on {t}incidents (company_id, service_id)",
    "create index rmidx_g{g}_incidents_customer on {t}incidents (customer_id)",
    "create index rmidx_g{g}_incidents_status on {t}incidents (status, reference)",
    "create table {t}incident_comments (
        comment_id text primary key,
        incident_id text not null,
        body text not null,
        public boolean not null,
        author text not null,
        created_at text not null,
        version bigint not null
    )",
    "create index rmidx_g{g}_comments_incident on {t}incident_comments (incident_id, version)",
    // Per-customer visibility of own incidents: the customer's incidents that the rule lets
    // them see. Colleagues' incidents are not copied per customer (a company-wide customer would
    // multiply every company incident); they come from company_incidents at query time.
    // `reference` is the incident's (it never changes), copied so that a customer's newest page
    // is read in index order and the scan stops at the page's end (issue #4).
    "create table {t}customer_own_incidents (
        customer_id text not null,
        incident_id text not null,
        reference bigint not null,
        primary key (customer_id, incident_id)
    )",
    "create index rmidx_g{g}_own_incident on {t}customer_own_incidents (incident_id)",
    "create index rmidx_g{g}_own_newest on {t}customer_own_incidents
        (customer_id, reference desc, incident_id)",
    // Per-company incidents: each company's incidents that are shown in the portal, by service,
    // for customers with company-wide visibility. Read newest first by company, keeping the
    // rows on the customer's effective services; the index carries the service and customer so
    // that the scan needs no table lookups.
    "create table {t}company_incidents (
        incident_id text primary key,
        company_id text not null,
        service_id text not null,
        customer_id text,
        reference bigint not null
    )",
    "create index rmidx_g{g}_company_newest on {t}company_incidents
        (company_id, reference desc, service_id, customer_id, incident_id)",
];

/// Creates every table of `set` (which must not exist).
pub(crate) async fn create(tx: &mut ReadTx, set: TableSet) -> Result<(), ProjectionError> {
    for statement in DDL {
        let sql = statement
            .replace("{t}", &set.prefix())
            .replace("{g}", &set.index_generation().to_string());
        tx.execute(&sql, &[]).await?;
    }
    Ok(())
}

/// Drops every table of `set` that exists.
pub(crate) async fn drop_all(tx: &mut ReadTx, set: TableSet) -> Result<(), ProjectionError> {
    for table in TABLES.iter().rev() {
        tx.execute(&format!("drop table if exists {}", set.table(table)), &[])
            .await?;
    }
    Ok(())
}

/// Replaces the live tables with `next`'s.
pub(crate) async fn switch_over(tx: &mut ReadTx, next: TableSet) -> Result<(), ProjectionError> {
    drop_all(tx, TableSet::live()).await?;
    for table in TABLES {
        let sql = format!(
            "alter table {} rename to {}",
            next.table(table),
            TableSet::live().table(table)
        );
        tx.execute(&sql, &[]).await?;
    }
    Ok(())
}

//! Reads from the portal read model (`rm_*`) and the JSON shapes of DESIGN §6 they answer with.

pub(crate) mod incidents;

use ledgerdesk_domain::{CompanyId, CustomerId, ServiceId, UserId};
use ledgerdesk_projections::db::{Cell, ReadDb};
use ledgerdesk_projections::schema::TableSet;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// A service: `{"id","name","retired"}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Service)]
pub(crate) struct ServiceView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) retired: bool,
}

/// A company: `{"id","name","services"}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Company)]
pub(crate) struct CompanyView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) services: Vec<String>,
}

/// A customer as staff see it (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Customer)]
pub(crate) struct CustomerView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) company_id: Option<String>,
    pub(crate) portal_access: bool,
    pub(crate) company_admin: bool,
    pub(crate) see_company_incidents: bool,
    pub(crate) services: Vec<String>,
}

/// A staff user (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub(crate) struct UserView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) active: bool,
}

/// What sign-in needs of an account found by email.
#[derive(Debug)]
pub(crate) struct Credentials {
    pub(crate) id: String,
    /// Whether the account may sign in now (active staff user, customer with portal access).
    pub(crate) may_sign_in: bool,
    pub(crate) password_hash: Option<String>,
}

fn table(name: &str) -> String {
    TableSet::live().table(name)
}

fn text(row: &[Cell], index: usize) -> String {
    row.get(index)
        .and_then(Cell::as_text)
        .unwrap_or_default()
        .to_owned()
}

fn flag(row: &[Cell], index: usize) -> bool {
    row.get(index).and_then(Cell::as_bool).unwrap_or(false)
}

fn service_view(row: &[Cell]) -> ServiceView {
    ServiceView {
        id: text(row, 0),
        name: text(row, 1),
        retired: flag(row, 2),
    }
}

/// Services ordered by id (creation order, ids being UUIDv7) after `cursor`, up to `limit`.
pub(crate) async fn services_page(
    db: &ReadDb,
    after: Option<ServiceId>,
    limit: i64,
) -> Result<Vec<ServiceView>, ApiError> {
    let sql = format!(
        "select service_id, name, retired
         from {}
         where service_id > $1
         order by service_id
         limit $2",
        table("services")
    );
    let after = after.map_or_else(String::new, |id| id.to_string());
    let rows = db.fetch_all(&sql, &[after.into(), limit.into()]).await?;
    Ok(rows.iter().map(|row| service_view(row)).collect())
}

pub(crate) async fn service(db: &ReadDb, id: ServiceId) -> Result<ServiceView, ApiError> {
    let sql = format!(
        "select service_id, name, retired from {} where service_id = $1",
        table("services")
    );
    let rows = db.fetch_all(&sql, &[id.to_string().into()]).await?;
    rows.first()
        .map(|row| service_view(row))
        .ok_or(ApiError::NotFound)
}

pub(crate) async fn company(db: &ReadDb, id: CompanyId) -> Result<CompanyView, ApiError> {
    let sql = format!(
        "select company_id, name from {} where company_id = $1",
        table("companies")
    );
    let rows = db.fetch_all(&sql, &[id.to_string().into()]).await?;
    let row = rows.first().ok_or(ApiError::NotFound)?;
    let services_sql = format!(
        "select service_id from {} where company_id = $1 order by service_id",
        table("company_services")
    );
    let services = db
        .fetch_all(&services_sql, &[id.to_string().into()])
        .await?;

    Ok(CompanyView {
        id: text(row, 0),
        name: text(row, 1),
        services: services.iter().map(|row| text(row, 0)).collect(),
    })
}

pub(crate) async fn customer(db: &ReadDb, id: CustomerId) -> Result<CustomerView, ApiError> {
    let sql = format!(
        "select customer_id, name, email, company_id, portal_access, company_admin,
                see_company_incidents
         from {}
         where customer_id = $1",
        table("customers")
    );
    let rows = db.fetch_all(&sql, &[id.to_string().into()]).await?;
    let row = rows.first().ok_or(ApiError::NotFound)?;
    let services_sql = format!(
        "select service_id from {} where customer_id = $1 order by service_id",
        table("customer_services")
    );
    let services = db
        .fetch_all(&services_sql, &[id.to_string().into()])
        .await?;

    Ok(CustomerView {
        id: text(row, 0),
        name: text(row, 1),
        email: text(row, 2),
        company_id: row.get(3).and_then(Cell::as_text).map(str::to_owned),
        portal_access: flag(row, 4),
        company_admin: flag(row, 5),
        see_company_incidents: flag(row, 6),
        services: services.iter().map(|row| text(row, 0)).collect(),
    })
}

/// The customers of a company, by name: what a company admin sees of their colleagues.
pub(crate) async fn company_customers(
    db: &ReadDb,
    company_id: CompanyId,
) -> Result<Vec<CustomerView>, ApiError> {
    let sql = format!(
        "select customer_id
         from {}
         where company_id = $1
         order by name, customer_id",
        table("customers")
    );
    let rows = db.fetch_all(&sql, &[company_id.to_string().into()]).await?;
    let mut customers = Vec::with_capacity(rows.len());
    for row in rows {
        let customer_id = CustomerId::parse(&text(&row, 0)).map_err(ApiError::internal)?;
        customers.push(customer(db, customer_id).await?);
    }
    Ok(customers)
}

pub(crate) async fn user(db: &ReadDb, id: UserId) -> Result<UserView, ApiError> {
    let sql = format!(
        "select user_id, name, email, role, active from {} where user_id = $1",
        table("staff_users")
    );
    let rows = db.fetch_all(&sql, &[id.to_string().into()]).await?;
    let row = rows.first().ok_or(ApiError::NotFound)?;
    Ok(UserView {
        id: text(row, 0),
        name: text(row, 1),
        email: text(row, 2),
        role: text(row, 3),
        active: flag(row, 4),
    })
}

/// The customer's effective services (granted and within the company's), by name.
pub(crate) async fn effective_services(
    db: &ReadDb,
    id: CustomerId,
) -> Result<Vec<ServiceView>, ApiError> {
    let sql = format!(
        "select s.service_id, s.name, s.retired
         from {effective} e
         join {services} s on s.service_id = e.service_id
         where e.customer_id = $1
         order by s.name, s.service_id",
        effective = table("customer_effective_services"),
        services = table("services"),
    );
    let rows = db.fetch_all(&sql, &[id.to_string().into()]).await?;
    Ok(rows.iter().map(|row| service_view(row)).collect())
}

/// The name of a company, if it exists.
pub(crate) async fn company_name(db: &ReadDb, id: &str) -> Result<Option<String>, ApiError> {
    let sql = format!(
        "select name from {} where company_id = $1",
        table("companies")
    );
    let rows = db.fetch_all(&sql, &[id.into()]).await?;
    Ok(rows.first().map(|row| text(row, 0)))
}

/// A staff user's sign-in facts by email (emails are stored lowercase).
pub(crate) async fn staff_credentials(
    db: &ReadDb,
    email: &str,
) -> Result<Option<Credentials>, ApiError> {
    let sql = format!(
        "select user_id, active, password_hash from {} where email = $1",
        table("staff_users")
    );
    credentials(db, &sql, email).await
}

/// A customer's sign-in facts by email.
pub(crate) async fn customer_credentials(
    db: &ReadDb,
    email: &str,
) -> Result<Option<Credentials>, ApiError> {
    let sql = format!(
        "select customer_id, portal_access, password_hash from {} where email = $1",
        table("customers")
    );
    credentials(db, &sql, email).await
}

async fn credentials(db: &ReadDb, sql: &str, email: &str) -> Result<Option<Credentials>, ApiError> {
    let rows = db.fetch_all(sql, &[email.into()]).await?;
    Ok(rows.first().map(|row| Credentials {
        id: text(row, 0),
        may_sign_in: flag(row, 1),
        password_hash: row.get(2).and_then(Cell::as_text).map(str::to_owned),
    }))
}

/// Whether a staff user already signs in with this email.
pub(crate) async fn staff_email_taken(db: &ReadDb, email: &str) -> Result<bool, ApiError> {
    Ok(staff_credentials(db, email).await?.is_some())
}

/// Whether another customer than `except` already has this email.
pub(crate) async fn customer_email_taken(
    db: &ReadDb,
    email: &str,
    except: Option<CustomerId>,
) -> Result<bool, ApiError> {
    let found = customer_credentials(db, email).await?;
    let except = except.map(|id| id.to_string());
    Ok(found.is_some_and(|found| Some(found.id) != except))
}

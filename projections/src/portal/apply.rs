//! One event's effect on the base tables, and what it marks dirty.

use chrono::SecondsFormat;
use ledgerdesk_domain::company::CompanyEvent;
use ledgerdesk_domain::customer::CustomerEvent;
use ledgerdesk_domain::incident::IncidentEvent;
use ledgerdesk_domain::service::ServiceEvent;
use ledgerdesk_domain::user::UserEvent;
use ledgerdesk_domain::{AggregateId, Event};
use ledgerdesk_store::RecordedEvent;

use crate::ProjectionError;
use crate::db::{Param, ReadTx};
use crate::portal::Dirty;
use crate::schema::TableSet;

/// Applies one event.
pub(super) async fn event(
    tx: &mut ReadTx,
    set: TableSet,
    recorded: &RecordedEvent,
    event: &Event,
    dirty: &mut Dirty,
) -> Result<(), ProjectionError> {
    let Some(aggregate) = recorded.stream.aggregate_id() else {
        return Err(ProjectionError::UnexpectedStream {
            position: recorded.position,
        });
    };
    match (aggregate, event) {
        (AggregateId::Service(id), Event::Service(event)) => {
            service(tx, set, &id.to_string(), event).await
        }
        (AggregateId::Company(id), Event::Company(event)) => {
            if let CompanyEvent::ServiceGranted { service_id }
            | CompanyEvent::ServiceRevoked { service_id } = event
            {
                dirty.company_services.insert((id, *service_id));
            }
            company(tx, set, &id.to_string(), event).await
        }
        (AggregateId::Customer(id), Event::Customer(event)) => {
            if customer(tx, set, &id.to_string(), event).await? {
                dirty.customers.insert(id);
            }
            Ok(())
        }
        (AggregateId::User(id), Event::User(event)) => user(tx, set, &id.to_string(), event).await,
        (AggregateId::Incident(id), Event::Incident(event)) => {
            if incident(tx, set, &id.to_string(), recorded, event).await? {
                dirty.incidents.insert(id);
            }
            Ok(())
        }
        // Portal settings live in their own stream and do not touch these tables yet.
        (AggregateId::PortalSettings, Event::PortalSettings(_)) => Ok(()),
        (
            AggregateId::Service(_)
            | AggregateId::Company(_)
            | AggregateId::Customer(_)
            | AggregateId::User(_)
            | AggregateId::Incident(_)
            | AggregateId::PortalSettings,
            _,
        ) => Err(ProjectionError::UnexpectedStream {
            position: recorded.position,
        }),
    }
}

async fn service(
    tx: &mut ReadTx,
    set: TableSet,
    id: &str,
    event: &ServiceEvent,
) -> Result<(), ProjectionError> {
    let table = set.table("services");
    match event {
        ServiceEvent::Created { name, .. } => {
            let sql =
                format!("insert into {table} (service_id, name, retired) values ($1, $2, false)");
            tx.execute(&sql, &[id.into(), name.as_str().into()]).await?;
        }
        ServiceEvent::Renamed { name } => {
            let sql = format!("update {table} set name = $2 where service_id = $1");
            tx.execute(&sql, &[id.into(), name.as_str().into()]).await?;
        }
        ServiceEvent::Retired {} => {
            let sql = format!("update {table} set retired = true where service_id = $1");
            tx.execute(&sql, &[id.into()]).await?;
        }
    }
    Ok(())
}

async fn company(
    tx: &mut ReadTx,
    set: TableSet,
    id: &str,
    event: &CompanyEvent,
) -> Result<(), ProjectionError> {
    match event {
        CompanyEvent::Registered { name, .. } => {
            let sql = format!(
                "insert into {} (company_id, name) values ($1, $2)",
                set.table("companies")
            );
            tx.execute(&sql, &[id.into(), name.as_str().into()]).await?;
        }
        CompanyEvent::Renamed { name } => {
            let sql = format!(
                "update {} set name = $2 where company_id = $1",
                set.table("companies")
            );
            tx.execute(&sql, &[id.into(), name.as_str().into()]).await?;
        }
        CompanyEvent::ServiceGranted { service_id } => {
            let sql = format!(
                "insert into {} (company_id, service_id) values ($1, $2)",
                set.table("company_services")
            );
            tx.execute(&sql, &[id.into(), service_id.to_string().into()])
                .await?;
        }
        CompanyEvent::ServiceRevoked { service_id } => {
            let sql = format!(
                "delete from {} where company_id = $1 and service_id = $2",
                set.table("company_services")
            );
            tx.execute(&sql, &[id.into(), service_id.to_string().into()])
                .await?;
        }
    }
    Ok(())
}

/// Applies a customer event; returns whether visibility may have changed.
async fn customer(
    tx: &mut ReadTx,
    set: TableSet,
    id: &str,
    event: &CustomerEvent,
) -> Result<bool, ProjectionError> {
    let customers = set.table("customers");
    let flag = |column: &str, value: bool| {
        (
            format!("update {customers} set {column} = {value} where customer_id = $1"),
            true,
        )
    };
    let (sql, affects_visibility) = match event {
        CustomerEvent::Registered {
            name,
            email,
            company_id,
            ..
        } => {
            let sql = format!(
                "insert into {customers} (customer_id, name, email, company_id, portal_access,
                     company_admin, see_company_incidents)
                 values ($1, $2, $3, $4, false, false, false)"
            );
            let params = [
                id.into(),
                name.as_str().into(),
                email.as_str().into(),
                company_id.map(|c| c.to_string()).into(),
            ];
            tx.execute(&sql, &params).await?;
            return Ok(true);
        }
        CustomerEvent::DetailsChanged { name, email } => {
            let sql = format!(
                "update {customers} set name = coalesce($2, name), email = coalesce($3, email)
                 where customer_id = $1"
            );
            let params = [
                id.into(),
                name.as_ref().map(|n| n.as_str().to_owned()).into(),
                email.as_ref().map(|e| e.as_str().to_owned()).into(),
            ];
            tx.execute(&sql, &params).await?;
            return Ok(false);
        }
        CustomerEvent::MovedToCompany { company_id } => {
            let sql = format!("update {customers} set company_id = $2 where customer_id = $1");
            tx.execute(&sql, &[id.into(), company_id.map(|c| c.to_string()).into()])
                .await?;
            return Ok(true);
        }
        CustomerEvent::ServiceGranted { service_id } => {
            let sql = format!(
                "insert into {} (customer_id, service_id) values ($1, $2)",
                set.table("customer_services")
            );
            tx.execute(&sql, &[id.into(), service_id.to_string().into()])
                .await?;
            return Ok(true);
        }
        CustomerEvent::ServiceRevoked { service_id } => {
            let sql = format!(
                "delete from {} where customer_id = $1 and service_id = $2",
                set.table("customer_services")
            );
            tx.execute(&sql, &[id.into(), service_id.to_string().into()])
                .await?;
            return Ok(true);
        }
        CustomerEvent::PortalAccessGranted {} => flag("portal_access", true),
        CustomerEvent::PortalAccessRevoked {} => flag("portal_access", false),
        CustomerEvent::CompanyWideVisibilityGranted {} => flag("see_company_incidents", true),
        CustomerEvent::CompanyWideVisibilityRevoked {} => flag("see_company_incidents", false),
        CustomerEvent::CompanyAdminGranted {} => (flag("company_admin", true).0, false),
        CustomerEvent::CompanyAdminRevoked {} => (flag("company_admin", false).0, false),
        CustomerEvent::PasswordSet { password_hash } => {
            let sql = format!("update {customers} set password_hash = $2 where customer_id = $1");
            tx.execute(&sql, &[id.into(), password_hash.expose().into()])
                .await?;
            return Ok(false);
        }
        // Welcome links belong to the notifier (#5), not to this model.
        CustomerEvent::WelcomeEmailRequested { .. } => return Ok(false),
    };
    tx.execute(&sql, &[id.into()]).await?;
    Ok(affects_visibility)
}

async fn user(
    tx: &mut ReadTx,
    set: TableSet,
    id: &str,
    event: &UserEvent,
) -> Result<(), ProjectionError> {
    let table = set.table("staff_users");
    match event {
        UserEvent::Created {
            name, email, role, ..
        } => {
            let sql = format!(
                "insert into {table} (user_id, name, email, role, active) values ($1, $2, $3, $4, true)"
            );
            let params = [
                id.into(),
                name.as_str().into(),
                email.as_str().into(),
                role.as_str().into(),
            ];
            tx.execute(&sql, &params).await?;
        }
        UserEvent::RoleChanged { role } => {
            let sql = format!("update {table} set role = $2 where user_id = $1");
            tx.execute(&sql, &[id.into(), role.as_str().into()]).await?;
        }
        UserEvent::Deactivated {} => {
            let sql = format!("update {table} set active = false where user_id = $1");
            tx.execute(&sql, &[id.into()]).await?;
        }
        UserEvent::PasswordSet { password_hash } => {
            let sql = format!("update {table} set password_hash = $2 where user_id = $1");
            tx.execute(&sql, &[id.into(), password_hash.expose().into()])
                .await?;
        }
    }
    Ok(())
}

/// Applies an incident event; returns whether visibility may have changed.
async fn incident(
    tx: &mut ReadTx,
    set: TableSet,
    id: &str,
    recorded: &RecordedEvent,
    event: &IncidentEvent,
) -> Result<bool, ProjectionError> {
    let incidents = set.table("incidents");
    let at = recorded
        .occurred_at
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    let version = i64::try_from(recorded.version).unwrap_or(i64::MAX);
    let text = |value: String| Param::from(value);

    let (change, params, affects_visibility): (String, Vec<Param>, bool) = match event {
        IncidentEvent::Logged {
            reference,
            title,
            description,
            incident_type,
            portal_type,
            service_id,
            customer_id,
            company_id,
            shown_in_portal,
            ..
        } => {
            let sql = format!(
                "insert into {incidents} (incident_id, reference, title, description, incident_type,
                     portal_type, service_id, customer_id, company_id, assignee_id, status,
                     shown_in_portal, version, created_at, updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, null, 'open', $10, $11, $12, $12)"
            );
            let params = [
                id.into(),
                i64::try_from(reference.number()).unwrap_or(i64::MAX).into(),
                title.as_str().into(),
                description.as_str().into(),
                incident_type.as_str().into(),
                portal_type.as_ref().map(|p| p.as_str().to_owned()).into(),
                service_id.to_string().into(),
                customer_id.map(|c| c.to_string()).into(),
                company_id.map(|c| c.to_string()).into(),
                (*shown_in_portal).into(),
                version.into(),
                at.clone().into(),
            ];
            tx.execute(&sql, &params).await?;
            return Ok(true);
        }
        IncidentEvent::CommentAdded {
            comment_id,
            body,
            public,
            author,
        } => {
            let sql = format!(
                "insert into {} (comment_id, incident_id, body, public, author, created_at, version)
                 values ($1, $2, $3, $4, $5, $6, $7)",
                set.table("incident_comments")
            );
            let params = [
                comment_id.to_string().into(),
                id.into(),
                body.as_str().into(),
                (*public).into(),
                author.to_string().into(),
                at.clone().into(),
                version.into(),
            ];
            tx.execute(&sql, &params).await?;
            (String::new(), Vec::new(), false)
        }
        IncidentEvent::DetailsChanged { title, description } => (
            "title = coalesce($4, title), description = coalesce($5, description)".to_owned(),
            vec![
                title.as_ref().map(|t| t.as_str().to_owned()).into(),
                description.as_ref().map(|d| d.as_str().to_owned()).into(),
            ],
            false,
        ),
        IncidentEvent::TypeChanged { incident_type } => (
            "incident_type = $4".to_owned(),
            vec![incident_type.as_str().into()],
            false,
        ),
        IncidentEvent::ServiceChanged { service_id } => (
            "service_id = $4".to_owned(),
            vec![text(service_id.to_string())],
            true,
        ),
        IncidentEvent::CustomerChanged {
            customer_id,
            company_id,
        } => (
            "customer_id = $4, company_id = $5".to_owned(),
            vec![
                customer_id.map(|c| c.to_string()).into(),
                company_id.map(|c| c.to_string()).into(),
            ],
            true,
        ),
        IncidentEvent::Assigned { assignee_id } => (
            "assignee_id = $4".to_owned(),
            vec![text(assignee_id.to_string())],
            false,
        ),
        IncidentEvent::Unassigned {} => ("assignee_id = null".to_owned(), Vec::new(), false),
        IncidentEvent::StatusChanged { status } => (
            "status = $4".to_owned(),
            vec![status.as_str().into()],
            false,
        ),
        IncidentEvent::ShownInPortal {} => ("shown_in_portal = true".to_owned(), Vec::new(), true),
        IncidentEvent::HiddenFromPortal {} => {
            ("shown_in_portal = false".to_owned(), Vec::new(), true)
        }
        IncidentEvent::CustomerNotificationRequested { .. } => (String::new(), Vec::new(), false),
    };

    // Every event moves the incident's version and time, whatever else it changes.
    let assignments = if change.is_empty() {
        String::new()
    } else {
        format!(", {change}")
    };
    let sql = format!(
        "update {incidents} set version = $2, updated_at = $3{assignments} where incident_id = $1"
    );
    let mut all = vec![Param::from(id), version.into(), at.into()];
    all.extend(params);
    tx.execute(&sql, &all).await?;
    Ok(affects_visibility)
}

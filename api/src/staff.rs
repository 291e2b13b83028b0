//! The staff API (`/api`): sign-in, the directory an admin manages, incidents and audit.

pub(crate) mod audit;
pub(crate) mod companies;
pub(crate) mod customers;
pub(crate) mod incidents;
pub(crate) mod mail;
pub(crate) mod portal_settings;
pub(crate) mod services;
pub(crate) mod session;
pub(crate) mod users;

use std::collections::BTreeSet;

use ledgerdesk_domain::service::ServiceState;
use ledgerdesk_domain::{Actor, Channel, ServiceId, StreamName};

use crate::AppState;
use crate::error::ApiError;
use crate::session::StaffSession;
use crate::write::{Writer, load};

/// A writer acting as the signed-in staff user through the staff API.
pub(crate) fn writer(state: &AppState, staff: StaffSession) -> Writer {
    Writer {
        store: state.store().clone(),
        db: state.db().clone(),
        actor: Actor::Staff(staff.user_id),
        channel: Channel::StaffApi,
        correlation_id: uuid::Uuid::now_v7(),
        wait_for_read_model: Some(state.config().read_your_writes_timeout),
    }
}

/// Checks that every service exists in the ledger: 422 `unknown_service` otherwise.
pub(crate) async fn require_services(
    state: &AppState,
    services: &BTreeSet<ServiceId>,
) -> Result<(), ApiError> {
    for &service_id in services {
        let loaded = load::<ServiceState>(state.store(), &StreamName::service(service_id)).await?;
        if loaded.state.service().is_none() {
            return Err(ApiError::rule(
                "unknown_service",
                format!("service {service_id} does not exist"),
            ));
        }
    }
    Ok(())
}

//! The portal API (`/portal/api`): customer sign-in, what a signed-in customer may read and
//! log, and company admins' colleagues.
//! Every incident read here must go through `ledgerdesk_projections::query::visible_incidents_sql`
//! (or `visible_page_sql` for a list page).

pub(crate) mod company;
pub(crate) mod incidents;
pub(crate) mod me;
pub(crate) mod session;

use ledgerdesk_domain::{Actor, Channel};

use crate::AppState;
use crate::session::CustomerSession;
use crate::write::Writer;

/// A writer acting as the signed-in customer through the portal.
pub(crate) fn writer(state: &AppState, session: CustomerSession) -> Writer {
    Writer {
        store: state.store().clone(),
        db: state.db().clone(),
        actor: Actor::Customer(session.customer_id),
        channel: Channel::Portal,
        correlation_id: uuid::Uuid::now_v7(),
        wait_for_read_model: Some(state.config().read_your_writes_timeout),
    }
}

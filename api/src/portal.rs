//! The portal API (`/portal/api`): customer sign-in and what a signed-in customer may read.
//! Every incident read here must go through `ledgerdesk_projections::query::visible_incidents_sql`.

pub(crate) mod me;
pub(crate) mod session;

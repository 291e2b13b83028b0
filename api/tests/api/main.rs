//! Router-level tests of `ledgerdesk_api::app` over a scratch SQLite database with the portal
//! projector running, called through `tower::ServiceExt::oneshot`: the OpenAPI document against
//! what the router answers, and the router's own answers (unknown paths, sign-in, body limits).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod app;
mod openapi;
mod router;

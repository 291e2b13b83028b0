//! End-to-end tests of the `ledgerdesk` binary against real databases, and the tidy checks.
//!
//! PostgreSQL tests need a real server (`LEDGERDESK_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and fail when it cannot be reached.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod audit;
mod audit_api;
mod browser;
mod company_admin;
mod demo;
mod harness;
mod import;
mod incidents;
mod metrics;
mod migrate;
mod notifier;
mod openapi;
mod portal_pages;
mod portal_settings;
mod projections;
mod serve;
mod smtp_sink;
mod tidy;
mod visibility_rule;

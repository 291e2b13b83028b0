//! `ledgerdesk migrate`: apply pending migrations and exit.

use std::process::ExitCode;

use anyhow::Context as _;
use ledgerdesk_store::AnyStore;

use crate::cli::DatabaseArgs;

/// Opens the database, which applies every pending migration.
///
/// # Errors
/// When the database cannot be opened or a migration fails.
pub async fn run(database: &DatabaseArgs) -> anyhow::Result<ExitCode> {
    let store = AnyStore::connect(&database.database_url)
        .await
        .context("failed to open and migrate the database")?;

    tracing::info!(backend = store.backend(), "database is migrated");
    Ok(ExitCode::SUCCESS)
}

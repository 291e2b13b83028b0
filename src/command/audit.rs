//! `ledgerdesk audit verify`: check the ledger's hash chains.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use ledgerdesk_store::{AnyStore, EventStore};

use crate::cli::DatabaseArgs;

/// Verifies every stream and prints one line per broken link; exits 1 when any link is broken.
///
/// # Errors
/// When the database cannot be opened or read.
pub async fn verify(database: &DatabaseArgs) -> anyhow::Result<ExitCode> {
    let store = AnyStore::open_existing(&database.database_url)
        .await
        .context("failed to open the database")?;
    let report = store
        .verify()
        .await
        .context("failed to read the ledger for verification")?;

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "checked {} events in {} streams",
        report.events, report.streams
    )?;
    for link in &report.broken {
        let position = link
            .position
            .map_or_else(|| "-".to_owned(), |p| p.to_string());
        writeln!(
            out,
            "BROKEN stream={} version={} position={} problem={:?}",
            link.stream, link.version, position, link.problem
        )?;
    }
    if report.is_intact() {
        writeln!(out, "every hash chain holds")?;
        return Ok(ExitCode::SUCCESS);
    }
    tracing::error!(
        n_broken = report.broken.len(),
        "the ledger's hash chain is broken"
    );
    Ok(ExitCode::from(1))
}

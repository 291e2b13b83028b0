//! `ledgerdesk projections status|rebuild`: where the read models stand, and rebuilding them.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use ledgerdesk_projections::{RebuildProgress, portal};
use ledgerdesk_store::AnyStore;

use crate::cli::DatabaseArgs;

/// Prints one line per projection: name, checkpoint, lag in events, and whether it is current.
///
/// # Errors
/// When the database cannot be opened or read.
pub async fn status(database: &DatabaseArgs) -> anyhow::Result<ExitCode> {
    let store = AnyStore::open_existing(&database.database_url)
        .await
        .context("failed to open the database")?;
    let statuses = ledgerdesk_projections::status(&store)
        .await
        .context("failed to read the projection checkpoints")?;

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<10} {:>12} {:>10} {:>11} {:>8}",
        "projection", "position", "lag", "generation", "current"
    )?;
    for status in statuses {
        writeln!(
            out,
            "{:<10} {:>12} {:>10} {:>11} {:>8}",
            status.name,
            status.row.checkpoint.position,
            status.lag,
            status.row.generation,
            if status.current { "yes" } else { "no" },
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Rebuilds the named projection (or all) with a progress bar on standard error.
///
/// # Errors
/// When the name is unknown or the rebuild fails; the live read model is then untouched.
pub async fn rebuild(database: &DatabaseArgs, name: Option<&str>) -> anyhow::Result<ExitCode> {
    if let Some(name) = name
        && name != portal::NAME
    {
        anyhow::bail!("unknown projection {name:?}; known: {}", portal::NAME);
    }
    let store = AnyStore::open_existing(&database.database_url)
        .await
        .context("failed to open the database")?;
    let names = match name {
        Some(name) => vec![name.to_owned()],
        None => vec![portal::NAME.to_owned()],
    };

    for name in names {
        let bar = ProgressBar::new(0).with_message(format!("rebuilding {name}"));
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:40}] {pos}/{len} events ({per_sec}, {eta} left)",
            )
            .context("the progress template is valid")?
            .progress_chars("=> "),
        );
        let progress = |step: RebuildProgress| {
            bar.set_length(step.total);
            bar.set_position(step.applied);
        };
        let row = ledgerdesk_projections::rebuild(&store, &name, &progress)
            .await
            .with_context(|| format!("failed to rebuild the {name} projection"))?;
        bar.finish_and_clear();
        writeln!(
            std::io::stdout().lock(),
            "rebuilt {name}: generation {}, up to position {}",
            row.generation,
            row.checkpoint.position
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

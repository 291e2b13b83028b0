//! `ledgerdesk import csv --mapping FILE.toml FILE.csv[.gz]`: brings another tool's incident
//! history into the ledger through the domain, as the source recorded it (ADR 13,
//! `docs/IMPORT.md`).
//!
//! The file is read once, one incident (its consecutive rows) at a time. For each incident:
//! skip it if its stream exists (imported before), look up the facts its commands need, reserve
//! its reference, decide its events, create and grant what it needs (services, companies,
//! customers, staff users), then append all its events in one append (on PostgreSQL several
//! incidents' appends run while the next incidents are decided). A bad row stops the
//! import before anything of its incident is written, or with `--skip-bad-rows` skips the
//! incident and reports it.

pub mod directory;
pub mod history;
pub mod ids;
pub mod ledger;
pub mod mapping;
pub mod rows;

use std::collections::HashSet;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use ledgerdesk_api::references;
use ledgerdesk_domain::incident::IncidentState;
use ledgerdesk_domain::{IncidentId, StreamName};
use ledgerdesk_projections::db::ReadDb;
use ledgerdesk_projections::{Projector, ProjectorConfig};
use ledgerdesk_store::{AnyStore, EventStore};
use tokio::task::JoinSet;

use crate::cli::ImportCsvArgs;
use crate::command::import::directory::Directory;
use crate::command::import::history::{NewIncident, history};
use crate::command::import::ids::IdSpace;
use crate::command::import::ledger::Ledger;
use crate::command::import::mapping::{Compiled, Mapping};
use crate::command::import::rows::{BadRow, Group, Source};

/// How many incidents' appends may be in flight at once on PostgreSQL, while the next incidents
/// are read and decided; references are still reserved one after the other, in file order.
const APPENDS_IN_FLIGHT: usize = 8;

/// What an import did, for the summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Rows read.
    pub n_rows: u64,
    /// Incidents appended by this run.
    pub n_imported: u64,
    /// Incidents whose stream was already there.
    pub n_already_there: u64,
    /// Incidents skipped for a bad row (`--skip-bad-rows`).
    pub n_skipped: u64,
    /// Events appended, incidents' and the directory's.
    pub n_events: u64,
    /// Changes to closed incidents that the desk does not take.
    pub n_left_out: u64,
}

/// What happened to one incident.
enum Outcome {
    Imported { n_events: usize, n_left_out: usize },
    AlreadyThere,
    Bad(BadRow),
}

/// Imports the file, catches the read model up and prints a summary.
///
/// # Errors
/// When the mapping or file cannot be read, the database fails, or (without `--skip-bad-rows`)
/// a row is bad; every incident before the bad one is imported, nothing of it is.
pub async fn csv(args: &ImportCsvArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mapping = Mapping::read(&args.mapping)?;
    let mut source = Source::open(&args.file)?;
    let header: Vec<&str> = source.header.iter().map(String::as_str).collect();
    let mapping = mapping.compile(&header)?;
    let store = AnyStore::connect(&args.database.database_url)
        .await
        .context("failed to open the database")?;
    let ledger = Ledger {
        store: store.clone(),
        ids: IdSpace::of(&mapping.source),
        correlation_id: uuid::Uuid::now_v7(),
    };
    let mut run = Run {
        directory: Directory::new(ledger.clone(), mapping.email_domain.clone()),
        db: ReadDb::of(&store),
        ledger,
        seen: HashSet::new(),
        // PostgreSQL commits several appends at once; SQLite has one writer anyway.
        window: match store {
            AnyStore::Postgres(_) => APPENDS_IN_FLIGHT,
            AnyStore::Sqlite(_) => 1,
        },
        in_flight: JoinSet::new(),
    };

    let tally = run.import_all(&mut source, &mapping, args, started).await?;

    catch_up(store).await?;
    tracing::info!(
        n_rows = tally.n_rows,
        n_incidents = tally.n_imported,
        n_events = tally.n_events,
        n_skipped = tally.n_skipped,
        "import finished"
    );
    print_summary(&tally, started)?;
    Ok(ExitCode::SUCCESS)
}

/// The state of one import run.
struct Run {
    ledger: Ledger,
    directory: Directory,
    db: ReadDb,
    /// Every incident met so far, to notice an incident whose rows are not together.
    seen: HashSet<IncidentId>,
    /// How many incident appends may run at once.
    window: usize,
    /// The incident appends running.
    in_flight: JoinSet<anyhow::Result<()>>,
}

impl Run {
    /// Imports every incident of the file with a progress bar, stopping at a bad row unless
    /// `--skip-bad-rows` was given.
    async fn import_all(
        &mut self,
        source: &mut Source,
        mapping: &Compiled,
        args: &ImportCsvArgs,
        started: Instant,
    ) -> anyhow::Result<Tally> {
        let bar = progress_bar(source.size)?;
        let mut tally = Tally::default();
        while let Some(group) = source.next_group(mapping)? {
            tally.n_rows += group.n_rows;
            let key = group.key.clone();
            match self.import(mapping, group).await? {
                Outcome::Imported {
                    n_events,
                    n_left_out,
                } => {
                    tally.n_imported += 1;
                    tally.n_events += n_events as u64;
                    tally.n_left_out += n_left_out as u64;
                }
                Outcome::AlreadyThere => tally.n_already_there += 1,
                Outcome::Bad(bad) if args.skip_bad_rows => {
                    tally.n_skipped += 1;
                    bar.suspend(|| report_skipped(&key, &bad));
                }
                Outcome::Bad(bad) => {
                    bar.abandon();
                    self.finish_all().await?;
                    print_summary(&tally, started)?;
                    anyhow::bail!(
                        "line {}: {}; nothing of incident {key:?} was imported (fix the row and \
                         run the import again, which resumes where it stopped, or pass \
                         --skip-bad-rows)",
                        bad.line,
                        bad.reason
                    );
                }
            }
            bar.set_position(source.read_bytes.load(Ordering::Relaxed));
            let n_incidents = tally.n_imported + tally.n_already_there;
            bar.set_message(format!("{n_incidents} incidents"));
        }
        self.finish_all().await?;
        bar.finish_and_clear();
        Ok(tally)
    }

    /// Waits for one of the running appends to end.
    ///
    /// # Errors
    /// When that append failed.
    async fn finish_one(&mut self) -> anyhow::Result<()> {
        match self.in_flight.join_next().await {
            Some(finished) => finished.context("an incident append stopped unexpectedly")?,
            None => Ok(()),
        }
    }

    /// Waits for every running append to end.
    ///
    /// # Errors
    /// When one of them failed.
    async fn finish_all(&mut self) -> anyhow::Result<()> {
        while !self.in_flight.is_empty() {
            self.finish_one().await?;
        }
        Ok(())
    }

    /// Imports one incident unless it is there already or holds a bad row.
    async fn import(&mut self, mapping: &Compiled, group: Group) -> anyhow::Result<Outcome> {
        let first_line = group.rows.first().map_or(0, |row| row.line);
        if let Some(bad) = group.bad {
            return Ok(Outcome::Bad(bad));
        }
        let incident_id = self.ledger.ids.incident(&group.key);
        if !self.seen.insert(incident_id) {
            return Ok(Outcome::Bad(BadRow {
                line: first_line,
                reason: "the incident's rows are not all together; sort the file by the \
                         incident column (keeping the order of each incident's rows)"
                    .to_owned(),
            }));
        }
        let stream = StreamName::incident(incident_id);
        let version = self.ledger.store.stream_version(&stream).await?;
        if version > 0 {
            return Ok(Outcome::AlreadyThere);
        }

        let mut rows = Vec::with_capacity(group.rows.len());
        for row in group.rows {
            let facts = self.directory.facts(&row).await?;
            rows.push((row, facts));
        }
        let new = NewIncident {
            incident_id,
            reference: references::reserve(&self.db, incident_id).await?,
            incident_type: mapping.incident_type.clone(),
            show_in_portal: mapping.show_in_portal,
        };
        let decided = match history(&new, &rows) {
            Ok(decided) => decided,
            Err(bad) => return Ok(Outcome::Bad(bad)),
        };

        let mut n_events = 0;
        for (row, _) in &rows {
            n_events += self.directory.ensure(row).await?;
        }
        let n_incident_events = decided.events.len();
        while self.in_flight.len() >= self.window {
            self.finish_one().await?;
        }
        let ledger = self.ledger.clone();
        self.in_flight.spawn(async move {
            ledger
                .append::<IncidentState>(&stream, 0, &decided.events)
                .await
        });
        Ok(Outcome::Imported {
            n_events: n_events + n_incident_events,
            n_left_out: decided.n_left_out,
        })
    }
}

fn progress_bar(size: u64) -> anyhow::Result<ProgressBar> {
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template(
            "importing [{bar:40}] {bytes}/{total_bytes} read, {msg} ({elapsed}, {eta} left)",
        )
        .context("the progress template is valid")?
        .progress_chars("=> "),
    );
    Ok(bar)
}

/// Brings the portal read model up to date, so the imported incidents are there to read.
async fn catch_up(store: AnyStore) -> anyhow::Result<()> {
    let spinner = ProgressBar::new_spinner().with_message("updating the portal read model");
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    Projector::start(store, ProjectorConfig::default())
        .await
        .context("failed to start the portal projection")?
        .catch_up()
        .await
        .context("failed to bring the portal read model up to date")?;
    spinner.finish_and_clear();
    Ok(())
}

/// Reports a skipped incident on standard error, where the progress bar is.
fn report_skipped(key: &str, bad: &BadRow) {
    let mut err = std::io::stderr().lock();
    // Losing a line of the report is no reason to stop the import.
    let _ = writeln!(
        err,
        "skipped incident {key:?}: line {}: {}",
        bad.line, bad.reason
    );
}

fn print_summary(tally: &Tally, started: Instant) -> std::io::Result<()> {
    let seconds = started.elapsed().as_secs_f64();
    let per_second = |n: u64| {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "read {} rows: imported {} incidents ({} events), {} already there, {} skipped for bad \
         rows",
        tally.n_rows, tally.n_imported, tally.n_events, tally.n_already_there, tally.n_skipped
    )?;
    if tally.n_left_out > 0 {
        writeln!(
            out,
            "left out {} changes made to closed incidents (a closed incident takes none until \
             reopened)",
            tally.n_left_out
        )?;
    }
    writeln!(
        out,
        "took {seconds:.1} s: {:.0} rows/s, {:.0} events/s",
        per_second(tally.n_rows),
        per_second(tally.n_events)
    )
}

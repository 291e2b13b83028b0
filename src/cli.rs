//! The command line: every flag also reads an environment variable (`LEDGERDESK_...`).

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Ledgerdesk: a service desk on an append-only ledger of events.
#[derive(Debug, Parser)]
#[command(name = "ledgerdesk", version, about)]
pub struct Cli {
    /// How logs are written: `pretty` for people, `json` for log collectors.
    #[arg(long, env = "LEDGERDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Inspect or rebuild the read models.
    Projections {
        /// What to do.
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Review the ledger's history.
    Audit {
        /// What to check.
        #[command(subcommand)]
        command: AuditCommand,
    },
}

/// Projection subcommands.
#[derive(Debug, Subcommand)]
pub enum ProjectionsCommand {
    /// Show each projection's checkpoint and how many events it is behind.
    Status(DatabaseArgs),
    /// Rebuild a read model from the whole ledger into fresh tables, then switch readers over.
    Rebuild {
        /// The projection to rebuild (`portal`); all of them when left out.
        name: Option<String>,
        /// Where the ledger lives.
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every stream's hash chain and name the first broken link of each.
    Verify(DatabaseArgs),
}

/// Where the ledger lives.
#[derive(Clone, Debug, Args)]
pub struct DatabaseArgs {
    /// `sqlite://FILE` (the embedded default) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "LEDGERDESK_DATABASE_URL",
        default_value = "sqlite://ledgerdesk.db"
    )]
    pub database_url: String,
}

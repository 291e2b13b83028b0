//! The command line: every flag also reads an environment variable (`LEDGERDESK_...`).

use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// Run the HTTP API and the projectors in one process until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Manage staff users.
    Users {
        /// What to do.
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Inspect or rebuild the read models.
    Projections {
        /// What to do.
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Load the customer portal blog's example (services A-H, companies A-C, customers A-H,
    /// a demo admin and agent, a few incidents each) and print every demo account's password.
    Demo(DatabaseArgs),
    /// Import incident history from another tool.
    Import {
        /// The source's format.
        #[command(subcommand)]
        command: ImportCommand,
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

/// Import formats.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A CSV export (plain or `.gz`) whose columns a TOML mapping describes (docs/IMPORT.md);
    /// importing the same file again adds nothing, and an interrupted import resumes.
    Csv(ImportCsvArgs),
}

/// What `import csv` takes.
#[derive(Clone, Debug, Args)]
pub struct ImportCsvArgs {
    /// The mapping: which columns hold what, and how the source's statuses map to ours.
    #[arg(long)]
    pub mapping: PathBuf,
    /// Skip an incident with a bad row (and report it) instead of stopping there.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// The file: `.csv`, or `.csv.gz` for a gzip-compressed one.
    pub file: PathBuf,
    /// Where the ledger lives.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every stream's hash chain and name every broken link; exits 1 when one is broken.
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

/// How `serve` runs.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Where the ledger lives.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The address to listen on.
    #[arg(long, env = "LEDGERDESK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The address users reach the server at (e.g. `https://desk.example.com`); an `https`
    /// address makes session cookies `Secure`.
    #[arg(long, env = "LEDGERDESK_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// Staff user subcommands.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a staff user, e.g. the first admin; the password is read from standard input.
    Create(CreateUserArgs),
}

/// A staff user's role on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Manages services, companies, customers, staff and settings.
    Admin,
    /// Logs and works incidents.
    Agent,
}

/// What `users create` takes.
#[derive(Clone, Debug, Args)]
pub struct CreateUserArgs {
    /// The sign-in address.
    #[arg(long)]
    pub email: String,
    /// The display name.
    #[arg(long)]
    pub name: String,
    /// What the user may do.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// Read the password from the first line of standard input (required: passwords are never
    /// taken as arguments, which other users of the machine can see).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// Where the ledger lives.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

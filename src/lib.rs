//! The library behind the `ledgerdesk` binary: command-line definitions and the commands.
//!
//! Each command opens what it needs through the crates (`ledgerdesk-store`, ...) so tests can
//! drive the same code paths as the binary.

pub mod cli;
pub mod command;
pub mod telemetry;

use std::process::ExitCode;

use crate::cli::{AuditCommand, Cli, Command, ImportCommand, ProjectionsCommand, UsersCommand};

/// Runs one parsed command line.
///
/// # Errors
/// Whatever the command fails with, with context naming the step that failed.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => command::serve::run(&args).await,
        Command::Users {
            command: UsersCommand::Create(args),
        } => command::users::create(&args).await,
        Command::Demo(database) => command::demo::run(&database).await,
        Command::Migrate(database) => command::migrate::run(&database).await,
        Command::Projections {
            command: ProjectionsCommand::Status(database),
        } => command::projections::status(&database).await,
        Command::Projections {
            command: ProjectionsCommand::Rebuild { name, database },
        } => command::projections::rebuild(&database, name.as_deref()).await,
        Command::Import {
            command: ImportCommand::Csv(args),
        } => command::import::csv(&args).await,
        Command::Audit {
            command: AuditCommand::Verify(database),
        } => command::audit::verify(&database).await,
    }
}

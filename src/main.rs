//! The `ledgerdesk` binary: parses the command line, sets up logging, and runs the command.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = ledgerdesk::cli::Cli::parse();
    ledgerdesk::telemetry::init(cli.log_format);
    match ledgerdesk::run(cli).await {
        Ok(code) => code,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "command failed");
            std::process::ExitCode::FAILURE
        }
    }
}

//! The `ledgerdesk` binary: parses the command line, sets up logging, and runs the command.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = ledgerdesk::cli::Cli::parse();
    ledgerdesk::telemetry::init(cli.log_format);
    match ledgerdesk::run(cli).await {
        Ok(code) => code,
        Err(err) => {
            tracing::error!(error = causes(&err), "command failed");
            // Like diff: 1 is a finding (a broken chain), 2 is trouble running the command.
            std::process::ExitCode::from(2)
        }
    }
}

/// The error and its causes, `outer: inner`, leaving out a cause that only repeats the end of
/// the message before it (database errors quote their own cause).
fn causes(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let cause = cause.to_string();
        if text.ends_with(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

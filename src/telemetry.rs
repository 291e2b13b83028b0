//! Logging setup: one `tracing` subscriber, filtered by `RUST_LOG` (default `info`, with the
//! database driver's notices at `warn`).

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// Installs the process's subscriber; logs go to standard error.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

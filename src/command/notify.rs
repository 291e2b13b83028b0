//! `ledgerdesk notify`: the notifier alone, stopped gracefully by SIGTERM or Ctrl-C; and the
//! notifier configuration `serve` shares.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use ledgerdesk_notifier::{Delivery, NotifierConfig};
use ledgerdesk_store::AnyStore;
use tokio::sync::watch;

use crate::cli::{MailArgs, NotifyArgs};
use crate::command::serve::shutdown_signal;

/// The public URL mail links use when none is configured (DESIGN §7's listen address).
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Runs the notifier until a shutdown signal.
///
/// # Errors
/// When the configuration is invalid, the database cannot be opened, or the notifier stops on
/// an error it cannot retry.
pub async fn run(args: &NotifyArgs) -> anyhow::Result<ExitCode> {
    let config = notifier_config(args.public_url.as_deref(), &args.mail)?;
    let store = AnyStore::connect(&args.database.database_url)
        .await
        .context("failed to open the database")?;

    let (stop, stopped) = watch::channel(false);
    let signals = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown signal received, stopping the notifier");
        stop.send_replace(true);
    });
    let outcome = ledgerdesk_notifier::run(store, config, stopped).await;
    signals.abort();
    outcome.context("the notifier stopped on an error")?;

    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The notifier's configuration from the command line.
///
/// # Errors
/// When the SMTP URL or the sender address is not valid; the message names the flag.
pub fn notifier_config(
    public_url: Option<&str>,
    mail: &MailArgs,
) -> anyhow::Result<NotifierConfig> {
    let delivery = Delivery::from_url(mail.smtp_url.as_deref(), mail.mail_dir.clone())
        .context("invalid --smtp-url (LEDGERDESK_SMTP_URL)")?;
    let from = mail
        .mail_from
        .parse()
        .context("invalid --mail-from (LEDGERDESK_MAIL_FROM): expected `Name <address>`")?;
    let public_url = public_url.unwrap_or(DEFAULT_PUBLIC_URL).to_owned();
    let mut config = NotifierConfig::new(public_url, from, delivery);
    config.retry_max = Duration::from_secs(mail.mail_retry_max_secs.max(1));
    config.retry_base = config.retry_base.min(config.retry_max);
    Ok(config)
}

//! Delivering the outbox: over SMTP through lettre, or as `.eml` files when no SMTP server is
//! configured. Temporary failures are tried again with backoff, permanent ones are parked, and
//! each mail is tried on its own so one bad mail never holds up the others.

use std::path::{Path, PathBuf};

use futures_util::StreamExt as _;
use ledgerdesk_store::AnyStore;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use tracing::Instrument as _;

use crate::config::{Delivery, NotifierConfig};
use crate::outbox::{self, DueMail};
use crate::{NotifierError, with_causes};

/// Delivers mail the configured way.
#[derive(Clone, Debug)]
pub struct Sender {
    transport: Transport,
    from: Mailbox,
}

#[derive(Clone, Debug)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Why one delivery failed.
#[derive(Debug)]
enum Failure {
    /// Worth trying again later: the server is down, busy, or answered 4xx.
    Temporary(String),
    /// Never worth trying again as it is: the server answered 5xx, or the mail is malformed.
    Permanent(String),
}

/// What a round of delivery did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Round {
    pub(crate) sent: usize,
    pub(crate) failed: usize,
}

impl Sender {
    /// The sender `config` describes.
    #[must_use]
    pub fn new(config: &NotifierConfig) -> Self {
        let transport = match &config.delivery {
            Delivery::Smtp {
                host,
                port,
                credentials,
            } => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(*port)
                    .timeout(Some(config.smtp_timeout));
                if let Some((user, password)) = credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Transport::Smtp(builder.build())
            }
            Delivery::Files(dir) => Transport::Files(dir.clone()),
        };
        Self {
            transport,
            from: config.from.clone(),
        }
    }

    async fn deliver(&self, mail: &DueMail) -> Result<(), Failure> {
        let message = self.message(mail)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|err| {
                let words = with_causes(&err);
                if err.is_permanent() {
                    Failure::Permanent(words)
                } else {
                    Failure::Temporary(words)
                }
            }),
            Transport::Files(dir) => write_file(dir, &mail.id, &message.formatted())
                .await
                .map_err(|err| Failure::Temporary(format!("failed to write the mail file: {err}"))),
        }
    }

    fn message(&self, mail: &DueMail) -> Result<Message, Failure> {
        let to: Mailbox = mail
            .to_address
            .parse()
            .map_err(|_| Failure::Permanent("the recipient address is not valid".to_owned()))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(
                mail.body_text.clone(),
                mail.body_html.clone(),
            ))
            .map_err(|err| Failure::Permanent(format!("the mail cannot be built: {err}")))
    }
}

/// Delivers rounds of due mail until none is due; returns how many mails were delivered.
///
/// # Errors
/// [`NotifierError::Database`] when the outbox cannot be read or updated; delivery failures
/// are recorded on their rows, not returned.
pub async fn deliver_due(
    store: &AnyStore,
    sender: &Sender,
    config: &NotifierConfig,
) -> Result<usize, NotifierError> {
    let mut delivered = 0;
    loop {
        let round = send_due(store, sender, config).await?;
        delivered += round.sent;
        if round.sent + round.failed == 0 {
            return Ok(delivered);
        }
    }
}

/// Tries every mail due now once, `config.concurrency` at a time, and records each outcome.
pub(crate) async fn send_due(
    store: &AnyStore,
    sender: &Sender,
    config: &NotifierConfig,
) -> Result<Round, NotifierError> {
    let limit = i64::try_from(config.concurrency * 8).unwrap_or(64);
    let due = outbox::due(store, outbox::now_ms(), limit).await?;
    let outcomes: Vec<Result<bool, NotifierError>> = futures_util::stream::iter(due)
        .map(|mail| {
            let span = tracing::info_span!(
                "notifier.send",
                notification.id = %mail.id,
                template = %mail.template,
                attempt = mail.attempts + 1
            );
            send_one(store, sender, config, mail).instrument(span)
        })
        .buffer_unordered(config.concurrency.max(1))
        .collect()
        .await;
    let mut round = Round::default();
    for outcome in outcomes {
        if outcome? {
            round.sent += 1;
        } else {
            round.failed += 1;
        }
    }
    Ok(round)
}

/// Delivers one mail and records the outcome; true when it was delivered.
async fn send_one(
    store: &AnyStore,
    sender: &Sender,
    config: &NotifierConfig,
    mail: DueMail,
) -> Result<bool, NotifierError> {
    match sender.deliver(&mail).await {
        Ok(()) => {
            outbox::mark_sent(store, &mail.id, outbox::now_ms()).await?;
            tracing::info!(notification.id = %mail.id, "delivered mail {}", mail.id);
            Ok(true)
        }
        Err(Failure::Permanent(reason)) => {
            outbox::mark_parked(store, &mail.id, &reason).await?;
            tracing::error!(
                notification.id = %mail.id,
                error = %reason,
                "mail {} was refused for good and is parked until an admin retries it",
                mail.id
            );
            Ok(false)
        }
        Err(Failure::Temporary(reason)) => {
            let failures = u32::try_from(mail.failures + 1).unwrap_or(u32::MAX);
            if failures >= config.max_attempts {
                outbox::mark_parked(store, &mail.id, &reason).await?;
                tracing::error!(
                    notification.id = %mail.id,
                    error = %reason,
                    "mail {} failed {failures} times and is parked until an admin retries it",
                    mail.id
                );
                return Ok(false);
            }
            let wait = config.backoff(failures);
            let next = outbox::now_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2);
            outbox::mark_retry(store, &mail.id, next, &reason).await?;
            tracing::warn!(
                notification.id = %mail.id,
                error = %reason,
                retry_in_ms = wait.as_millis(),
                "mail {} could not be delivered now and will be tried again",
                mail.id
            );
            Ok(false)
        }
    }
}

/// Writes `<dir>/<id>.eml` whole or not at all: a temporary file, then a rename, so a crash
/// never leaves half a mail and a second delivery replaces the first with the same bytes.
async fn write_file(dir: &Path, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let temporary = dir.join(format!(".{id}.eml.tmp"));
    tokio::fs::write(&temporary, bytes).await?;
    tokio::fs::rename(&temporary, dir.join(format!("{id}.eml"))).await
}

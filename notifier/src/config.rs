//! How the notifier runs and delivers: built once by the binary from flags.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;

use crate::NotifierError;

/// Where mail goes.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// An SMTP server, reached without TLS (`smtp://[user:password@]host[:port]`).
    Smtp {
        /// The server's host name or address.
        host: String,
        /// Its port (25 when the URL names none).
        port: u16,
        /// User name and password, if the URL carries them.
        credentials: Option<(String, String)>,
    },
    /// `.eml` files in a folder, one per mail, when no SMTP server is configured.
    Files(PathBuf),
}

/// Everything the notifier needs besides the store.
#[derive(Clone, Debug)]
pub struct NotifierConfig {
    /// The address users reach the portal at, for links in mail.
    pub public_url: String,
    /// The `From` of every mail.
    pub from: Mailbox,
    /// Where mail goes.
    pub delivery: Delivery,
    /// Events read and decided per transaction.
    pub batch_size: u32,
    /// How often to look for new events and due mail when no hint arrives.
    pub poll_interval: Duration,
    /// The wait after a mail's first temporary failure; it doubles with each further one.
    pub retry_base: Duration,
    /// The longest wait between two tries of one mail.
    pub retry_max: Duration,
    /// After this many tries that failed temporarily, a mail is parked.
    pub max_attempts: u32,
    /// Mails delivered at once.
    pub concurrency: usize,
    /// How long one SMTP conversation may take before it counts as a temporary failure.
    pub smtp_timeout: Duration,
}

impl Delivery {
    /// SMTP when `smtp_url` is given, files under `mail_dir` otherwise.
    ///
    /// # Errors
    /// [`NotifierError::Config`] for a URL that is not `smtp://host[:port]`; `smtps://` needs a
    /// TLS build of lettre, which this build leaves out (ADR 12).
    pub fn from_url(smtp_url: Option<&str>, mail_dir: PathBuf) -> Result<Self, NotifierError> {
        let Some(url) = smtp_url.filter(|url| !url.trim().is_empty()) else {
            return Ok(Self::Files(mail_dir));
        };
        let bad = |why: &str| NotifierError::Config(format!("the SMTP URL {why}"));
        // FIXME(#5): smtps:// needs one of lettre's TLS features; enable one (rustls) and build
        // the transport with `AsyncSmtpTransport::relay` when a remote relay over TLS is wanted.
        if url.starts_with("smtps://") {
            return Err(bad(
                "uses smtps://, which this build does not support; use a local relay over smtp://",
            ));
        }
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| bad("must start with smtp://"))?;
        let authority = rest.split('/').next().unwrap_or_default();
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((user_info, host_port)) => {
                let (user, password) = user_info.split_once(':').unwrap_or((user_info, ""));
                (Some((user.to_owned(), password.to_owned())), host_port)
            }
            None => (None, authority),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => {
                let port = port
                    .parse()
                    .map_err(|_| bad("has a port that is not a number"))?;
                (host, port)
            }
            None => (host_port, 25),
        };
        if host.is_empty() {
            return Err(bad("names no host"));
        }
        Ok(Self::Smtp {
            host: host.to_owned(),
            port,
            credentials,
        })
    }
}

impl NotifierConfig {
    /// The defaults, with the public URL, sender and delivery given.
    #[must_use]
    pub fn new(public_url: String, from: Mailbox, delivery: Delivery) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            from,
            delivery,
            batch_size: 500,
            poll_interval: Duration::from_secs(1),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(15 * 60),
            max_attempts: 60,
            concurrency: 8,
            smtp_timeout: Duration::from_secs(30),
        }
    }

    /// The host part of the public URL, for Message-IDs.
    #[must_use]
    pub fn message_id_domain(&self) -> String {
        let after_scheme = self
            .public_url
            .split_once("://")
            .map_or(self.public_url.as_str(), |(_, rest)| rest);
        let host_port = after_scheme.split('/').next().unwrap_or_default();
        let host = host_port
            .rsplit_once(':')
            .map_or(host_port, |(host, _)| host);
        if host.is_empty() {
            "ledgerdesk.invalid".to_owned()
        } else {
            host.to_owned()
        }
    }

    /// The wait before the next try after `failures` temporary failures (1 for the first).
    #[must_use]
    pub fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
        self.retry_base.saturating_mul(factor).min(self.retry_max)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::{Delivery, NotifierConfig};

    #[test]
    fn smtp_urls_name_host_port_and_credentials_and_bad_ones_are_refused() {
        let Ok(Delivery::Smtp {
            host,
            port,
            credentials,
        }) = Delivery::from_url(Some("smtp://me:secret@127.0.0.1:2525"), PathBuf::new())
        else {
            panic!("a full smtp URL is accepted");
        };
        assert_eq!((host.as_str(), port), ("127.0.0.1", 2525));
        assert_eq!(credentials, Some(("me".to_owned(), "secret".to_owned())));

        let cases = [
            ("smtps://127.0.0.1", "smtps needs TLS"),
            ("http://127.0.0.1", "another scheme"),
            ("smtp://127.0.0.1:port", "a port that is no number"),
            ("smtp://", "no host"),
        ];
        for (url, why) in cases {
            assert!(
                Delivery::from_url(Some(url), PathBuf::new()).is_err(),
                "{why}"
            );
        }
        assert!(matches!(
            Delivery::from_url(None, PathBuf::from("mail")),
            Ok(Delivery::Files(_))
        ));
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let mut config = NotifierConfig::new(
            "http://127.0.0.1:8080/".to_owned(),
            "desk@example.com".parse().expect("a valid mailbox"),
            Delivery::Files(PathBuf::new()),
        );
        config.retry_base = Duration::from_secs(1);
        config.retry_max = Duration::from_secs(10);

        let waits: Vec<u64> = (1..=6).map(|n| config.backoff(n).as_secs()).collect();

        assert_eq!(waits, [1, 2, 4, 8, 10, 10]);
        assert_eq!(config.message_id_domain(), "127.0.0.1");
    }
}

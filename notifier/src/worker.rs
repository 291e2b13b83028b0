//! The deciding half of the notifier: follows the ledger from its checkpoint, folds each event
//! into its own state, and writes the mail each event owes to the outbox in the same
//! transaction as the checkpoint.

use chrono::SecondsFormat;
use ledgerdesk_domain::customer::CustomerEvent;
use ledgerdesk_domain::incident::IncidentEvent;
use ledgerdesk_domain::{Event, IncidentId};
use ledgerdesk_store::{AnyStore, Checkpoint, EventStore, RecordedEvent, WelcomeKey};
use sha2::{Digest as _, Sha256};

use crate::outbox::{self, NewMail};
use crate::rules::{self, OwedMail, Recipient, Template};
use crate::state::NotifierState;
use crate::template::{self, MailContext};
use crate::{NotifierConfig, NotifierError};

/// The active notifier instance: it holds the checkpoint's fence and the state folded up to
/// the checkpoint.
#[derive(Debug)]
pub struct Notifier {
    store: AnyStore,
    config: NotifierConfig,
    key: WelcomeKey,
    state: NotifierState,
    checkpoint: Checkpoint,
    fence: i64,
    /// Set when a batch failed after changing the state: the state is then ahead of the
    /// checkpoint, and only a fresh start may go on.
    poisoned: bool,
}

impl Notifier {
    /// Becomes the active instance: takes the fence, then folds the ledger up to the
    /// checkpoint so that the next event is decided on the state at its position.
    ///
    /// # Errors
    /// [`NotifierError::Store`] and [`NotifierError::Database`] when the ledger or the
    /// notifier's tables cannot be read; [`NotifierError::Decode`] for an unreadable event.
    pub async fn start(store: AnyStore, config: NotifierConfig) -> Result<Self, NotifierError> {
        let (checkpoint, fence) = outbox::take_fence(&store).await?;
        let key = WelcomeKey::load_or_create(&store).await?;
        let mut state = NotifierState::default();
        let mut folded = Checkpoint::START;
        'replay: loop {
            let events = store.read_all(folded, config.batch_size).await?;
            if events.is_empty() {
                break;
            }
            for recorded in &events {
                if recorded.checkpoint > checkpoint {
                    break 'replay;
                }
                fold(&mut state, recorded)?;
                folded = recorded.checkpoint;
            }
        }

        Ok(Self {
            store,
            config,
            key,
            state,
            checkpoint,
            fence,
            poisoned: false,
        })
    }

    /// The last event decided on.
    #[must_use]
    pub fn checkpoint(&self) -> Checkpoint {
        self.checkpoint
    }

    /// Decides one batch of events and owes their mail; returns how many events it passed.
    ///
    /// Events of one append (same stream, same correlation) are folded together before any of
    /// them is decided, so an incident logged and assigned in one request mails the assignee.
    ///
    /// # Errors
    /// [`NotifierError::Fenced`] when another instance took over; after any error this
    /// instance refuses further batches and must be started again.
    #[tracing::instrument(name = "notifier.decide", skip_all)]
    pub async fn run_once(&mut self) -> Result<usize, NotifierError> {
        if self.poisoned {
            return Err(NotifierError::Fenced);
        }
        let events = self
            .store
            .read_all(self.checkpoint, self.config.batch_size)
            .await?;
        let mut groups: Vec<&[RecordedEvent]> = appends(&events).collect();
        // A full batch may end in the middle of an append: leave its last append to the next
        // batch, so that every append is decided whole.
        let full = events.len() >= usize::try_from(self.config.batch_size).unwrap_or(usize::MAX);
        if full && groups.len() > 1 {
            groups.pop();
        }
        let Some(last) = groups.last().and_then(|group| group.last()) else {
            return Ok(0);
        };
        let next = last.checkpoint;
        let n_events: usize = groups.iter().map(|group| group.len()).sum();

        self.poisoned = true;
        let mut mails = Vec::new();
        for group in groups {
            let mut decoded = Vec::with_capacity(group.len());
            for recorded in group {
                decoded.push(fold(&mut self.state, recorded)?);
            }
            for (recorded, event) in group.iter().zip(&decoded) {
                for owed in rules::owed_mail(&self.state, &recorded.stream, event) {
                    mails.push(self.new_mail(recorded, event, &owed));
                }
            }
        }
        outbox::commit_batch(
            &self.store,
            self.fence,
            self.checkpoint,
            next,
            &mails,
            outbox::now_ms(),
        )
        .await?;
        self.poisoned = false;

        tracing::debug!(
            event.seq = next.position,
            n_events,
            n_mails = mails.len(),
            "the notifier decided a batch of events"
        );
        self.checkpoint = next;
        Ok(n_events)
    }

    /// Decides batches until the ledger has nothing newer; returns how many events it passed.
    ///
    /// # Errors
    /// As [`Notifier::run_once`].
    pub async fn catch_up(&mut self) -> Result<usize, NotifierError> {
        let mut passed = 0;
        loop {
            let n_events = self.run_once().await?;
            if n_events == 0 {
                return Ok(passed);
            }
            passed += n_events;
        }
    }

    /// Renders one owed mail into an outbox row keyed by (event, recipient, template).
    fn new_mail(&self, recorded: &RecordedEvent, event: &Event, owed: &OwedMail) -> NewMail {
        let event_id = recorded.event_id.to_string();
        let recipient = owed.recipient.key();
        let template = owed.template.as_str();
        let digest = Sha256::digest(format!("{event_id}|{recipient}|{template}").as_bytes());
        let id = hex::encode(&digest[..16]);
        let message_id = format!("<{id}@{}>", self.config.message_id_domain());
        let rendered = template::render(owed.template, &self.context(event, owed));
        NewMail {
            message_id,
            id,
            event_id,
            recipient,
            template,
            position: recorded.position,
            to_address: owed.address.as_str().to_owned(),
            subject: rendered.subject,
            body_text: rendered.text,
            body_html: rendered.html,
        }
    }

    /// What the template shows, from the state at the event's position.
    fn context(&self, event: &Event, owed: &OwedMail) -> MailContext {
        let settings = &self.state.settings().appearance;
        let public_url = &self.config.public_url;
        let mut context = MailContext {
            portal_name: settings
                .name
                .as_ref()
                .map_or("Ledgerdesk", |name| name.as_str())
                .to_owned(),
            colour: settings
                .background_colour
                .as_ref()
                .map_or("#1f6feb", |colour| colour.as_str())
                .to_owned(),
            recipient_name: owed.name.as_str().to_owned(),
            portal_link: format!("{public_url}/portal"),
            ..MailContext::default()
        };
        if let Some(incident_id) = owed.incident_id {
            self.incident_context(&mut context, incident_id, event, owed.recipient);
        }
        if let (Template::Welcome, Recipient::Customer(customer_id)) =
            (owed.template, owed.recipient)
            && let Event::Customer(CustomerEvent::WelcomeEmailRequested { expires_at, .. }) = event
        {
            let token = self.key.token(customer_id, *expires_at);
            context.link = format!("{public_url}/portal/welcome?token={token}");
            context.expires_at = expires_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        }
        context
    }

    fn incident_context(
        &self,
        context: &mut MailContext,
        incident_id: IncidentId,
        event: &Event,
        recipient: Recipient,
    ) {
        let Some(incident) = self.state.ledger().incident(incident_id) else {
            return;
        };
        let public_url = &self.config.public_url;
        context.reference = incident.reference.to_string();
        context.title = incident.title.as_str().to_owned();
        context.status = incident.status.to_string();
        context.description = incident.description.as_str().to_owned();
        context.link = match recipient {
            Recipient::Staff(_) => format!("{public_url}/api/incidents/{}", incident.reference),
            Recipient::Customer(_) => format!("{public_url}/portal/incidents/{incident_id}"),
        };
        // Only a public comment ever reaches a template; customer mail shows nothing else.
        context.comment = match event {
            Event::Incident(IncidentEvent::CommentAdded { body, public, .. }) if *public => {
                body.as_str().to_owned()
            }
            Event::Incident(IncidentEvent::CustomerNotificationRequested {
                comment_id: Some(comment_id),
                ..
            }) => incident
                .comments
                .iter()
                .find(|comment| comment.id == *comment_id && comment.public)
                .map(|comment| comment.body.as_str().to_owned())
                .unwrap_or_default(),
            _ => String::new(),
        };
    }
}

/// Decodes one recorded event and folds it into `state`.
fn fold(state: &mut NotifierState, recorded: &RecordedEvent) -> Result<Event, NotifierError> {
    let event = Event::decode(
        &recorded.stream,
        &recorded.event_type,
        recorded.data.clone(),
    )
    .map_err(|source| NotifierError::Decode {
        position: recorded.position,
        source,
    })?;
    state
        .apply(&recorded.stream, &event)
        .map_err(|source| NotifierError::WrongStream {
            position: recorded.position,
            source,
        })?;
    Ok(event)
}

/// Splits a batch into appends: runs of events of one stream with one correlation id.
fn appends(events: &[RecordedEvent]) -> impl Iterator<Item = &[RecordedEvent]> {
    events.chunk_by(|a, b| {
        a.stream == b.stream && a.metadata.correlation_id == b.metadata.correlation_id
    })
}

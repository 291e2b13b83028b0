//! The notifier end to end: `ledgerdesk serve` on both backends delivering to a real SMTP sink
//! on 127.0.0.1 (`smtp_sink.rs`): each rule of DESIGN §3.2 reaches the right recipient and only
//! there, internal comments never reach a customer, mail waits while the server is down or
//! refuses for now, a SIGKILL during delivery loses nothing and repeats only with the same
//! Message-ID, a projection rebuild sends nothing, and recipients are those of the moment of
//! the event.
//!
//! Past 500 lines because each point of issue #5's "Done when" is one scenario here, and they
//! share the desk helpers above them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, both_backends, ledgerdesk};
use crate::serve::Server;
use crate::smtp_sink::{Answer, Received, SmtpSink};

const PUBLIC_URL: &str = "http://desk.test:8080";
const ADA: &str = "ada@provider.example";

/// A desk with an admin, one service and one company that has it.
struct Desk {
    server: Server,
    admin: String,
    service: String,
    company: String,
}

async fn serve(database: &TestDatabase, sink: &SmtpSink) -> Server {
    let args = [
        "--smtp-url".to_owned(),
        sink.url(),
        "--public-url".to_owned(),
        PUBLIC_URL.to_owned(),
        "--mail-retry-max-secs".to_owned(),
        "1".to_owned(),
    ];
    Server::start_with(database, &args).await
}

async fn open_desk(database: &TestDatabase, sink: &SmtpSink) -> Desk {
    let server = serve(database, sink).await;
    let admin = server.first_admin(database).await;
    let service = created(&server, &admin, "/api/services", json!({"name": "Email"})).await;
    let company = created(
        &server,
        &admin,
        "/api/companies",
        json!({"name": "Company A", "services": [service]}),
    )
    .await;
    Desk {
        server,
        admin,
        service,
        company,
    }
}

/// Posts as `token` and returns the new thing's id, failing unless the answer is 201.
async fn created(server: &Server, token: &str, path: &str, body: Value) -> String {
    let answer = server.post(path, Some(token), &body).await;
    assert_eq!(answer.status, 201, "{path}: {answer:?}");
    answer.body["id"].as_str().unwrap().to_owned()
}

impl Desk {
    async fn staff(&self, email: &str, role: &str) -> String {
        let body = json!({"name": "Staff Member", "email": email, "role": role,
                          "password": "staff password 1"});
        created(&self.server, &self.admin, "/api/users", body).await
    }

    /// A customer of `company` with portal access and the service; returns id and token.
    async fn customer(&self, email: &str, company: &str) -> (String, String) {
        let body = json!({"name": "Customer", "email": email, "company_id": company,
                          "portal_access": true, "password": "customer password 1",
                          "services": [self.service]});
        let id = created(&self.server, &self.admin, "/api/customers", body).await;
        let token = self
            .server
            .token("/portal/api/session", email, "customer password 1")
            .await;
        (id, token)
    }

    /// A customer logs an incident in the portal; returns its id and reference.
    async fn customer_logs(&self, token: &str, title: &str) -> (String, String) {
        let body = json!({"type": "issue", "service_id": self.service, "title": title,
                          "description": "It stopped working this morning."});
        let answer = self
            .server
            .post("/portal/api/incidents", Some(token), &body)
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        let id = answer.body["id"].as_str().unwrap().to_owned();
        (id, answer.body["reference"].as_str().unwrap().to_owned())
    }

    /// Staff log an incident for `customer`, shown in the portal; returns its id and reference.
    async fn staff_logs(&self, customer: &str, title: &str) -> (String, String) {
        let body = json!({"title": title, "description": "Logged by staff.", "type": "bug",
                          "service_id": self.service, "customer_id": customer,
                          "show_in_portal": true});
        let answer = self
            .server
            .post("/api/incidents", Some(&self.admin), &body)
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        let id = answer.body["id"].as_str().unwrap().to_owned();
        (id, answer.body["reference"].as_str().unwrap().to_owned())
    }

    async fn staff_comment(&self, incident: &str, body: &str, public: bool, notify: bool) -> u16 {
        let path = format!("/api/incidents/{incident}/comments");
        let body = json!({"body": body, "public": public, "notify_customer": notify});
        self.server
            .post(&path, Some(&self.admin), &body)
            .await
            .status
    }

    async fn patch_incident(&self, incident: &str, body: Value) {
        let path = format!("/api/incidents/{incident}");
        let answer = self
            .server
            .call(
                Method::PATCH,
                &path,
                Some(&self.admin),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }

    async fn set_portal(&self, default_assignee: &str) {
        let current = self
            .server
            .call(Method::GET, "/api/portal-settings", Some(&self.admin), None)
            .await;
        let mut settings = current.body;
        settings["name"] = json!("Acme Support");
        settings["background_colour"] = json!("#112233");
        settings["default_assignee_id"] = json!(default_assignee);
        let answer = self
            .server
            .call(
                Method::PUT,
                "/api/portal-settings",
                Some(&self.admin),
                Some(&settings.to_string()),
            )
            .await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
}

/// Waits for `count` messages, then a while longer, and returns exactly what arrived.
async fn settle(sink: &SmtpSink, count: usize) -> Vec<Received> {
    sink.wait_for(count).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    sink.messages()
}

/// (recipient, subject) of each message, sorted.
fn deliveries(messages: &[Received]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = messages
        .iter()
        .map(|message| (message.recipient(), message.subject()))
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn each_rule_mails_the_right_recipient_and_only_there() {
    for database in both_backends().await {
        let sink = SmtpSink::start();
        let desk = open_desk(&database, &sink).await;
        let _second_admin = desk.staff("bo@provider.example", "admin").await;
        let agent = desk.staff("cy@provider.example", "agent").await;
        let other_agent = desk.staff("di@provider.example", "agent").await;
        let (_customer, token) = desk.customer("c1@customer.example", &desk.company).await;
        let _colleague = desk.customer("c2@customer.example", &desk.company).await;

        // No assignee and no default assignee: every active admin hears of a new incident.
        let (_, first) = desk.customer_logs(&token, "Printer on fire").await;
        // With a default assignee, only they do.
        desk.set_portal(&agent).await;
        let (second_id, second) = desk.customer_logs(&token, "VPN down").await;
        // A customer's update reaches the current assignee only.
        desk.patch_incident(&second_id, json!({"assignee_id": other_agent}))
            .await;
        let path = format!("/portal/api/incidents/{second_id}/comments");
        let update = desk
            .server
            .post(
                &path,
                Some(&token),
                &json!({"body": "Still down after a restart."}),
            )
            .await;
        assert_eq!(update.status, 201, "{update:?}");
        // Internal comments never notify; a public one with "notify customer" reaches the
        // customer alone.
        let internal = "INTERNAL: the vendor owes us a patch";
        assert_eq!(
            desk.staff_comment(&second_id, internal, false, true).await,
            422
        );
        assert_eq!(
            desk.staff_comment(&second_id, internal, false, false).await,
            201
        );
        let public = "We restarted the VPN gateway.";
        assert_eq!(
            desk.staff_comment(&second_id, public, true, true).await,
            201
        );
        // Staff logging an incident, or commenting without "notify customer", mails nobody.
        let (staff_logged, _) = desk.staff_logs(&_customer, "Staff logged").await;
        assert_eq!(
            desk.staff_comment(&staff_logged, "FYI", true, false).await,
            201
        );

        let messages = settle(&sink, 5).await;

        let expected = vec![
            (
                ADA.to_owned(),
                format!("[{first}] New incident from a customer: Printer on fire"),
            ),
            (
                "bo@provider.example".to_owned(),
                format!("[{first}] New incident from a customer: Printer on fire"),
            ),
            (
                "c1@customer.example".to_owned(),
                format!("[{second}] Update on your incident: VPN down"),
            ),
            (
                "cy@provider.example".to_owned(),
                format!("[{second}] New incident from a customer: VPN down"),
            ),
            (
                "di@provider.example".to_owned(),
                format!("[{second}] Customer update: VPN down"),
            ),
        ];
        assert_eq!(deliveries(&messages), expected, "{}", database.url());
        for message in &messages {
            let text = message.text();
            assert!(
                !text.contains(internal),
                "an internal comment leaked: {text}"
            );
            assert!(text.contains("multipart/alternative"), "{text}");
            assert!(
                text.contains("text/plain") && text.contains("text/html"),
                "{text}"
            );
            assert!(message.message_id().ends_with("@desk.test>"), "{message:?}");
        }
        let to_customer = messages
            .iter()
            .find(|message| message.recipient() == "c1@customer.example")
            .unwrap()
            .text();
        assert!(to_customer.contains(public), "{to_customer}");
        assert!(to_customer.contains("Acme Support") && to_customer.contains("#112233"));
        assert!(to_customer.contains(&format!("{PUBLIC_URL}/portal/incidents/{second_id}")));
        desk.server.stop().await;
    }
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_or_refuses_for_now_and_goes_once() {
    for database in both_backends().await {
        let mut sink = SmtpSink::start();
        sink.stop();
        let desk = open_desk(&database, &sink).await;
        let (_, token) = desk.customer("c1@customer.example", &desk.company).await;

        let (_, down) = desk
            .customer_logs(&token, "Logged while mail is down")
            .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        sink.restart();
        let after_down = settle(&sink, 1).await;

        sink.answer_all(Answer::Temporary);
        let (_, busy) = desk
            .customer_logs(&token, "Logged while mail is busy")
            .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let while_busy = sink.messages().len();
        sink.answer_all(Answer::Accept);
        let after_busy = settle(&sink, 2).await;

        assert_eq!(
            deliveries(&after_down),
            [(
                ADA.to_owned(),
                format!("[{down}] New incident from a customer: Logged while mail is down")
            )],
            "delivered once after the server came back"
        );
        assert_eq!(while_busy, 1, "a 4xx answer delivers nothing");
        assert_eq!(
            deliveries(&after_busy)[1],
            (
                ADA.to_owned(),
                format!("[{busy}] New incident from a customer: Logged while mail is busy")
            )
        );
        assert_eq!(after_busy.len(), 2, "each mail once");
        desk.server.stop().await;
    }
}

#[tokio::test]
async fn a_refused_mail_is_parked_and_holds_up_no_other() {
    for database in both_backends().await {
        let sink = SmtpSink::start();
        let desk = open_desk(&database, &sink).await;
        let gone = desk.staff("gone@provider.example", "agent").await;
        let (_, token) = desk.customer("c1@customer.example", &desk.company).await;
        sink.answer_for("gone@provider.example", Answer::Permanent);
        desk.set_portal(&gone).await;

        let (refused_id, _) = desk.customer_logs(&token, "For the refused agent").await;
        desk.patch_incident(&refused_id, json!({"assignee_id": null}))
            .await;
        desk.set_portal_default_none().await;
        let (_, fine) = desk.customer_logs(&token, "For the admin").await;
        let messages = settle(&sink, 1).await;

        assert_eq!(
            deliveries(&messages),
            [(
                ADA.to_owned(),
                format!("[{fine}] New incident from a customer: For the admin")
            )]
        );
        let parked = desk
            .server
            .call(Method::GET, "/api/mail/parked", Some(&desk.admin), None)
            .await;
        assert_eq!(parked.status, 200, "{parked:?}");
        let items = parked.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{parked:?}");
        assert_eq!(items[0]["template"], "incident_logged");
        assert_eq!(items[0]["recipient"], format!("staff:{gone}"));
        assert!(
            items[0]["last_error"].as_str().unwrap().contains("550"),
            "{parked:?}"
        );
        let metrics = metrics_text(&desk.server).await;
        assert!(
            metrics.contains("\nledgerdesk_mail_parked 1\n"),
            "{metrics}"
        );
        assert!(
            metrics.contains("\nledgerdesk_mail_sent_total 1\n"),
            "{metrics}"
        );
        assert!(
            metrics.contains("\nledgerdesk_outbox_depth 0\n"),
            "{metrics}"
        );

        // Once the address works, an admin's retry delivers it, once.
        sink.answer_for("gone@provider.example", Answer::Accept);
        let id = items[0]["id"].as_str().unwrap();
        let retried = desk
            .server
            .call(
                Method::POST,
                &format!("/api/mail/{id}/retry"),
                Some(&desk.admin),
                None,
            )
            .await;
        let after = settle(&sink, 2).await;
        let again = desk
            .server
            .call(
                Method::POST,
                &format!("/api/mail/{id}/retry"),
                Some(&desk.admin),
                None,
            )
            .await;

        assert_eq!(retried.status, 204, "{retried:?}");
        assert_eq!(after.len(), 2);
        assert_eq!(after[1].recipient(), "gone@provider.example");
        assert_eq!(
            again.status, 404,
            "only parked mail can be retried: {again:?}"
        );
        desk.server.stop().await;
    }
}

async fn metrics_text(server: &Server) -> String {
    let response = server
        .client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

impl Desk {
    async fn set_portal_default_none(&self) {
        let current = self
            .server
            .call(Method::GET, "/api/portal-settings", Some(&self.admin), None)
            .await;
        let mut settings = current.body;
        settings["default_assignee_id"] = Value::Null;
        let answer = self
            .server
            .call(
                Method::PUT,
                "/api/portal-settings",
                Some(&self.admin),
                Some(&settings.to_string()),
            )
            .await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
}

#[tokio::test]
async fn a_sigkill_during_delivery_loses_no_mail_and_repeats_only_with_the_same_message_id() {
    for database in both_backends().await {
        let sink = SmtpSink::start();
        sink.hold_data(Duration::from_secs(3));
        let desk = open_desk(&database, &sink).await;
        let (_, token) = desk.customer("c1@customer.example", &desk.company).await;
        let mut references = BTreeSet::new();
        for n in 0..4 {
            let (_, reference) = desk.customer_logs(&token, &format!("Incident {n}")).await;
            references.insert(reference);
        }

        // The server has sent at least one message and waits for its answer: kill it there.
        sink.wait_for(1).await;
        desk.server.kill().await;
        sink.hold_data(Duration::ZERO);
        let server = serve(&database, &sink).await;
        let mut by_message_id: BTreeMap<String, Vec<Received>> = BTreeMap::new();
        for _ in 0..600 {
            by_message_id.clear();
            for message in sink.messages() {
                by_message_id
                    .entry(message.message_id())
                    .or_default()
                    .push(message);
            }
            if by_message_id.len() >= references.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        assert_eq!(
            by_message_id.len(),
            4,
            "every mail arrived: {by_message_id:#?}"
        );
        let mut seen = BTreeSet::new();
        for copies in by_message_id.values() {
            let first = (copies[0].recipient(), copies[0].subject());
            for copy in copies {
                assert_eq!(
                    (copy.recipient(), copy.subject()),
                    first,
                    "a repeat is the same mail"
                );
            }
            let reference = first.1[1..].split(']').next().unwrap().to_owned();
            seen.insert(reference);
        }
        assert_eq!(seen, references, "one Message-ID per incident");
        let received = sink.messages().len();
        assert!(
            received > 4,
            "the mail in flight at the kill was sent again, with its Message-ID: {received}"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_projection_rebuild_sends_nothing() {
    for database in both_backends().await {
        let sink = SmtpSink::start();
        let desk = open_desk(&database, &sink).await;
        let (_, token) = desk.customer("c1@customer.example", &desk.company).await;
        desk.customer_logs(&token, "Before the rebuild").await;
        sink.wait_for(1).await;

        let rebuilt = ledgerdesk(&database, &["projections", "rebuild"]).await;
        assert!(rebuilt.status.success(), "{rebuilt:?}");
        desk.server.stop().await;
        let server = serve(&database, &sink).await;
        let token = server
            .token(
                "/portal/api/session",
                "c1@customer.example",
                "customer password 1",
            )
            .await;
        let answer = server
            .post(
                "/portal/api/incidents",
                Some(&token),
                &json!({"type": "issue", "service_id": desk.service, "title": "After the rebuild",
                        "description": "New."}),
            )
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        let messages = settle(&sink, 2).await;

        let subjects: Vec<String> = messages.iter().map(Received::subject).collect();
        assert_eq!(
            messages.len(),
            2,
            "only the new incident was mailed: {subjects:?}"
        );
        assert!(subjects[0].ends_with("Before the rebuild"));
        assert!(subjects[1].ends_with("After the rebuild"));
        server.stop().await;
    }
}

#[tokio::test]
async fn the_notify_mail_goes_to_the_customer_of_that_moment_and_never_to_the_next_one() {
    for database in both_backends().await {
        let mut sink = SmtpSink::start();
        // Mail waits until after the customer changes, so sending late cannot change who gets it.
        sink.stop();
        let desk = open_desk(&database, &sink).await;
        let other_company = created(
            &desk.server,
            &desk.admin,
            "/api/companies",
            json!({"name": "Company B", "services": [desk.service]}),
        )
        .await;
        let (old, old_token) = desk.customer("old@customer.example", &desk.company).await;
        let (new, _) = desk.customer("new@customer.example", &other_company).await;
        let (incident, reference) = desk.staff_logs(&old, "Laptop battery").await;

        let first = "A new battery is on its way.";
        assert_eq!(desk.staff_comment(&incident, first, true, true).await, 201);
        desk.patch_incident(&incident, json!({"customer_id": new}))
            .await;
        let second = "The battery was fitted.";
        assert_eq!(desk.staff_comment(&incident, second, true, true).await, 201);
        let old_view = desk
            .server
            .call(
                Method::GET,
                &format!("/portal/api/incidents/{incident}"),
                Some(&old_token),
                None,
            )
            .await;
        sink.restart();
        let messages = settle(&sink, 2).await;

        assert_eq!(old_view.status, 404, "the old customer no longer sees it");
        let subject = format!("[{reference}] Update on your incident: Laptop battery");
        assert_eq!(
            deliveries(&messages),
            [
                ("new@customer.example".to_owned(), subject.clone()),
                ("old@customer.example".to_owned(), subject),
            ]
        );
        for message in &messages {
            let text = message.text();
            if message.recipient() == "old@customer.example" {
                assert!(text.contains(first) && !text.contains(second), "{text}");
            } else {
                assert!(text.contains(second), "{text}");
            }
        }
        desk.server.stop().await;
    }
}

#[tokio::test]
async fn a_welcome_mail_carries_a_link_that_sets_the_password_once() {
    for database in both_backends().await {
        let sink = SmtpSink::start();
        let desk = open_desk(&database, &sink).await;
        let body = json!({"name": "Newcomer", "email": "new@customer.example",
                          "company_id": desk.company, "portal_access": true,
                          "services": [desk.service], "send_welcome_email": true});
        let customer = created(&desk.server, &desk.admin, "/api/customers", body).await;

        let messages = settle(&sink, 1).await;
        let text = messages[0].text();
        let link = format!("{PUBLIC_URL}/portal/welcome?token=");
        let at = text.find(&link).expect("the mail holds the link") + link.len();
        let token: String = text[at..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        let server = &desk.server;
        let set = |token: &str, password: &str| {
            let body = json!({"token": token, "password": password});
            async move { server.post("/portal/api/password", None, &body).await }
        };
        let bogus = set(&"0".repeat(96), "a brand new password").await;
        let weak = set(&token, "short").await;
        let first = set(&token, "a brand new password").await;
        let second = set(&token, "another new password").await;
        let signed_in = desk
            .server
            .sign_in(
                "/portal/api/session",
                "new@customer.example",
                "a brand new password",
            )
            .await;

        assert_eq!(messages[0].recipient(), "new@customer.example");
        assert!(
            messages[0].subject().starts_with("Welcome to"),
            "{messages:?}"
        );
        assert!(!text.contains("password 1"), "no password is ever mailed");
        assert_eq!(bogus.status, 422, "{bogus:?}");
        assert_eq!(bogus.body["error"]["code"], "invalid_welcome_link");
        assert_eq!(weak.status, 422, "{weak:?}");
        assert_eq!(weak.body["error"]["code"], "weak_password");
        assert_eq!(first.status, 204, "{first:?}");
        assert_eq!(second.status, 422, "the link works once: {second:?}");
        assert_eq!(signed_in.status, 201, "{signed_in:?}");
        let history = desk
            .server
            .call(
                Method::GET,
                "/api/audit/events?after=0&limit=500",
                Some(&desk.admin),
                None,
            )
            .await;
        assert!(
            !history.body.to_string().contains(&token),
            "the ledger never holds the token"
        );
        let _ = customer;

        // A company admin's welcome request for a colleague works the same way.
        let body = json!({"name": "Admin Customer", "email": "boss@customer.example",
                          "company_id": desk.company, "portal_access": true,
                          "password": "customer password 1", "company_admin": true,
                          "services": [desk.service]});
        created(&desk.server, &desk.admin, "/api/customers", body).await;
        let boss = desk
            .server
            .token(
                "/portal/api/session",
                "boss@customer.example",
                "customer password 1",
            )
            .await;
        let colleague = json!({"name": "Colleague", "email": "mate@customer.example",
                               "portal_access": true, "services": [desk.service],
                               "send_welcome_email": true});
        created(
            &desk.server,
            &boss,
            "/portal/api/company/customers",
            colleague,
        )
        .await;
        let messages = settle(&sink, 2).await;
        let text = messages[1].text();
        let at = text.find(&link).expect("the colleague's mail holds a link") + link.len();
        let colleague_token: String = text[at..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        let colleague_set = set(&colleague_token, "the colleague's password").await;
        let colleague_in = desk
            .server
            .sign_in(
                "/portal/api/session",
                "mate@customer.example",
                "the colleague's password",
            )
            .await;

        assert_eq!(messages[1].recipient(), "mate@customer.example");
        assert_eq!(colleague_set.status, 204, "{colleague_set:?}");
        assert_eq!(colleague_in.status, 201, "{colleague_in:?}");
        desk.server.stop().await;
    }
}

#[tokio::test]
async fn without_smtp_notify_alone_writes_each_mail_once_as_an_eml_file() {
    for database in both_backends().await {
        // serve owes the mail but cannot deliver it (its SMTP server is down) ...
        let mut sink = SmtpSink::start();
        sink.stop();
        let desk = open_desk(&database, &sink).await;
        let (_, token) = desk.customer("c1@customer.example", &desk.company).await;
        let (_, reference) = desk.customer_logs(&token, "Written to a file").await;
        desk.server.stop().await;

        // ... and `ledgerdesk notify` with no SMTP server writes it to the mail folder.
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("e2e-mail")
            .join(uuid::Uuid::new_v4().to_string());
        let dir_arg = dir.to_str().unwrap().to_owned();
        for _ in 0..2 {
            let mut notify = tokio::process::Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
                .args(["notify", "--mail-dir", &dir_arg])
                .env("LEDGERDESK_DATABASE_URL", database.url())
                .env("RUST_LOG", "warn")
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let mut written = Vec::new();
            for _ in 0..100 {
                written = eml_files(&dir);
                if !written.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            let pid = notify.id().unwrap().to_string();
            let stopped = tokio::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .await
                .unwrap();
            assert!(stopped.success());
            assert!(
                notify.wait().await.unwrap().success(),
                "notify stops cleanly on SIGTERM"
            );
            assert_eq!(written.len(), 1, "{written:?}");
        }

        let files = eml_files(&dir);
        assert_eq!(
            files.len(),
            1,
            "a second run writes nothing again: {files:?}"
        );
        let mail = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            mail.contains(&format!("[{reference}] New incident from a customer")),
            "{mail}"
        );
        assert!(mail.contains("Message-ID: <"), "{mail}");
        assert!(mail.contains(&format!("To: {ADA}")), "{mail}");
    }
}

/// The `.eml` files in `dir` (none when it does not exist), ignoring temporary files.
fn eml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    files.sort();
    files
}

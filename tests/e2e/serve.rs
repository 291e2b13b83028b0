//! `ledgerdesk serve` and `ledgerdesk users create` over HTTP on both backends: sign-in, the
//! directory an admin manages, the portal's view of it, and bad requests that change nothing.

use std::process::Stdio;
use std::time::Duration;

use ledgerdesk_store::{AnyStore, Checkpoint, EventStore};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

use crate::harness::{TestDatabase, both_backends};

/// A running `ledgerdesk serve` on a free port of 127.0.0.1.
pub(crate) struct Server {
    child: tokio::process::Child,
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
    /// Where the notifier writes `.eml` files when no SMTP server is given.
    pub(crate) mail_dir: std::path::PathBuf,
}

/// A JSON answer: status and body (`Null` when empty).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl Server {
    pub(crate) async fn start(database: &TestDatabase) -> Self {
        Self::start_with(database, &[]).await
    }

    /// Starts `ledgerdesk serve` with extra arguments (e.g. `--smtp-url`). Mail files, when no
    /// SMTP server is given, go to a scratch folder rather than the working directory; links in
    /// mail point at this server unless the arguments give another `--public-url`.
    pub(crate) async fn start_with(database: &TestDatabase, extra: &[String]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mail_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("e2e-mail")
            .join(uuid::Uuid::new_v4().to_string());
        let base = format!("http://127.0.0.1:{port}");
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("LEDGERDESK_MAIL_DIR", &mail_dir)
            .env("LEDGERDESK_PUBLIC_URL", &base)
            .env("LEDGERDESK_DATABASE_URL", database.url())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the ledgerdesk binary starts");
        let server = Self {
            child,
            base,
            client: reqwest::Client::new(),
            mail_dir,
        };

        for _ in 0..600 {
            let health = server.client.get(format!("{}/healthz", server.base)).send();
            if health.await.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not become healthy within a minute");
    }

    /// Sends `body` as raw JSON text (so malformed bodies can be sent too).
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        self.call_with(method, path, token, body, &[]).await
    }

    /// Like [`Server::call`], with extra request headers.
    pub(crate) async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("every answer is JSON")
        };
        Answer { status, body }
    }

    pub(crate) async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.call(Method::POST, path, token, Some(&body.to_string()))
            .await
    }

    pub(crate) async fn sign_in(&self, path: &str, email: &str, password: &str) -> Answer {
        self.post(path, None, &json!({"email": email, "password": password}))
            .await
    }

    /// Signs in and returns the token, failing the test otherwise.
    /// Creates the first admin (`ada@provider.example`) with the CLI and signs them in.
    pub(crate) async fn first_admin(&self, database: &TestDatabase) -> String {
        create_user(
            database,
            "ada@provider.example",
            "admin",
            "admin password 1",
        )
        .await;
        self.token("/api/session", "ada@provider.example", "admin password 1")
            .await
    }

    pub(crate) async fn token(&self, path: &str, email: &str, password: &str) -> String {
        let answer = self.sign_in(path, email, password).await;
        assert_eq!(answer.status, 201, "sign-in: {answer:?}");
        answer.body["token"].as_str().unwrap().to_owned()
    }

    /// Kills the process with SIGKILL, as a crash would, and waits for it to be gone.
    pub(crate) async fn kill(mut self) {
        self.child.kill().await.expect("the server can be killed");
    }

    /// Sends SIGTERM and expects a clean exit.
    pub(crate) async fn stop(mut self) {
        let pid = self.child.id().unwrap().to_string();
        let killed = tokio::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(killed.success());
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the server stops within 30 seconds of SIGTERM")
            .unwrap();
        assert!(status.success(), "a graceful shutdown exits 0: {status:?}");
    }
}

/// Runs `ledgerdesk users create` with the password on standard input.
pub(crate) async fn create_user(database: &TestDatabase, email: &str, role: &str, password: &str) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
        .args(["users", "create", "--email", email, "--name", "Ada Admin"])
        .args(["--role", role, "--password-stdin"])
        .env("LEDGERDESK_DATABASE_URL", database.url())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{password}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    assert!(output.status.success(), "users create: {output:?}");
}

pub(crate) async fn ledger_length(database: &TestDatabase) -> u64 {
    let store = AnyStore::connect(&database.url()).await.unwrap();
    store.count_after(Checkpoint::START).await.unwrap()
}

/// One bad request: method, path, token, raw body, then the expected status and error code, and
/// what the case shows.
type BadRequest<'a> = (
    Method,
    String,
    Option<&'a str>,
    Option<&'a str>,
    u16,
    &'a str,
    &'a str,
);

pub(crate) fn ids(items: &Value) -> Vec<String> {
    let mut ids: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

pub(crate) fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn an_admin_builds_the_directory_and_a_customer_sees_only_their_effective_services() {
    for database in both_backends().await {
        let server = Server::start(&database).await;
        create_user(
            &database,
            "ada@provider.example",
            "admin",
            "admin password 1",
        )
        .await;
        let wrong = server
            .sign_in("/api/session", "ada@provider.example", "not the password")
            .await;
        let admin = server
            .token("/api/session", "ada@provider.example", "admin password 1")
            .await;

        let mut services = Vec::new();
        for name in ["Email", "Network", "Printing"] {
            let created = server
                .post("/api/services", Some(&admin), &json!({"name": name}))
                .await;
            assert_eq!(created.status, 201, "{created:?}");
            services.push(created.body["id"].as_str().unwrap().to_owned());
        }
        let [email, network, printing] = [&services[0], &services[1], &services[2]];
        let listed = server
            .call(Method::GET, "/api/services", Some(&admin), None)
            .await;
        let company = server
            .post(
                "/api/companies",
                Some(&admin),
                &json!({"name": "Acme", "services": [email, network]}),
            )
            .await;
        let company_id = company.body["id"].as_str().unwrap().to_owned();
        let customer = server
            .post(
                "/api/customers",
                Some(&admin),
                &json!({"name": "Cleo Customer", "email": "cleo@acme.example",
                        "company_id": company_id, "portal_access": true,
                        "password": "customer password", "services": [email]}),
            )
            .await;
        let customer_id = customer.body["id"].as_str().unwrap().to_owned();

        assert_eq!(wrong.status, 401);
        assert_eq!(wrong.body["error"]["code"], "invalid_credentials");
        assert_eq!(listed.status, 200);
        assert_eq!(ids(&listed.body["items"]), sorted(services.clone()));
        assert_eq!(listed.body["next_cursor"], Value::Null);
        assert_eq!(company.status, 201, "{company:?}");
        assert_eq!(
            company.body["services"],
            json!(sorted(vec![email.clone(), network.clone()]))
        );
        assert_eq!(customer.status, 201, "{customer:?}");
        assert_eq!(customer.body["portal_access"], true);
        assert!(
            customer.body.get("password_hash").is_none(),
            "no hash in answers"
        );

        let portal = server
            .token(
                "/portal/api/session",
                "cleo@acme.example",
                "customer password",
            )
            .await;
        let me = server
            .call(Method::GET, "/portal/api/me", Some(&portal), None)
            .await;
        assert_eq!(me.status, 200, "{me:?}");
        assert_eq!(me.body["company_name"], "Acme");
        assert_eq!(ids(&me.body["services"]), vec![email.clone()]);

        // Granting Network and Printing is refused: Printing is not Acme's.
        let length = ledger_length(&database).await;
        let outside = server
            .call(
                Method::PATCH,
                &format!("/api/customers/{customer_id}"),
                Some(&admin),
                Some(&json!({"services": [email, network, printing]}).to_string()),
            )
            .await;
        assert_eq!(outside.status, 422, "{outside:?}");
        assert_eq!(outside.body["error"]["code"], "service_not_in_company");
        assert_eq!(ledger_length(&database).await, length, "nothing appended");

        // Within the company it is granted; then Acme loses Network, and with it the customer.
        let within = server
            .call(
                Method::PATCH,
                &format!("/api/customers/{customer_id}"),
                Some(&admin),
                Some(&json!({"services": [email, network]}).to_string()),
            )
            .await;
        let both = server
            .call(Method::GET, "/portal/api/services", Some(&portal), None)
            .await;
        let shrunk = server
            .call(
                Method::PUT,
                &format!("/api/companies/{company_id}/services"),
                Some(&admin),
                Some(&json!({"services": [email]}).to_string()),
            )
            .await;
        let effective = server
            .call(Method::GET, "/portal/api/services", Some(&portal), None)
            .await;
        assert_eq!(within.status, 200, "{within:?}");
        assert_eq!(
            ids(&both.body["items"]),
            sorted(vec![email.clone(), network.clone()])
        );
        assert_eq!(shrunk.status, 200, "{shrunk:?}");
        assert_eq!(shrunk.body["services"], json!([email]));
        assert_eq!(
            ids(&effective.body["items"]),
            vec![email.clone()],
            "effective only"
        );

        // Revoking portal access ends the customer's existing session at once.
        let revoked = server
            .call(
                Method::PATCH,
                &format!("/api/customers/{customer_id}"),
                Some(&admin),
                Some(r#"{"portal_access": false}"#),
            )
            .await;
        let after = server
            .call(Method::GET, "/portal/api/me", Some(&portal), None)
            .await;
        let again = server
            .sign_in(
                "/portal/api/session",
                "cleo@acme.example",
                "customer password",
            )
            .await;
        assert_eq!(revoked.status, 200, "{revoked:?}");
        assert_eq!(revoked.body["portal_access"], false);
        assert_eq!(after.status, 401, "{after:?}");
        assert_eq!(after.body["error"]["code"], "not_signed_in");
        assert_eq!(again.status, 401, "no new session either");

        server.stop().await;
    }
}

#[tokio::test]
async fn agents_cannot_manage_the_directory_and_signing_out_ends_a_session() {
    for database in both_backends().await {
        let server = Server::start(&database).await;
        let admin = server.first_admin(&database).await;

        let agent = server
            .post(
                "/api/users",
                Some(&admin),
                &json!({"name": "Alex Agent", "email": "alex@provider.example",
                        "role": "agent", "password": "agent password"}),
            )
            .await;
        let agent_token = server
            .token("/api/session", "alex@provider.example", "agent password")
            .await;
        let refused = server
            .post(
                "/api/services",
                Some(&agent_token),
                &json!({"name": "Email"}),
            )
            .await;
        let listed = server
            .call(Method::GET, "/api/services", Some(&agent_token), None)
            .await;
        let signed_out = server
            .call(Method::DELETE, "/api/session", Some(&agent_token), None)
            .await;
        let after = server
            .call(Method::GET, "/api/services", Some(&agent_token), None)
            .await;

        assert_eq!(agent.status, 201, "{agent:?}");
        assert_eq!(agent.body["role"], "agent");
        assert!(agent.body.get("password").is_none());
        assert_eq!(refused.status, 403, "{refused:?}");
        assert_eq!(refused.body["error"]["code"], "forbidden");
        assert_eq!(listed.status, 200, "agents may read services");
        assert_eq!(signed_out.status, 204);
        assert_eq!(after.status, 401, "{after:?}");

        server.stop().await;
    }
}

#[tokio::test]
async fn bad_requests_get_their_documented_status_and_append_nothing() {
    for database in both_backends().await {
        let server = Server::start(&database).await;
        let admin = server.first_admin(&database).await;
        let service = server
            .post("/api/services", Some(&admin), &json!({"name": "Email"}))
            .await;
        let service_id = service.body["id"].as_str().unwrap().to_owned();
        let customer = server
            .post(
                "/api/customers",
                Some(&admin),
                &json!({"name": "Solo", "email": "solo@example.com", "services": [service_id]}),
            )
            .await;
        assert_eq!(customer.status, 201, "{customer:?}");
        let customer_path = format!("/api/customers/{}", customer.body["id"].as_str().unwrap());
        let unknown_id = "01900000-0000-7000-8000-000000000000";
        let oversized = json!({"name": "x".repeat(70 * 1024)}).to_string();
        let unknown_service = json!({"name": "Y", "services": [unknown_id]}).to_string();
        let duplicate = json!({"name": "Twin", "email": "SOLO@example.com"}).to_string();
        let cases: Vec<BadRequest<'_>> = vec![
            (
                Method::POST,
                "/api/services".into(),
                Some(&admin),
                Some(r#"{"name": "#),
                400,
                "malformed_json",
                "malformed JSON",
            ),
            (
                Method::POST,
                "/api/services".into(),
                Some(&admin),
                Some(r#"{"name": 5}"#),
                400,
                "invalid_body",
                "wrong type",
            ),
            (
                Method::POST,
                "/api/services".into(),
                Some(&admin),
                Some(r#"{"name": "A", "colour": "red"}"#),
                400,
                "invalid_body",
                "unknown field",
            ),
            (
                Method::POST,
                "/api/services".into(),
                Some(&admin),
                Some(r"{}"),
                400,
                "invalid_body",
                "missing field",
            ),
            (
                Method::POST,
                "/api/services".into(),
                Some(&admin),
                Some(&oversized),
                413,
                "body_too_large",
                "oversized body",
            ),
            (
                Method::POST,
                "/api/services".into(),
                Some(&admin),
                Some(r#"{"name": "  "}"#),
                422,
                "invalid_value",
                "blank name",
            ),
            (
                Method::POST,
                "/api/services".into(),
                None,
                Some(r#"{"name": "A"}"#),
                401,
                "not_signed_in",
                "missing sign-in",
            ),
            (
                Method::POST,
                "/api/services".into(),
                Some("forged-token"),
                Some(r#"{"name": "A"}"#),
                401,
                "not_signed_in",
                "unknown token",
            ),
            (
                Method::PUT,
                "/api/companies/not-a-uuid/services".into(),
                Some(&admin),
                Some(r#"{"services": []}"#),
                404,
                "not_found",
                "bad id in the path",
            ),
            (
                Method::PUT,
                format!("/api/companies/{unknown_id}/services"),
                Some(&admin),
                Some(r#"{"services": []}"#),
                404,
                "not_found",
                "unknown company",
            ),
            (
                Method::POST,
                "/api/companies".into(),
                Some(&admin),
                Some(r#"{"name": "Y", "services": ["nope"]}"#),
                400,
                "invalid_body",
                "bad id in the body",
            ),
            (
                Method::POST,
                "/api/companies".into(),
                Some(&admin),
                Some(&unknown_service),
                422,
                "unknown_service",
                "unknown service",
            ),
            (
                Method::PATCH,
                customer_path.clone(),
                Some(&admin),
                Some(r#"{"portal_access": "yes"}"#),
                400,
                "invalid_body",
                "wrong type in a patch",
            ),
            (
                Method::PATCH,
                customer_path.clone(),
                Some(&admin),
                Some(r#"{"company_admin": true}"#),
                422,
                "customer_has_no_company",
                "rule broken",
            ),
            (
                Method::POST,
                "/api/customers".into(),
                Some(&admin),
                Some(&duplicate),
                409,
                "email_taken",
                "taken email",
            ),
            (
                Method::POST,
                "/api/customers".into(),
                Some(&admin),
                Some(r#"{"name": "N", "email": "n@example.com", "send_welcome_email": true}"#),
                422,
                "no_portal_access",
                "a welcome email without portal access",
            ),
            (
                Method::POST,
                "/api/nothing-here".into(),
                Some(&admin),
                Some("{}"),
                404,
                "not_found",
                "unknown path",
            ),
            (
                Method::GET,
                "/portal/api/me".into(),
                Some(&admin),
                None,
                401,
                "not_signed_in",
                "a staff token in the portal",
            ),
        ];

        for (method, path, token, body, status, code, message) in cases {
            let before = ledger_length(&database).await;

            let answer = server.call(method, &path, token, body).await;

            assert_eq!(answer.status, status, "{message}: {answer:?}");
            assert_eq!(answer.body["error"]["code"], code, "{message}: {answer:?}");
            assert_eq!(
                ledger_length(&database).await,
                before,
                "{message}: nothing appended"
            );
        }

        server.stop().await;
    }
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_rate_limited() {
    let database = crate::harness::sqlite();
    let server = Server::start(&database).await;
    create_user(
        &database,
        "ada@provider.example",
        "admin",
        "admin password 1",
    )
    .await;

    let mut statuses = Vec::new();
    for _ in 0..6 {
        let answer = server
            .sign_in("/api/session", "ada@provider.example", "wrong password")
            .await;
        statuses.push(answer.status);
    }
    let right_but_limited = server
        .sign_in("/api/session", "ada@provider.example", "admin password 1")
        .await;

    assert_eq!(statuses, vec![401, 401, 401, 401, 401, 429]);
    assert_eq!(right_but_limited.status, 429);
    assert_eq!(right_but_limited.body["error"]["code"], "too_many_attempts");

    server.stop().await;
}

/// How many rows the session table holds.
async fn stored_sessions(database: &TestDatabase) -> i64 {
    let store = AnyStore::connect(&database.url()).await.unwrap();
    let db = ledgerdesk_projections::db::ReadDb::of(&store);
    let rows = db
        .fetch_all("select count(*) from sessions", &[])
        .await
        .unwrap();
    match rows[0][0] {
        ledgerdesk_projections::db::Cell::Int(count) => count,
        ref other => panic!("a count, not {other:?}"),
    }
}

#[tokio::test]
async fn a_restarted_server_deletes_signed_out_sessions_and_keeps_live_ones() {
    for database in both_backends().await {
        let server = Server::start(&database).await;
        let kept = server.first_admin(&database).await;
        let ended = server
            .token("/api/session", "ada@provider.example", "admin password 1")
            .await;
        let signed_out = server
            .call(Method::DELETE, "/api/session", Some(&ended), None)
            .await;
        assert_eq!(signed_out.status, 204, "{signed_out:?}");
        server.stop().await;
        assert_eq!(
            stored_sessions(&database).await,
            2,
            "signed out, still stored"
        );

        let server = Server::start(&database).await;
        let mut remaining = stored_sessions(&database).await;
        for _ in 0..100 {
            if remaining == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            remaining = stored_sessions(&database).await;
        }

        assert_eq!(remaining, 1, "the signed-out session is deleted at start");
        let live = server
            .call(Method::GET, "/api/services", Some(&kept), None)
            .await;
        assert_eq!(live.status, 200, "the live session still works: {live:?}");
        let gone = server
            .call(Method::GET, "/api/services", Some(&ended), None)
            .await;
        assert_eq!(gone.status, 401, "{gone:?}");
        server.stop().await;
    }
}

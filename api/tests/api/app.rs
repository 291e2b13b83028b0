//! `TestApp`: the API's router over a fresh SQLite database with the portal projector running
//! (writes wait for it before answering), and one method per endpoint the tests use.

use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use http_body_util::BodyExt as _;
use ledgerdesk_api::users::{self, NewStaffUser};
use ledgerdesk_api::write::Writer;
use ledgerdesk_api::{AppState, Config};
use ledgerdesk_domain::{Actor, Channel};
use ledgerdesk_projections::ProjectorConfig;
use ledgerdesk_store::AnyStore;
use ledgerdesk_test_databases::TestDatabase;
use serde_json::{Value, json};
use tokio::sync::watch;
use tower::ServiceExt as _;

/// The first admin's credentials.
const ADMIN_EMAIL: &str = "ada@provider.example";
const ADMIN_PASSWORD: &str = "admin password 1";

/// The router over its own database, and the projector that keeps the read model current.
pub(crate) struct TestApp {
    router: Router,
    state: AppState,
    stop_projector: watch::Sender<bool>,
    // Dropped last: removes the database file.
    _database: TestDatabase,
}

/// An answer: status, content type and body (JSON when it parses, else a string, `Null` when
/// empty).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Value,
}

impl TestApp {
    /// A fresh database, migrated, with the projector running and the read model built.
    pub(crate) async fn start() -> Self {
        let database =
            TestDatabase::sqlite_in(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("api-tests"));
        let store = AnyStore::connect(&database.url())
            .await
            .expect("the scratch database opens and migrates");
        let (stop_projector, stopped) = watch::channel(false);
        let projector_config = ProjectorConfig {
            poll_interval: Duration::from_millis(20),
            ..ProjectorConfig::default()
        };
        tokio::spawn(ledgerdesk_projections::run(
            store.clone(),
            projector_config,
            stopped,
        ));
        let state = AppState::new(store, Config::new("127.0.0.1:0".parse().unwrap()));
        let app = Self {
            router: ledgerdesk_api::app(state.clone()),
            state,
            stop_projector,
            _database: database,
        };

        for _ in 0..500 {
            if app.call(Method::GET, "/healthz", None, None).await.status == 200 {
                return app;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the read model was not built within 10 seconds");
    }

    /// Sends a request with an optional bearer token and raw JSON body.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_owned())
            }
            None => Body::empty(),
        };
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .expect("the router always answers");

        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap().to_owned());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(bytes.to_vec()).expect("every answer is text");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            content_type,
            body,
        }
    }

    /// Creates the first admin as `ledgerdesk users create` does, signs them in and returns the
    /// token.
    pub(crate) async fn first_admin(&self) -> String {
        let writer = Writer {
            store: self.state.store().clone(),
            db: self.state.db().clone(),
            actor: Actor::System,
            channel: Channel::Cli,
            correlation_id: uuid::Uuid::now_v7(),
            wait_for_read_model: Some(Duration::from_secs(10)),
        };
        let admin = NewStaffUser {
            name: "Ada Admin".to_owned(),
            email: ADMIN_EMAIL.to_owned(),
            role: "admin".to_owned(),
            password: ADMIN_PASSWORD.to_owned(),
        };
        users::create(&writer, admin)
            .await
            .expect("the first admin is created");

        let answer = self
            .sign_in_staff(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .await;
        assert_eq!(answer.status, 201, "sign-in: {answer:?}");
        answer.body["token"].as_str().unwrap().to_owned()
    }

    /// `POST /api/session`.
    pub(crate) async fn sign_in_staff(&self, body: &Value) -> Answer {
        self.call(Method::POST, "/api/session", None, Some(&body.to_string()))
            .await
    }

    /// `POST /api/services` with a raw body.
    pub(crate) async fn create_service(&self, token: &str, body: &str) -> Answer {
        self.call(Method::POST, "/api/services", Some(token), Some(body))
            .await
    }

    /// `GET /api/services`.
    pub(crate) async fn list_services(&self, token: &str) -> Answer {
        self.call(Method::GET, "/api/services", Some(token), None)
            .await
    }

    /// `GET /api/openapi.json`, without signing in.
    pub(crate) async fn openapi(&self) -> Answer {
        self.call(Method::GET, "/api/openapi.json", None, None)
            .await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.stop_projector.send(true);
    }
}

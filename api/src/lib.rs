//! Ledgerdesk's HTTP API: the staff API (`/api`), the portal API (`/portal/api`) and sign-in,
//! over the pure domain, the event store and the portal read model.
//!
//! Writes load a stream, `decide`, append with the version read, and wait until the portal read
//! model has the append before answering (`write`). Reads come from the read model. Every error
//! goes through `ApiError` into one JSON envelope (`error`).

pub mod error;
mod incidents;
mod json;
mod metrics;
mod pages;
pub mod password;
mod portal;
pub mod rate_limit;
mod read;
pub mod references;
pub mod session;
mod sign_in;
mod staff;
mod trace;
pub mod users;
pub mod write;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, patch, post, put};
use axum::{Json, middleware};
use ledgerdesk_projections::db::{Cell, ReadDb};
use ledgerdesk_projections::portal as portal_model;
use ledgerdesk_store::AnyStore;
use serde_json::{Value, json};

pub use crate::error::ApiError;
use crate::rate_limit::SignInLimiter;

/// How the API runs; built once by the binary from flags and environment variables.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen (127.0.0.1:8080 by default).
    pub listen: SocketAddr,
    /// The address users reach the server at; `https://` makes session cookies `Secure`.
    pub public_url: Option<String>,
    /// How long a session lasts after sign-in.
    pub session_ttl: chrono::Duration,
    /// How long a write waits for the read model before answering 503.
    pub read_your_writes_timeout: Duration,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Failed sign-ins allowed per email and client address within `sign_in_window`.
    pub sign_in_max_failures: usize,
    /// The window of the sign-in rate limit.
    pub sign_in_window: Duration,
}

impl Config {
    /// The defaults of DESIGN §7 with `listen` as given.
    #[must_use]
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            public_url: None,
            session_ttl: chrono::Duration::hours(12),
            read_your_writes_timeout: Duration::from_secs(10),
            body_limit: 64 * 1024,
            sign_in_max_failures: 5,
            sign_in_window: Duration::from_secs(60),
        }
    }

    /// Whether cookies must be `Secure` (the public URL is https).
    #[must_use]
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }
}

/// What every handler shares: the ledger, the read model, the configuration, the rate limiter.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: AnyStore,
    db: ReadDb,
    config: Config,
    sign_in: SignInLimiter,
}

impl AppState {
    /// The state over an opened store.
    #[must_use]
    pub fn new(store: AnyStore, config: Config) -> Self {
        let sign_in = SignInLimiter::new(config.sign_in_max_failures, config.sign_in_window);
        Self(Arc::new(Inner {
            db: ReadDb::of(&store),
            store,
            config,
            sign_in,
        }))
    }

    /// The ledger.
    #[must_use]
    pub fn store(&self) -> &AnyStore {
        &self.0.store
    }

    /// The read-model database.
    #[must_use]
    pub fn db(&self) -> &ReadDb {
        &self.0.db
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub(crate) fn sign_in_limiter(&self) -> &SignInLimiter {
        &self.0.sign_in
    }
}

/// The whole API as a router, for `serve` and for tests (`tower::ServiceExt::oneshot`).
pub fn app(state: AppState) -> Router {
    let body_limit = state.config().body_limit;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::show_metrics))
        .route(
            "/api/session",
            post(staff::session::sign_in).delete(staff::session::sign_out),
        )
        .route(
            "/api/services",
            post(staff::services::create_service).get(staff::services::list_services),
        )
        .route("/api/companies", post(staff::companies::register_company))
        .route(
            "/api/companies/{id}/services",
            put(staff::companies::set_company_services),
        )
        .route("/api/customers", post(staff::customers::register_customer))
        .route(
            "/api/customers/{id}",
            patch(staff::customers::change_customer),
        )
        .route(
            "/api/customers/{id}/access",
            get(staff::audit::show_customer_access),
        )
        .route("/api/users", post(staff::users::create_user))
        .route(
            "/api/incidents",
            post(staff::incidents::log_incident).get(staff::incidents::list_incidents),
        )
        .route(
            "/api/incidents/{id}",
            get(staff::incidents::show_incident).patch(staff::incidents::change_incident),
        )
        .route(
            "/api/incidents/{id}/comments",
            post(staff::incidents::comment_on_incident),
        )
        .route(
            "/api/incidents/{id}/history",
            get(staff::audit::show_incident_history),
        )
        .route(
            "/api/incidents/{id}/access",
            get(staff::audit::show_incident_access),
        )
        .route("/api/audit/events", get(staff::audit::list_audit_events))
        .route(
            "/api/portal-settings",
            get(staff::portal_settings::show_portal_settings)
                .put(staff::portal_settings::set_portal_settings),
        )
        .route(
            "/portal/api/session",
            post(portal::session::sign_in).delete(portal::session::sign_out),
        )
        .route("/portal/api/me", get(portal::me::show_me))
        .route("/portal/api/services", get(portal::me::list_my_services))
        .route(
            "/portal/api/types",
            get(portal::incidents::list_portal_types),
        )
        .route(
            "/portal/api/incidents",
            post(portal::incidents::log_my_incident).get(portal::incidents::list_my_incidents),
        )
        .route(
            "/portal/api/incidents/{id}",
            get(portal::incidents::show_my_incident),
        )
        .route(
            "/portal/api/incidents/{id}/comments",
            post(portal::incidents::comment_on_my_incident),
        )
        .route(
            "/portal/api/company/customers",
            get(portal::company::list_colleagues).post(portal::company::add_colleague),
        )
        .route(
            "/portal/api/company/customers/{id}",
            patch(portal::company::change_colleague),
        )
        .merge(pages::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(trace::request_span))
        .with_state(state)
}

/// Listens on `state`'s configured address and serves until `shutdown` completes, then lets
/// requests in flight finish.
///
/// # Errors
/// When the address cannot be bound or the server fails.
pub async fn serve(
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config().listen).await?;
    tracing::info!(listen = %listener.local_addr()?, "the API is listening");
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}

/// 200 once the portal read model is built for this version of the code.
async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let sql = "select model_version from projection_checkpoints where name = $1";
    let rows = state
        .db()
        .fetch_all(sql, &[portal_model::NAME.into()])
        .await?;
    let version = rows
        .first()
        .and_then(|row| row.first())
        .and_then(Cell::as_int);
    if version != Some(portal_model::MODEL_VERSION) {
        return Err(ApiError::NotReady);
    }
    Ok(Json(json!({"status": "ok"})))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

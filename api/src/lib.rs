//! Ledgerdesk's HTTP API: the staff API (`/api`), the portal API (`/portal/api`) and sign-in,
//! over the pure domain, the event store and the portal read model, and the portal's HTML pages
//! (`/portal`, `pages`) over the same read and write paths.
//!
//! Every route is registered in `routes` together with its OpenAPI documentation, which
//! `GET /api/openapi.json` serves (`openapi`, ADR 11).
//!
//! Writes load a stream, `decide`, append with the version read, and wait until the portal read
//! model has the append before answering (`write`). Reads come from the read model. Every error
//! goes through `ApiError` into one JSON envelope (`error`).

pub mod error;
mod incidents;
mod json;
mod metrics;
mod openapi;
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
pub mod welcome;
pub mod write;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::{Json, middleware};
use ledgerdesk_projections::db::{Cell, ReadDb};
use ledgerdesk_projections::portal as portal_model;
use ledgerdesk_store::AnyStore;
use serde::Serialize;
use utoipa::{OpenApi as _, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use crate::error::ApiError;
use crate::openapi::ErrorEnvelope;
use crate::rate_limit::SignInLimiter;
pub use crate::read::incidents::portal_incidents_page_sql;

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
    /// How long a welcome link works.
    pub welcome_link_ttl: chrono::Duration,
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
            welcome_link_ttl: chrono::Duration::hours(72),
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
    let (router, _) = routes().split_for_parts();
    router
        // The portal pages are HTML, not part of the documented API.
        .merge(pages::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(trace::request_span))
        .with_state(state)
}

/// The OpenAPI document that `GET /api/openapi.json` serves, built from the same registrations
/// as [`app`]'s routes.
#[must_use]
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

/// Every route with its documentation: the one place a route is added.
///
/// To add an endpoint, annotate its handler with `#[utoipa::path(method, path = "...", ...)]`
/// (tag, path and query parameters, request body, every response with the error codes it can
/// answer, `security` when it needs a sign-in; see `staff/services.rs`), derive `ToSchema` on
/// its body and answer types, and list the handler below in `routes!`, one `.routes(..)` per
/// path, all methods of a path in the same `routes!`, and add its row to `docs/API.md`. The
/// route then exists only together with its documentation; never register one with
/// `.route(..)`, which would leave it undocumented (`api/tests/api/openapi.rs` compares the
/// document with what the router answers and with `docs/API.md`). HTML pages are added the same
/// way, with `content_type = "text/html"` answers (ADR 11).
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(metrics::show_metrics))
        .routes(routes!(openapi::show_openapi))
        .routes(routes!(staff::session::sign_in, staff::session::sign_out))
        .routes(routes!(
            staff::services::create_service,
            staff::services::list_services
        ))
        .routes(routes!(staff::companies::register_company))
        .routes(routes!(staff::companies::set_company_services))
        .routes(routes!(staff::customers::register_customer))
        .routes(routes!(staff::customers::change_customer))
        .routes(routes!(staff::audit::show_customer_access))
        .routes(routes!(staff::users::create_user))
        .routes(routes!(
            staff::incidents::log_incident,
            staff::incidents::list_incidents
        ))
        .routes(routes!(
            staff::incidents::show_incident,
            staff::incidents::change_incident
        ))
        .routes(routes!(staff::incidents::comment_on_incident))
        .routes(routes!(staff::audit::show_incident_history))
        .routes(routes!(staff::audit::show_incident_access))
        .routes(routes!(staff::audit::list_audit_events))
        .routes(routes!(staff::mail::list_parked_mail))
        .routes(routes!(staff::mail::retry_mail))
        .routes(routes!(
            staff::portal_settings::show_portal_settings,
            staff::portal_settings::set_portal_settings
        ))
        .routes(routes!(portal::session::sign_in, portal::session::sign_out))
        .routes(routes!(welcome::set_password))
        .routes(routes!(portal::me::show_me))
        .routes(routes!(portal::me::list_my_services))
        .routes(routes!(portal::incidents::list_portal_types))
        .routes(routes!(
            portal::incidents::log_my_incident,
            portal::incidents::list_my_incidents
        ))
        .routes(routes!(portal::incidents::show_my_incident))
        .routes(routes!(portal::incidents::comment_on_my_incident))
        .routes(routes!(
            portal::company::list_colleagues,
            portal::company::add_colleague
        ))
        .routes(routes!(portal::company::change_colleague))
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
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready: `{\"status\": \"ok\"}`", body = Health),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
        (
            status = 503,
            description = "`not_ready`: the read model is not built yet",
            body = ErrorEnvelope
        ),
    )
)]
async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
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
    Ok(Json(Health { status: "ok" }))
}

/// The answer of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
struct Health {
    /// Always `ok`.
    #[schema(value_type = String, example = "ok")]
    status: &'static str,
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

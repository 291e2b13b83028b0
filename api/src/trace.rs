//! One span per request, and the one place that logs a request's outcome and any internal error
//! and counts it for `/metrics`.
//!
//! Only the method, the route pattern (never the concrete path or query), the status and the
//! duration are recorded: no bodies, tokens or addresses.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

use crate::error::InternalDetail;
use crate::metrics::METRICS;

/// Runs the request inside an `http.request` span, logs how it ended and counts it.
pub(crate) async fn request_span(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "http.request",
        http.method = %request.method(),
        http.route = %route,
        http.status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    let method = request.method().clone();
    let started = Instant::now();

    let response = next.run(request).instrument(span.clone()).await;

    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    METRICS.record_request(&route, &method, status, elapsed);
    let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    span.record("http.status", status);
    span.record("duration_ms", duration_ms);
    span.in_scope(|| {
        if let Some(InternalDetail(detail)) = response.extensions().get::<InternalDetail>() {
            tracing::error!(error = %detail, "request failed with an internal error");
        } else {
            tracing::info!(http.status = status, duration_ms, "request answered");
        }
    });
    response
}

//! `GET /metrics`: counters and a latency histogram kept in this process, and gauges read from
//! the ledger and the portal projection at scrape time, in the Prometheus text format 0.0.4.
//!
//! The registry is one process-wide static, because the write path's `Writer` is also built by
//! the CLI and carries no handle to the API's state. Labels are bounded and impersonal: the route
//! pattern (never the concrete path), a known method and the status code.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{Method, header};
use axum::response::IntoResponse;
use ledgerdesk_store::{Checkpoint, EventStore as _};

use crate::AppState;
use crate::error::ApiError;
use crate::openapi::{self, ErrorEnvelope};

/// The registry this process records into and `GET /metrics` renders.
pub(crate) static METRICS: Registry = Registry::new();

/// The upper bounds of the request duration histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Methods recorded by name; any other method is recorded as `other`, so a client cannot grow
/// the label set.
const KNOWN_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
];

/// The content type of the Prometheus text format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Counters and histograms recorded by the request middleware and the write path.
#[derive(Debug)]
pub(crate) struct Registry {
    /// Per route pattern, its answers and their durations.
    routes: Mutex<BTreeMap<String, RouteStats>>,
    /// Events this process appended to the ledger.
    events_appended: AtomicU64,
}

/// What scrape time reads from the databases.
#[derive(Debug)]
struct Gauges {
    /// Per projection: its name, events after its checkpoint, its checkpoint's position.
    projections: Vec<(&'static str, u64, i64)>,
    /// Events in the ledger.
    ledger_events: u64,
}

/// One route pattern's answers by method and status, and its duration histogram.
#[derive(Debug, Default)]
struct RouteStats {
    requests: BTreeMap<(&'static str, u16), u64>,
    /// Observations at or below each of [`BUCKETS`] (cumulative, as rendered).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// Renders the metrics; no sign-in, so it must not be exposed beyond the operators' network.
///
/// # Errors
/// 500 when the ledger or the projection checkpoint cannot be read.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (
            status = 200,
            description = "HTTP requests and latency by route pattern, appends, ledger length and \
                projection lag, in the Prometheus text format 0.0.4",
            content_type = "text/plain; version=0.0.4",
            body = String
        ),
        (status = 500, description = openapi::INTERNAL, body = ErrorEnvelope),
    )
)]
pub(crate) async fn show_metrics(
    State(state): State<AppState>,
) -> Result<impl IntoResponse, ApiError> {
    let projections = ledgerdesk_projections::status(state.store())
        .await?
        .into_iter()
        .map(|status| (status.name, status.lag, status.row.checkpoint.position))
        .collect();
    let ledger_events = state.store().count_after(Checkpoint::START).await?;

    let gauges = Gauges {
        projections,
        ledger_events,
    };
    Ok((
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        METRICS.render(&gauges),
    ))
}

impl Registry {
    /// An empty registry.
    const fn new() -> Self {
        Self {
            routes: Mutex::new(BTreeMap::new()),
            events_appended: AtomicU64::new(0),
        }
    }

    /// Counts one answered request under its route pattern (`unmatched` for none).
    pub(crate) fn record_request(
        &self,
        route: &str,
        method: &Method,
        status: u16,
        elapsed: Duration,
    ) {
        let method = KNOWN_METHODS
            .into_iter()
            .find(|known| *known == method.as_str())
            .unwrap_or("other");
        let seconds = elapsed.as_secs_f64();

        let mut routes = self.lock();
        if !routes.contains_key(route) {
            routes.insert(route.to_owned(), RouteStats::default());
        }
        let stats = routes
            .get_mut(route)
            .expect("the route's entry exists: it was inserted above");
        *stats.requests.entry((method, status)).or_default() += 1;
        for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        stats.count += 1;
        stats.sum_seconds += seconds;
    }

    /// Counts events appended to the ledger (not replays of an idempotent request).
    pub(crate) fn record_append(&self, n_events: usize) {
        let n_events = u64::try_from(n_events).unwrap_or(u64::MAX);
        self.events_appended.fetch_add(n_events, Ordering::Relaxed);
    }

    /// The text format: every family with its help and type, samples in a stable order.
    fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        self.render_http(&mut out);

        family(
            &mut out,
            "ledgerdesk_events_appended_total",
            "counter",
            "Events this process appended to the ledger.",
        );
        let appended = self.events_appended.load(Ordering::Relaxed);
        sample(&mut out, "ledgerdesk_events_appended_total", &[], appended);

        family(
            &mut out,
            "ledgerdesk_projection_lag_events",
            "gauge",
            "Events in the ledger after the projection's checkpoint.",
        );
        for (name, lag, _) in &gauges.projections {
            let labels = [("projection", *name)];
            sample(&mut out, "ledgerdesk_projection_lag_events", &labels, lag);
        }
        family(
            &mut out,
            "ledgerdesk_projection_position",
            "gauge",
            "Global position of the last event the projection applied.",
        );
        for (name, _, position) in &gauges.projections {
            let labels = [("projection", *name)];
            sample(
                &mut out,
                "ledgerdesk_projection_position",
                &labels,
                position,
            );
        }

        // A counter, not a gauge: the ledger is append-only, so its length never goes down.
        family(
            &mut out,
            "ledgerdesk_ledger_events_total",
            "counter",
            "Events in the ledger, whoever appended them.",
        );
        let ledger_events = gauges.ledger_events;
        sample(
            &mut out,
            "ledgerdesk_ledger_events_total",
            &[],
            ledger_events,
        );
        out
    }

    /// The request counter and the duration histogram.
    fn render_http(&self, out: &mut String) {
        let routes = self.lock();
        family(
            out,
            "ledgerdesk_http_requests_total",
            "counter",
            "HTTP requests answered, by route pattern, method and status.",
        );
        for (route, stats) in routes.iter() {
            for ((method, status), n) in &stats.requests {
                let status = status.to_string();
                let labels = [
                    ("route", route.as_str()),
                    ("method", method),
                    ("status", &status),
                ];
                sample(out, "ledgerdesk_http_requests_total", &labels, n);
            }
        }

        let name = "ledgerdesk_http_request_duration_seconds";
        family(
            out,
            name,
            "histogram",
            "Time from receiving a request to its answer, by route pattern.",
        );
        for (route, stats) in routes.iter() {
            for (bound, n) in BUCKETS.iter().zip(stats.buckets) {
                let le = bound.to_string();
                let labels = [("route", route.as_str()), ("le", &le)];
                sample(out, &format!("{name}_bucket"), &labels, n);
            }
            let labels = [("route", route.as_str()), ("le", "+Inf")];
            sample(out, &format!("{name}_bucket"), &labels, stats.count);
            let labels = [("route", route.as_str())];
            sample(out, &format!("{name}_sum"), &labels, stats.sum_seconds);
            sample(out, &format!("{name}_count"), &labels, stats.count);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, RouteStats>> {
        // A panic while holding the lock leaves counts that are still meaningful.
        self.routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Writes a family's `HELP` and `TYPE` lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    // Writing to a `String` cannot fail.
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Writes one sample line, escaping label values as the format requires.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (label, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(label);
            out.push_str("=\"");
            for c in value.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_has_every_family_with_cumulative_buckets_and_escaped_labels() {
        let registry = Registry::new();
        let services = "/api/services";
        // Durations a binary fraction can hold exactly, so the sum prints exactly.
        registry.record_request(services, &Method::POST, 201, Duration::from_micros(15_625));
        registry.record_request(services, &Method::POST, 201, Duration::from_millis(250));
        registry.record_request(services, &Method::GET, 200, Duration::from_secs(32));
        registry.record_request(
            "a\"b\\c\nd",
            &Method::from_bytes(b"BREW").unwrap(),
            405,
            Duration::ZERO,
        );
        registry.record_append(3);
        let gauges = Gauges {
            projections: vec![("portal", 2, 7)],
            ledger_events: 9,
        };

        let text = registry.render(&gauges);

        let expected_lines = [
            "# TYPE ledgerdesk_http_requests_total counter",
            r#"ledgerdesk_http_requests_total{route="/api/services",method="GET",status="200"} 1"#,
            r#"ledgerdesk_http_requests_total{route="/api/services",method="POST",status="201"} 2"#,
            r#"ledgerdesk_http_requests_total{route="a\"b\\c\nd",method="other",status="405"} 1"#,
            "# TYPE ledgerdesk_http_request_duration_seconds histogram",
            r#"ledgerdesk_http_request_duration_seconds_bucket{route="/api/services",le="0.01"} 0"#,
            r#"ledgerdesk_http_request_duration_seconds_bucket{route="/api/services",le="0.025"} 1"#,
            r#"ledgerdesk_http_request_duration_seconds_bucket{route="/api/services",le="0.25"} 2"#,
            r#"ledgerdesk_http_request_duration_seconds_bucket{route="/api/services",le="10"} 2"#,
            r#"ledgerdesk_http_request_duration_seconds_bucket{route="/api/services",le="+Inf"} 3"#,
            r#"ledgerdesk_http_request_duration_seconds_sum{route="/api/services"} 32.265625"#,
            r#"ledgerdesk_http_request_duration_seconds_count{route="/api/services"} 3"#,
            r#"ledgerdesk_http_request_duration_seconds_bucket{route="a\"b\\c\nd",le="0.005"} 1"#,
            "# TYPE ledgerdesk_events_appended_total counter",
            "ledgerdesk_events_appended_total 3",
            "# TYPE ledgerdesk_projection_lag_events gauge",
            r#"ledgerdesk_projection_lag_events{projection="portal"} 2"#,
            "# TYPE ledgerdesk_projection_position gauge",
            r#"ledgerdesk_projection_position{projection="portal"} 7"#,
            "# TYPE ledgerdesk_ledger_events_total counter",
            "ledgerdesk_ledger_events_total 9",
        ];
        let lines: Vec<&str> = text.lines().collect();
        let mut at = 0;
        for expected in expected_lines {
            let found = lines[at..].iter().position(|line| *line == expected);
            let found = found.unwrap_or_else(|| panic!("{expected} in order in:\n{text}"));
            at += found + 1;
        }
        assert!(text.ends_with('\n'), "the format ends with a newline");
        assert!(
            lines
                .iter()
                .filter(|line| !line.starts_with('#'))
                .all(|line| line
                    .rsplit_once(' ')
                    .is_some_and(|(_, v)| v.parse::<f64>().is_ok())),
            "every sample ends in a number:\n{text}"
        );
    }
}

//! `GET /metrics` of a running `ledgerdesk serve` on both backends: request counters under route
//! patterns, the latency histogram, appends, and the ledger and projection gauges.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::json;

use crate::harness::both_backends;
use crate::serve::{Server, ledger_length};

/// One scrape: the content type and every sample by its series (`name{labels}`).
struct Scrape {
    content_type: String,
    text: String,
    samples: HashMap<String, f64>,
}

impl Scrape {
    async fn of(server: &Server) -> Self {
        let response = server
            .client
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status().as_u16(), 200, "/metrics needs no sign-in");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let text = response.text().await.unwrap();
        let samples = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
                (
                    series.to_owned(),
                    value.parse().expect("a value is a number"),
                )
            })
            .collect();
        Self {
            content_type,
            text,
            samples,
        }
    }

    /// The value of `series`, failing the test when the scrape lacks it.
    fn value(&self, series: &str) -> f64 {
        *self
            .samples
            .get(series)
            .unwrap_or_else(|| panic!("{series} in:\n{}", self.text))
    }
}

fn requests(route: &str, method: &str, status: u16) -> String {
    format!(
        r#"ledgerdesk_http_requests_total{{route="{route}",method="{method}",status="{status}"}}"#
    )
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_show_the_projection_caught_up() {
    for database in both_backends().await {
        let server = Server::start(&database).await;
        let admin = server.first_admin(&database).await;
        let before_writes = ledger_length(&database).await;
        let unknown_id = "01900000-0000-7000-8000-000000000000";

        let created = server
            .post("/api/services", Some(&admin), &json!({"name": "Email"}))
            .await;
        let listed = server
            .call(Method::GET, "/api/services", Some(&admin), None)
            .await;
        let unknown = server
            .call(
                Method::PATCH,
                &format!("/api/customers/{unknown_id}"),
                Some(&admin),
                Some(r#"{"portal_access": true}"#),
            )
            .await;
        let unmatched = server
            .call(Method::GET, "/api/nothing-here/secret-path", None, None)
            .await;
        let scrape = Scrape::of(&server).await;
        let again = Scrape::of(&server).await;

        assert_eq!(created.status, 201, "{created:?}");
        assert_eq!(listed.status, 200, "{listed:?}");
        assert_eq!(unknown.status, 404, "{unknown:?}");
        assert_eq!(unmatched.status, 404, "{unmatched:?}");
        assert!(
            scrape.content_type.starts_with("text/plain; version=0.0.4"),
            "{}",
            scrape.content_type
        );
        assert_eq!(scrape.value(&requests("/api/session", "POST", 201)), 1.0);
        assert_eq!(scrape.value(&requests("/api/services", "POST", 201)), 1.0);
        assert_eq!(scrape.value(&requests("/api/services", "GET", 200)), 1.0);
        assert_eq!(
            scrape.value(&requests("/api/customers/{id}", "PATCH", 404)),
            1.0
        );
        assert_eq!(scrape.value(&requests("unmatched", "GET", 404)), 1.0);
        assert!(scrape.value(&requests("/healthz", "GET", 200)) >= 1.0);
        for concrete in [unknown_id, "secret-path", "ada@provider.example"] {
            assert!(
                !scrape.text.contains(concrete),
                "no concrete path or personal data in labels:\n{}",
                scrape.text
            );
        }
        let histogram = "ledgerdesk_http_request_duration_seconds";
        let route = r#"{route="/api/services"}"#;
        assert_eq!(scrape.value(&format!("{histogram}_count{route}")), 2.0);
        assert_eq!(
            scrape.value(&format!(
                r#"{histogram}_bucket{{route="/api/services",le="+Inf"}}"#
            )),
            2.0
        );
        assert!(scrape.value(&format!("{histogram}_sum{route}")) > 0.0);

        let ledger_events = scrape.value("ledgerdesk_ledger_events_total");
        assert_eq!(ledger_events, ledger_length(&database).await as f64);
        assert_eq!(
            scrape.value("ledgerdesk_events_appended_total"),
            ledger_events - before_writes as f64,
            "the server counts what it appended, not the CLI's first admin"
        );
        assert_eq!(
            scrape.value(r#"ledgerdesk_projection_lag_events{projection="portal"}"#),
            0.0,
            "a write answers once the read model has it"
        );
        assert!(scrape.value(r#"ledgerdesk_projection_position{projection="portal"}"#) >= 1.0);
        assert_eq!(
            again.value(&requests("/metrics", "GET", 200)),
            1.0,
            "a scrape counts once answered"
        );

        server.stop().await;
    }
}

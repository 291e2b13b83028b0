//! The audit endpoints over HTTP on both backends: an incident's history, the global feed paged
//! with `after`, as-of access (who could see an incident, what a customer could see) across
//! permission changes, secrets redacted, admins only.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, both_backends};
use crate::serve::{Answer, Server, ledger_length};

/// An admin and an agent, Email and Network, Acme on both, and two Acme customers: Ann (own
/// incidents, both services) and Will (company-wide, Email only).
struct AuditDesk {
    server: Server,
    admin: String,
    agent: String,
    email: String,
    network: String,
    acme: String,
    globex: String,
    ann: String,
    ann_token: String,
    will: String,
}

impl AuditDesk {
    async fn open(database: &TestDatabase) -> Self {
        let server = Server::start(database).await;
        let admin = server.first_admin(database).await;
        let agent_body = json!({"name": "Alex Agent", "email": "alex@provider.example",
                                "role": "agent", "password": "agent password"});
        let created = server.post("/api/users", Some(&admin), &agent_body).await;
        assert_eq!(created.status, 201, "{created:?}");
        let agent = server
            .token("/api/session", "alex@provider.example", "agent password")
            .await;
        let email = created_id(&server, &admin, "/api/services", json!({"name": "Email"})).await;
        let network =
            created_id(&server, &admin, "/api/services", json!({"name": "Network"})).await;
        let services = json!([email, network]);
        let acme = created_id(
            &server,
            &admin,
            "/api/companies",
            json!({"name": "Acme", "services": services}),
        )
        .await;
        let globex = created_id(
            &server,
            &admin,
            "/api/companies",
            json!({"name": "Globex", "services": services}),
        )
        .await;
        let ann_body = json!({"name": "Ann", "email": "ann@acme.example", "company_id": acme,
                              "portal_access": true, "password": "customer password",
                              "services": services});
        let ann = created_id(&server, &admin, "/api/customers", ann_body).await;
        let will_body = json!({"name": "Will", "email": "will@acme.example", "company_id": acme,
                               "portal_access": true, "see_company_incidents": true,
                               "services": [email]});
        let will = created_id(&server, &admin, "/api/customers", will_body).await;
        let ann_token = server
            .token(
                "/portal/api/session",
                "ann@acme.example",
                "customer password",
            )
            .await;
        Self {
            server,
            admin,
            agent,
            email,
            network,
            acme,
            globex,
            ann,
            ann_token,
            will,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.server.call(Method::GET, path, token, None).await
    }

    async fn send(&self, method: Method, path: &str, body: &Value) -> Answer {
        let body = body.to_string();
        let answer = self
            .server
            .call(method, path, Some(&self.admin), Some(&body))
            .await;
        assert!(answer.status < 300, "{path}: {answer:?}");
        answer
    }

    /// Who could see the incident at `at`, as `(customer id, reason)` pairs.
    async fn access_at(&self, incident: &str, at: DateTime<Utc>) -> Vec<(String, String)> {
        let at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let path = format!(
            "/api/incidents/{incident}/access?at={}",
            at.replace('+', "%2B")
        );
        let answer = self.get(&path, Some(&self.admin)).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.body["incident_id"], incident);
        answer.body["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                (
                    entry["customer_id"].as_str().unwrap().to_owned(),
                    entry["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// What the customer could see at `at`, as `(incident id, reason)` pairs.
    async fn customer_access_at(&self, customer: &str, at: DateTime<Utc>) -> Vec<(String, String)> {
        let at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let path = format!(
            "/api/customers/{customer}/access?at={}",
            at.replace('+', "%2B")
        );
        let answer = self.get(&path, Some(&self.admin)).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.body["customer_id"], customer);
        answer.body["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                assert!(
                    entry["reference"].as_str().unwrap().starts_with("INC-"),
                    "{entry}"
                );
                (
                    entry["incident_id"].as_str().unwrap().to_owned(),
                    entry["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

async fn created_id(server: &Server, admin: &str, path: &str, body: Value) -> String {
    let created = server.post(path, Some(admin), &body).await;
    assert_eq!(created.status, 201, "{path}: {created:?}");
    created.body["id"].as_str().unwrap().to_owned()
}

/// A moment strictly between what was recorded before and what is recorded after.
async fn moment() -> DateTime<Utc> {
    tokio::time::sleep(Duration::from_millis(30)).await;
    let now = Utc::now();
    tokio::time::sleep(Duration::from_millis(30)).await;
    now
}

#[tokio::test]
async fn admins_read_an_incidents_history_and_page_the_whole_feed_without_secrets() {
    for database in both_backends().await {
        let desk = AuditDesk::open(&database).await;
        let logged = desk
            .send(
                Method::POST,
                "/api/incidents",
                &json!({"title": "Mail is down", "type": "bug", "service_id": desk.email,
                        "customer_id": desk.ann}),
            )
            .await;
        let incident = logged.body["id"].as_str().unwrap().to_owned();
        let reference = logged.body["reference"].as_str().unwrap().to_owned();
        desk.send(
            Method::PATCH,
            &format!("/api/incidents/{incident}"),
            &json!({"status": "in_progress"}),
        )
        .await;
        let comment = json!({"body": "Our side", "public": false});
        desk.send(
            Method::POST,
            &format!("/api/incidents/{incident}/comments"),
            &comment,
        )
        .await;
        let ann_comment = desk
            .server
            .post(
                &format!("/portal/api/incidents/{incident}/comments"),
                Some(&desk.ann_token),
                &json!({"body": "Still down"}),
            )
            .await;
        assert_eq!(ann_comment.status, 201, "{ann_comment:?}");

        let history = desk
            .get(
                &format!("/api/incidents/{reference}/history"),
                Some(&desk.admin),
            )
            .await;

        assert_eq!(history.status, 200, "{history:?}");
        let items = history.body["items"].as_array().unwrap();
        let types: Vec<&str> = items.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "incident.logged",
                "incident.status_changed",
                "incident.comment_added",
                "incident.comment_added"
            ]
        );
        let versions: Vec<u64> = items
            .iter()
            .map(|e| e["version"].as_u64().unwrap())
            .collect();
        assert_eq!(versions, [1, 2, 3, 4]);
        let positions: Vec<i64> = items
            .iter()
            .map(|e| e["position"].as_i64().unwrap())
            .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
        for event in &items[..3] {
            assert!(
                event["actor"].as_str().unwrap().starts_with("staff:"),
                "{event}"
            );
            assert_eq!(event["channel"], "staff-api");
            assert_eq!(event["stream"], format!("incident-{incident}"));
        }
        assert_eq!(items[3]["actor"], format!("customer:{}", desk.ann));
        assert_eq!(items[3]["channel"], "portal");
        assert_eq!(
            items[2]["data"]["public"], false,
            "internal comments show in audit"
        );
        for field in ["schema_version", "occurred_at", "recorded_at", "data"] {
            assert!(items[0].get(field).is_some(), "{field} in {}", items[0]);
        }

        let total = ledger_length(&database).await;
        let everything = desk
            .get("/api/audit/events?limit=500", Some(&desk.admin))
            .await;
        let all_positions = positions_of(&everything.body["items"]);
        let mut paged = Vec::new();
        let mut path = "/api/audit/events?limit=3".to_owned();
        let mut pages = 0;
        loop {
            let page = desk.get(&path, Some(&desk.admin)).await;
            assert_eq!(page.status, 200, "{page:?}");
            paged.extend(positions_of(&page.body["items"]));
            pages += 1;
            match page.body["next_cursor"].as_i64() {
                Some(after) => path = format!("/api/audit/events?limit=3&after={after}"),
                None => break,
            }
        }

        assert_eq!(everything.status, 200, "{everything:?}");
        assert_eq!(
            all_positions.len() as u64,
            total,
            "the feed holds every event"
        );
        assert_eq!(everything.body["next_cursor"], Value::Null);
        assert_eq!(
            paged, all_positions,
            "paging gives every event once, in order"
        );
        assert_eq!(pages, total.div_ceil(3));
        let feed_text = everything.body.to_string();
        assert!(
            !feed_text.contains("$argon2"),
            "no password hash in the feed"
        );
        let hashes: BTreeSet<&str> = everything.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|event| event["data"]["password_hash"].as_str())
            .collect();
        assert_eq!(
            hashes,
            BTreeSet::from(["[redacted]"]),
            "hashes are redacted"
        );
        desk.server.stop().await;
    }
}

#[tokio::test]
async fn as_of_access_follows_the_rule_across_permission_changes() {
    for database in both_backends().await {
        let desk = AuditDesk::open(&database).await;
        let before_logging = moment().await;
        let logged = desk
            .send(
                Method::POST,
                "/api/incidents",
                &json!({"title": "Mail is down", "type": "bug", "service_id": desk.email,
                        "customer_id": desk.ann}),
            )
            .await;
        let incident = logged.body["id"].as_str().unwrap().to_owned();
        let after_logging = moment().await;
        let acme_services = format!("/api/companies/{}/services", desk.acme);
        desk.send(
            Method::PUT,
            &acme_services,
            &json!({"services": [desk.network]}),
        )
        .await;
        let after_acme_lost_email = moment().await;
        desk.send(
            Method::PUT,
            &acme_services,
            &json!({"services": [desk.email, desk.network]}),
        )
        .await;
        let after_acme_regained_email = moment().await;
        desk.send(
            Method::PATCH,
            &format!("/api/customers/{}", desk.ann),
            &json!({"company_id": desk.globex}),
        )
        .await;
        let after_ann_moved = moment().await;

        let own = (desk.ann.clone(), "own_incident".to_owned());
        let company_wide = (desk.will.clone(), "company_wide".to_owned());
        let both = {
            let mut both = vec![own.clone(), company_wide.clone()];
            both.sort();
            both
        };
        assert_eq!(desk.access_at(&incident, before_logging).await, []);
        assert_eq!(desk.access_at(&incident, after_logging).await, both);
        assert_eq!(
            desk.access_at(&incident, after_acme_lost_email).await,
            [],
            "a company losing a service hides its incidents from all its customers"
        );
        assert_eq!(
            desk.access_at(&incident, after_acme_regained_email).await,
            both
        );
        assert_eq!(
            desk.access_at(&incident, after_ann_moved).await,
            [company_wide],
            "a customer who moved stops seeing the old company's incidents; it keeps them"
        );

        // The same moments asked the other way round: what each customer could see.
        let ann_own = vec![(incident.clone(), "own_incident".to_owned())];
        let will_company = vec![(incident.clone(), "company_wide".to_owned())];
        for (at, ann_saw, will_saw) in [
            (before_logging, vec![], vec![]),
            (after_logging, ann_own.clone(), will_company.clone()),
            (after_acme_lost_email, vec![], vec![]),
            (after_acme_regained_email, ann_own, will_company.clone()),
            (after_ann_moved, vec![], will_company),
        ] {
            assert_eq!(
                desk.customer_access_at(&desk.ann, at).await,
                ann_saw,
                "Ann at {at}"
            );
            assert_eq!(
                desk.customer_access_at(&desk.will, at).await,
                will_saw,
                "Will at {at}"
            );
        }
        let before_ann_existed = desk
            .get(
                &format!("/api/customers/{}/access?at=2000-01-01T00:00:00Z", desk.ann),
                Some(&desk.admin),
            )
            .await;
        assert_eq!(before_ann_existed.status, 200, "{before_ann_existed:?}");
        assert_eq!(before_ann_existed.body["incidents"], json!([]));

        let by_reference = desk
            .get(
                &format!(
                    "/api/incidents/{}/access?at=2000-01-01T00:00:00Z",
                    logged.body["reference"].as_str().unwrap()
                ),
                Some(&desk.admin),
            )
            .await;
        assert_eq!(by_reference.status, 200, "{by_reference:?}");
        assert_eq!(by_reference.body["at"], "2000-01-01T00:00:00.000000Z");
        desk.server.stop().await;
    }
}

#[tokio::test]
async fn audit_is_for_admins_only_and_bad_audit_requests_append_nothing() {
    for database in both_backends().await {
        let desk = AuditDesk::open(&database).await;
        let logged = desk
            .send(
                Method::POST,
                "/api/incidents",
                &json!({"title": "Mail is down", "type": "bug", "service_id": desk.email}),
            )
            .await;
        let incident = logged.body["id"].as_str().unwrap().to_owned();
        let history = format!("/api/incidents/{incident}/history");
        let access = format!("/api/incidents/{incident}/access?at=2030-01-01T00:00:00Z");
        let unknown = "0190a0a0-0000-7000-8000-000000000000";
        let before = ledger_length(&database).await;
        let cases: Vec<(String, Option<&str>, u16, &str, &str)> = vec![
            (
                history.clone(),
                Some(&desk.agent),
                403,
                "forbidden",
                "agent, history",
            ),
            (
                access.clone(),
                Some(&desk.agent),
                403,
                "forbidden",
                "agent, access",
            ),
            (
                "/api/audit/events".into(),
                Some(&desk.agent),
                403,
                "forbidden",
                "agent, feed",
            ),
            (
                history.clone(),
                Some(&desk.ann_token),
                401,
                "not_signed_in",
                "customer, history",
            ),
            (
                access.clone(),
                Some(&desk.ann_token),
                401,
                "not_signed_in",
                "customer, access",
            ),
            (
                "/api/audit/events".into(),
                Some(&desk.ann_token),
                401,
                "not_signed_in",
                "customer",
            ),
            (
                "/api/audit/events".into(),
                None,
                401,
                "not_signed_in",
                "no sign-in",
            ),
            (
                "/api/audit/events?after=99999999".into(),
                Some(&desk.admin),
                400,
                "invalid_query",
                "a position no event has",
            ),
            (
                "/api/audit/events?after=-1".into(),
                Some(&desk.admin),
                400,
                "invalid_query",
                "a negative position",
            ),
            (
                "/api/audit/events?limit=many".into(),
                Some(&desk.admin),
                400,
                "invalid_query",
                "a limit that is not a number",
            ),
            (
                "/api/audit/events?before=3".into(),
                Some(&desk.admin),
                400,
                "invalid_query",
                "an unknown parameter",
            ),
            (
                format!("/api/incidents/{incident}/access?at=yesterday"),
                Some(&desk.admin),
                400,
                "invalid_query",
                "a time that is not RFC 3339",
            ),
            (
                format!("/api/incidents/{incident}/access"),
                Some(&desk.admin),
                400,
                "invalid_query",
                "no time",
            ),
            (
                format!("/api/incidents/{unknown}/history"),
                Some(&desk.admin),
                404,
                "not_found",
                "an unknown incident's history",
            ),
            (
                format!("/api/incidents/{unknown}/access?at=2030-01-01T00:00:00Z"),
                Some(&desk.admin),
                404,
                "not_found",
                "an unknown incident's access",
            ),
            (
                format!("/api/customers/{}/access?at=2030-01-01T00:00:00Z", desk.ann),
                Some(&desk.agent),
                403,
                "forbidden",
                "agent, a customer's access",
            ),
            (
                format!("/api/customers/{}/access?at=noon", desk.ann),
                Some(&desk.admin),
                400,
                "invalid_query",
                "a customer's access at a time that is not RFC 3339",
            ),
            (
                format!("/api/customers/{unknown}/access?at=2030-01-01T00:00:00Z"),
                Some(&desk.admin),
                404,
                "not_found",
                "an unknown customer's access",
            ),
            (
                "/api/incidents/INC-999/history".into(),
                Some(&desk.admin),
                404,
                "not_found",
                "an unknown reference",
            ),
        ];

        for (path, token, status, code, message) in cases {
            let answer = desk.get(&path, token).await;
            assert_eq!(answer.status, status, "{message}: {answer:?}");
            assert_eq!(answer.body["error"]["code"], code, "{message}");
        }

        assert_eq!(
            ledger_length(&database).await,
            before,
            "bad requests append nothing"
        );
        desk.server.stop().await;
    }
}

fn positions_of(items: &Value) -> Vec<i64> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["position"].as_i64().unwrap())
        .collect()
}

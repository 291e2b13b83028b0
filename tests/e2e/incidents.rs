//! Incidents over HTTP on both backends: staff log and work them, customers see exactly what
//! the visibility rule allows, internal comments stay internal, `If-Match` and
//! `Idempotency-Key` behave, and bad requests change nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestDatabase, both_backends};
use crate::serve::{Answer, Server, ids, ledger_length, sorted};

/// A small directory: two companies on the same two services, and four customers.
pub(crate) struct Desk {
    pub(crate) server: Server,
    pub(crate) admin: String,
    /// Email and Network.
    pub(crate) services: [String; 2],
    /// Acme, own incidents only, both services.
    pub(crate) ann: Customer,
    /// Acme, company-wide, Email only.
    pub(crate) will: Customer,
    /// Globex, company-wide, both services.
    pub(crate) gus: Customer,
    /// No company, both services.
    pub(crate) nia: Customer,
}

pub(crate) struct Customer {
    pub(crate) id: String,
    pub(crate) token: String,
}

impl Desk {
    pub(crate) async fn open(database: &TestDatabase) -> Self {
        let server = Server::start(database).await;
        let admin = server.first_admin(database).await;
        let mut services = Vec::new();
        for name in ["Email", "Network"] {
            let created = server
                .post("/api/services", Some(&admin), &json!({"name": name}))
                .await;
            services.push(created.body["id"].as_str().unwrap().to_owned());
        }
        let services = [services[0].clone(), services[1].clone()];
        let acme = company(&server, &admin, "Acme", &services).await;
        let globex = company(&server, &admin, "Globex", &services).await;
        let both = json!(services);
        let email_only = json!([services[0]]);

        let ann = customer(&server, &admin, "ann", json!(acme), false, &both).await;
        let will = customer(&server, &admin, "will", json!(acme), true, &email_only).await;
        let gus = customer(&server, &admin, "gus", json!(globex), true, &both).await;
        let nia = customer(&server, &admin, "nia", Value::Null, false, &both).await;
        Self {
            server,
            admin,
            services,
            ann,
            will,
            gus,
            nia,
        }
    }

    /// Staff log an incident; returns its staff view.
    pub(crate) async fn log(
        &self,
        title: &str,
        customer: Option<&Customer>,
        service: usize,
    ) -> Value {
        let body = json!({"title": title, "type": "bug", "service_id": self.services[service],
                          "customer_id": customer.map(|c| c.id.clone())});
        let answer = self
            .server
            .post("/api/incidents", Some(&self.admin), &body)
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        answer.body
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> Answer {
        self.server.call(Method::GET, path, Some(token), None).await
    }

    pub(crate) async fn patch(&self, path: &str, body: &Value) -> Answer {
        let body = body.to_string();
        self.server
            .call(Method::PATCH, path, Some(&self.admin), Some(&body))
            .await
    }
}

pub(crate) async fn company(
    server: &Server,
    admin: &str,
    name: &str,
    services: &[String; 2],
) -> String {
    let created = server
        .post(
            "/api/companies",
            Some(admin),
            &json!({"name": name, "services": services}),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    created.body["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn customer(
    server: &Server,
    admin: &str,
    name: &str,
    company_id: Value,
    company_wide: bool,
    services: &Value,
) -> Customer {
    let email = format!("{name}@example.com");
    let body = json!({"name": name, "email": email, "company_id": company_id,
                      "portal_access": true, "password": "customer password",
                      "see_company_incidents": company_wide, "services": services});
    let created = server.post("/api/customers", Some(admin), &body).await;
    assert_eq!(created.status, 201, "{created:?}");
    let token = server
        .token("/portal/api/session", &email, "customer password")
        .await;
    Customer {
        id: created.body["id"].as_str().unwrap().to_owned(),
        token,
    }
}

pub(crate) fn id_of(incident: &Value) -> String {
    incident["id"].as_str().unwrap().to_owned()
}

pub(crate) fn reference_of(incident: &Value) -> String {
    incident["reference"].as_str().unwrap().to_owned()
}

/// The ids a customer's portal list holds.
pub(crate) async fn visible(desk: &Desk, customer: &Customer) -> Vec<String> {
    let listed = desk.get("/portal/api/incidents", &customer.token).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    ids(&listed.body["items"])
}

#[tokio::test]
async fn customers_see_exactly_the_incidents_the_rule_allows() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let ann_email = desk.log("Ann's mail", Some(&desk.ann), 0).await;
        let ann_network = desk.log("Ann's network", Some(&desk.ann), 1).await;
        let will_email = desk.log("Will's mail", Some(&desk.will), 0).await;
        let gus_email = desk.log("Gus's mail", Some(&desk.gus), 0).await;
        let nia_email = desk.log("Nia's mail", Some(&desk.nia), 0).await;
        let nobody = desk.log("Nobody's", None, 0).await;
        let hidden = desk
            .server
            .post(
                "/api/incidents",
                Some(&desk.admin),
                &json!({"title": "Hidden", "type": "bug", "service_id": desk.services[0],
                        "customer_id": desk.ann.id, "show_in_portal": false}),
            )
            .await;

        assert_eq!(
            [
                &ann_email,
                &ann_network,
                &will_email,
                &gus_email,
                &nia_email,
                &nobody,
                &hidden.body
            ]
            .map(reference_of),
            [
                "INC-1", "INC-2", "INC-3", "INC-4", "INC-5", "INC-6", "INC-7"
            ],
            "references are handed out in order"
        );
        assert_eq!(
            visible(&desk, &desk.ann).await,
            sorted(vec![id_of(&ann_email), id_of(&ann_network)]),
            "own incidents only, not the hidden one"
        );
        assert_eq!(
            visible(&desk, &desk.will).await,
            sorted(vec![id_of(&ann_email), id_of(&will_email)]),
            "company-wide on Email only"
        );
        assert_eq!(visible(&desk, &desk.gus).await, vec![id_of(&gus_email)]);
        assert_eq!(visible(&desk, &desk.nia).await, vec![id_of(&nia_email)]);
        let staff_list = desk.get("/api/incidents", &desk.admin).await;
        assert_eq!(staff_list.body["items"].as_array().unwrap().len(), 7);

        // Others' incidents answer 404 by id and by reference, like a missing one.
        let cases = [
            (
                &desk.ann,
                &will_email,
                "a same-company colleague's, for an own-only customer",
            ),
            (
                &desk.gus,
                &ann_email,
                "another company's, on the same service",
            ),
            (
                &desk.nia,
                &ann_email,
                "a company's, for a customer without one",
            ),
            (&desk.ann, &hidden.body, "one's own hidden incident"),
            (
                &desk.will,
                &ann_network,
                "a colleague's on a service outside one's own",
            ),
        ];
        for (customer, incident, message) in cases {
            for key in [id_of(incident), reference_of(incident)] {
                let answer = desk
                    .get(&format!("/portal/api/incidents/{key}"), &customer.token)
                    .await;
                assert_eq!(answer.status, 404, "{message} ({key}): {answer:?}");
                assert_eq!(answer.body["error"]["code"], "not_found", "{message}");
            }
        }
        let missing = desk
            .get("/portal/api/incidents/INC-999", &desk.ann.token)
            .await;
        assert_eq!(
            missing.body,
            desk.get(
                &format!("/portal/api/incidents/{}", reference_of(&will_email)),
                &desk.ann.token
            )
            .await
            .body
        );
        let own = desk
            .get(
                &format!("/portal/api/incidents/{}", reference_of(&ann_email)),
                &desk.ann.token,
            )
            .await;
        assert_eq!(own.status, 200, "{own:?}");
        let mut keys: Vec<&str> = own
            .body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "comments",
                "created_at",
                "description",
                "id",
                "reference",
                "service_id",
                "status",
                "title",
                "type",
                "updated_at"
            ],
            "no internal fields in the portal"
        );

        // Paging counts only visible incidents.
        let first = desk
            .get("/portal/api/incidents?limit=1", &desk.will.token)
            .await;
        let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        let second = desk
            .get(
                &format!("/portal/api/incidents?limit=1&cursor={cursor}"),
                &desk.will.token,
            )
            .await;
        assert_eq!(
            first.body["items"][0]["id"],
            json!(id_of(&will_email)),
            "newest first"
        );
        assert_eq!(second.body["items"][0]["id"], json!(id_of(&ann_email)));
        assert_eq!(
            second.body["next_cursor"],
            Value::Null,
            "two visible, no third page"
        );

        desk.server.stop().await;
    }
}

#[tokio::test]
async fn of_twenty_concurrent_patches_with_the_same_if_match_exactly_one_wins() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let incident = desk.log("Contended", Some(&desk.ann), 0).await;
        let url = format!("{}/api/incidents/{}", desk.server.base, id_of(&incident));
        let if_match = format!("\"{}\"", incident["version"]);

        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..20 {
            let request = desk
                .server
                .client
                .patch(&url)
                .bearer_auth(&desk.admin)
                .header("if-match", &if_match)
                .header("content-type", "application/json")
                .body(json!({"title": format!("Title {n}")}).to_string());
            tasks.spawn(async move { request.send().await.unwrap().status().as_u16() });
        }
        let mut statuses = tasks.join_all().await;
        statuses.sort_unstable();

        let mut expected = vec![200];
        expected.extend([409; 19]);
        assert_eq!(statuses, expected);
        let after = desk
            .get(&format!("/api/incidents/{}", id_of(&incident)), &desk.admin)
            .await;
        assert_eq!(
            after.body["version"],
            incident["version"].as_i64().unwrap() + 1
        );
        let stale = desk
            .server
            .call_with(
                Method::PATCH,
                &format!("/api/incidents/{}", reference_of(&incident)),
                Some(&desk.admin),
                Some(r#"{"status": "in_progress"}"#),
                &[("if-match", &if_match)],
            )
            .await;
        assert_eq!(stale.status, 409, "{stale:?}");
        assert_eq!(stale.body["error"]["code"], "version_conflict");
        let unguarded = desk
            .patch(
                &format!("/api/incidents/{}", reference_of(&incident)),
                &json!({"status": "in_progress"}),
            )
            .await;
        assert_eq!(
            unguarded.status, 200,
            "without If-Match the latest version is changed"
        );

        desk.server.stop().await;
    }
}

#[tokio::test]
async fn a_replayed_portal_incident_is_the_same_incident_and_a_reused_key_is_refused() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let types = desk.get("/portal/api/types", &desk.nia.token).await;
        let body = json!({"type": "issue", "service_id": desk.services[0], "title": "No mail"})
            .to_string();
        let key: &[(&str, &str)] = &[("idempotency-key", "nia-1")];
        let post = |body: String, headers| portal_post(&desk, body, headers);

        let first = post(body.clone(), key).await;
        let length = ledger_length(&database).await;
        let replay = post(body.clone(), key).await;
        let replayed_length = ledger_length(&database).await;
        let other = json!({"type": "issue", "service_id": desk.services[0], "title": "Other"});
        let reused = post(other.to_string(), key).await;
        let unkeyed = post(body.clone(), &[]).await;

        assert_eq!(types.status, 200, "{types:?}");
        assert_eq!(
            types.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["issue", "request", "question", "suggestion"]
        );
        assert_eq!(first.status, 201, "{first:?}");
        assert_eq!(first.body["reference"], "INC-1");
        assert_eq!(first.body["type"], "issue");
        assert_eq!(replay.status, 201, "{replay:?}");
        assert_eq!(replay.body["id"], first.body["id"]);
        assert_eq!(replay.body["reference"], first.body["reference"]);
        assert_eq!(replayed_length, length, "a replay appends nothing");
        assert_eq!(reused.status, 409, "{reused:?}");
        assert_eq!(reused.body["error"]["code"], "idempotency_key_reused");
        assert_eq!(
            ledger_length(&database).await,
            length + 1,
            "only the unkeyed one appended"
        );
        assert_eq!(unkeyed.status, 201, "{unkeyed:?}");
        assert_eq!(
            unkeyed.body["reference"], "INC-2",
            "the refused request took no number"
        );
        let staff = desk
            .get(
                &format!("/api/incidents/{}", reference_of(&first.body)),
                &desk.admin,
            )
            .await;
        assert_eq!(staff.body["type"], "bug", "issue maps to bug");
        assert_eq!(staff.body["customer_id"], json!(desk.nia.id));

        desk.server.stop().await;
    }
}

async fn portal_post(desk: &Desk, body: String, headers: &[(&str, &str)]) -> Answer {
    desk.server
        .call_with(
            Method::POST,
            "/portal/api/incidents",
            Some(&desk.nia.token),
            Some(&body),
            headers,
        )
        .await
}

/// One bad request: method, path, token, raw body, extra headers, then the expected status and
/// error code, and what the case shows.
struct Bad<'a> {
    method: Method,
    path: String,
    token: Option<&'a str>,
    body: Option<String>,
    headers: &'a [(&'a str, &'a str)],
    status: u16,
    code: &'a str,
    message: &'a str,
}

#[tokio::test]
async fn bad_incident_requests_get_their_documented_status_and_append_nothing() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let ann_incident = desk.log("Ann's", Some(&desk.ann), 0).await;
        let nobody = desk.log("Nobody's", None, 0).await;
        let admin = Some(desk.admin.as_str());
        let nia = Some(desk.nia.token.as_str());
        let unknown = "01900000-0000-7000-8000-000000000000";
        let email = &desk.services[0];
        let ann_path = format!("/api/incidents/{}", id_of(&ann_incident));
        let ann_portal = format!("/portal/api/incidents/{}", reference_of(&ann_incident));
        let bad =
            |method: Method, path: &str, token, body: Option<String>, status, code, message| Bad {
                method,
                path: path.to_owned(),
                token,
                body,
                headers: &[],
                status,
                code,
                message,
            };
        let new = |extra: &str| {
            Some(format!(
                r#"{{"title": "T", "type": "bug", "service_id": "{email}"{extra}}}"#
            ))
        };
        let mut cases = vec![
            bad(
                Method::POST,
                "/api/incidents",
                admin,
                Some(r#"{"title": "#.into()),
                400,
                "malformed_json",
                "malformed JSON",
            ),
            bad(
                Method::POST,
                "/api/incidents",
                admin,
                new(r#", "colour": "red""#),
                400,
                "invalid_body",
                "unknown field",
            ),
            bad(
                Method::POST,
                "/api/incidents",
                admin,
                new(r#", "show_in_portal": "yes""#),
                400,
                "invalid_body",
                "wrong type",
            ),
            bad(
                Method::POST,
                "/api/incidents",
                admin,
                Some(r#"{"title": "T", "type": "bug", "service_id": "nope"}"#.into()),
                400,
                "invalid_body",
                "bad id in the body",
            ),
            bad(
                Method::POST,
                "/api/incidents",
                admin,
                Some(format!(
                    r#"{{"title": "T", "type": "bug", "service_id": "{unknown}"}}"#
                )),
                422,
                "unknown_service",
                "foreign service id",
            ),
            bad(
                Method::POST,
                "/api/incidents",
                admin,
                new(&format!(r#", "customer_id": "{unknown}""#)),
                422,
                "unknown_customer",
                "foreign customer id",
            ),
            bad(
                Method::POST,
                "/api/incidents",
                admin,
                new(&format!(r#", "assignee_id": "{unknown}""#)),
                422,
                "unknown_user",
                "foreign assignee id",
            ),
            bad(
                Method::POST,
                "/api/incidents",
                admin,
                Some(format!(
                    r#"{{"title": " ", "type": "bug", "service_id": "{email}"}}"#
                )),
                422,
                "invalid_value",
                "blank title",
            ),
            bad(
                Method::POST,
                "/api/incidents",
                None,
                new(""),
                401,
                "not_signed_in",
                "missing sign-in",
            ),
            bad(
                Method::POST,
                "/api/incidents",
                nia,
                new(""),
                401,
                "not_signed_in",
                "a portal token on the staff API",
            ),
            bad(
                Method::GET,
                "/api/incidents/not-an-id",
                admin,
                None,
                404,
                "not_found",
                "bad id in the path",
            ),
            bad(
                Method::GET,
                "/api/incidents/INC-999",
                admin,
                None,
                404,
                "not_found",
                "unknown reference",
            ),
            bad(
                Method::GET,
                "/api/incidents?limit=many",
                admin,
                None,
                400,
                "invalid_query",
                "wrong type in the query",
            ),
            bad(
                Method::GET,
                "/api/incidents?cursor=abc",
                admin,
                None,
                400,
                "invalid_query",
                "a cursor the server never gave",
            ),
            bad(
                Method::GET,
                "/api/incidents?status=done",
                admin,
                None,
                400,
                "invalid_query",
                "unknown status filter",
            ),
            bad(
                Method::PATCH,
                &format!("/api/incidents/{unknown}"),
                admin,
                Some(r#"{"title": "X"}"#.into()),
                404,
                "not_found",
                "unknown incident",
            ),
            bad(
                Method::PATCH,
                &ann_path,
                admin,
                Some(r#"{"status": "done"}"#.into()),
                422,
                "invalid_value",
                "unknown status",
            ),
            bad(
                Method::PATCH,
                &ann_path,
                admin,
                Some(r#"{"title": 5}"#.into()),
                400,
                "invalid_body",
                "wrong type in a patch",
            ),
            bad(
                Method::PATCH,
                &ann_path,
                admin,
                Some(r#"{"show_in_portal": false, "notify_customer": true}"#.into()),
                422,
                "notify_separately",
                "notify with a visibility change",
            ),
            bad(
                Method::PATCH,
                &format!("/api/incidents/{}", id_of(&nobody)),
                admin,
                Some(r#"{"notify_customer": true}"#.into()),
                422,
                "customer_cannot_see_incident",
                "notify without a customer",
            ),
            bad(
                Method::POST,
                &format!("{ann_path}/comments"),
                admin,
                Some(r#"{"body": "  "}"#.into()),
                422,
                "invalid_value",
                "blank comment",
            ),
            bad(
                Method::POST,
                &format!("{ann_path}/comments"),
                admin,
                Some(r#"{"body": "x", "notify_customer": true}"#.into()),
                422,
                "internal_comment_never_notifies",
                "an internal comment never notifies",
            ),
            bad(
                Method::GET,
                &ann_portal,
                nia,
                None,
                404,
                "not_found",
                "someone else's incident",
            ),
            bad(
                Method::POST,
                &format!("{ann_portal}/comments"),
                nia,
                Some(r#"{"body": "Me too"}"#.into()),
                404,
                "not_found",
                "commenting on someone else's incident",
            ),
            bad(
                Method::POST,
                "/portal/api/incidents",
                nia,
                Some(format!(
                    r#"{{"type": "issue", "service_id": "{unknown}", "title": "T"}}"#
                )),
                422,
                "service_not_available",
                "a foreign service",
            ),
            bad(
                Method::POST,
                "/portal/api/incidents",
                nia,
                Some(format!(
                    r#"{{"type": "rant", "service_id": "{email}", "title": "T"}}"#
                )),
                422,
                "portal_type_unavailable",
                "an unknown portal type",
            ),
            bad(
                Method::POST,
                "/portal/api/incidents",
                nia,
                Some(format!(
                    r#"{{"type": "issue", "service_id": "{email}", "title": "T", "assignee_id": null}}"#
                )),
                400,
                "invalid_body",
                "a staff-only field",
            ),
            bad(
                Method::POST,
                "/portal/api/incidents",
                nia,
                Some("{".into()),
                400,
                "malformed_json",
                "malformed JSON in the portal",
            ),
            bad(
                Method::GET,
                "/portal/api/incidents",
                admin,
                None,
                401,
                "not_signed_in",
                "a staff token in the portal",
            ),
        ];
        // A valid body padded past the 64 KiB limit: refused before it is parsed.
        let oversized = |body: &str| {
            let padding = " ".repeat(65 * 1024);
            Some(format!("{padding}{body}"))
        };
        for (method, path, token, body, message) in [
            (
                Method::POST,
                "/api/incidents".to_owned(),
                admin,
                new("").unwrap(),
                "oversized staff incident",
            ),
            (
                Method::PATCH,
                ann_path.clone(),
                admin,
                r#"{"title": "X"}"#.to_owned(),
                "oversized patch",
            ),
            (
                Method::POST,
                format!("{ann_path}/comments"),
                admin,
                r#"{"body": "x"}"#.to_owned(),
                "oversized staff comment",
            ),
            (
                Method::POST,
                "/portal/api/incidents".to_owned(),
                nia,
                format!(r#"{{"type": "issue", "service_id": "{email}", "title": "T"}}"#),
                "oversized portal incident",
            ),
            (
                Method::POST,
                format!(
                    "/portal/api/incidents/{}/comments",
                    reference_of(&ann_incident)
                ),
                Some(desk.ann.token.as_str()),
                r#"{"body": "x"}"#.to_owned(),
                "oversized portal comment",
            ),
        ] {
            cases.push(bad(
                method,
                &path,
                token,
                oversized(&body),
                413,
                "body_too_large",
                message,
            ));
        }
        cases.push(Bad {
            headers: &[("if-match", "yesterday")],
            ..bad(
                Method::PATCH,
                &ann_path,
                admin,
                Some(r#"{"title": "X"}"#.into()),
                400,
                "invalid_if_match",
                "a malformed If-Match",
            )
        });
        cases.push(Bad {
            headers: &[("idempotency-key", "")],
            ..bad(
                Method::POST,
                "/portal/api/incidents",
                nia,
                Some(format!(
                    r#"{{"type": "issue", "service_id": "{email}", "title": "T"}}"#
                )),
                400,
                "invalid_idempotency_key",
                "an empty Idempotency-Key",
            )
        });

        for case in cases {
            let before = ledger_length(&database).await;

            let answer = desk
                .server
                .call_with(
                    case.method,
                    &case.path,
                    case.token,
                    case.body.as_deref(),
                    case.headers,
                )
                .await;

            let message = case.message;
            assert_eq!(answer.status, case.status, "{message}: {answer:?}");
            assert_eq!(
                answer.body["error"]["code"], case.code,
                "{message}: {answer:?}"
            );
            assert_eq!(
                ledger_length(&database).await,
                before,
                "{message}: nothing appended"
            );
        }
        let next = desk.log("After the bad ones", None, 0).await;
        assert_eq!(
            next["reference"], "INC-3",
            "refused requests took no reference"
        );

        desk.server.stop().await;
    }
}

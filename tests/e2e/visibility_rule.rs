//! Each consequence of the visibility rule (DESIGN §3.1) as its own test, through HTTP only, on
//! both backends, checked right after the change that brings it about.
//!
//! The directory is `incidents::Desk`: Acme and Globex on Email and Network; Ann (Acme, own
//! incidents, both services), Will (Acme, company-wide, Email only), Gus (Globex, company-wide,
//! both services) and Nia (no company, both services).

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::both_backends;
use crate::incidents::{Customer, Desk, customer, id_of, reference_of, visible};
use crate::serve::{Answer, ledger_length, sorted};

impl Desk {
    /// A customer's portal detail of the incident.
    async fn portal_detail(&self, customer: &Customer, key: &str) -> Answer {
        self.get(&format!("/portal/api/incidents/{key}"), &customer.token)
            .await
    }

    /// An admin's change that must succeed.
    async fn change(&self, method: Method, path: &str, body: &Value) -> Answer {
        let text = body.to_string();
        let answer = self
            .server
            .call(method, path, Some(&self.admin), Some(&text))
            .await;
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
        answer
    }

    /// The Acme company's id, read from one of its customers.
    async fn company_of(&self, customer: &Customer) -> String {
        let me = self.get("/portal/api/me", &customer.token).await;
        assert_eq!(me.status, 200, "{me:?}");
        me.body["company_id"].as_str().unwrap().to_owned()
    }
}

/// Asserts the customer gets the not-found answer for each key, exactly as for a missing one.
async fn assert_hidden(desk: &Desk, customer: &Customer, incident: &Value, message: &str) {
    let missing = desk.portal_detail(customer, "INC-9999").await;
    assert_eq!(missing.status, 404);
    for key in [id_of(incident), reference_of(incident)] {
        let answer = desk.portal_detail(customer, &key).await;
        assert_eq!(answer.status, 404, "{message} ({key}): {answer:?}");
        assert_eq!(
            answer.body, missing.body,
            "{message}: same answer as missing"
        );
    }
}

#[tokio::test]
async fn customers_of_different_companies_never_see_each_others_incidents() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        // Both companies hold both services, and Will and Gus see company-wide.
        let ann_email = desk.log("Ann's mail", Some(&desk.ann), 0).await;
        let will_email = desk.log("Will's mail", Some(&desk.will), 0).await;
        let gus_email = desk.log("Gus's mail", Some(&desk.gus), 0).await;
        let gus_network = desk.log("Gus's network", Some(&desk.gus), 1).await;

        assert_eq!(
            visible(&desk, &desk.gus).await,
            sorted(vec![id_of(&gus_email), id_of(&gus_network)])
        );
        assert_eq!(
            visible(&desk, &desk.will).await,
            sorted(vec![id_of(&ann_email), id_of(&will_email)])
        );
        assert_eq!(visible(&desk, &desk.ann).await, vec![id_of(&ann_email)]);
        for incident in [&ann_email, &will_email] {
            assert_hidden(&desk, &desk.gus, incident, "Acme's, to Globex").await;
        }
        for customer in [&desk.ann, &desk.will] {
            assert_hidden(&desk, customer, &gus_email, "Globex's, to Acme").await;
        }

        desk.server.stop().await;
    }
}

#[tokio::test]
async fn customers_without_a_company_see_only_their_own_incidents() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        // Another customer without a company, on the same services.
        let both = json!(desk.services);
        let noa = customer(&desk.server, &desk.admin, "noa", Value::Null, false, &both).await;
        let nia_email = desk.log("Nia's mail", Some(&desk.nia), 0).await;
        let noa_email = desk.log("Noa's mail", Some(&noa), 0).await;
        let nobodys = desk.log("Nobody's", None, 0).await;
        let ann_email = desk.log("Ann's mail", Some(&desk.ann), 0).await;

        assert_eq!(visible(&desk, &desk.nia).await, vec![id_of(&nia_email)]);
        assert_eq!(visible(&desk, &noa).await, vec![id_of(&noa_email)]);
        for incident in [&noa_email, &nobodys, &ann_email] {
            assert_hidden(&desk, &desk.nia, incident, "not Nia's own").await;
        }

        desk.server.stop().await;
    }
}

#[tokio::test]
async fn a_company_losing_a_service_hides_its_incidents_from_all_its_customers_at_once() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let ann_email = desk.log("Ann's mail", Some(&desk.ann), 0).await;
        let ann_network = desk.log("Ann's network", Some(&desk.ann), 1).await;
        let will_email = desk.log("Will's mail", Some(&desk.will), 0).await;
        let acme = desk.company_of(&desk.ann).await;
        let acme_services = format!("/api/companies/{acme}/services");

        desk.change(
            Method::PUT,
            &acme_services,
            &json!({"services": [desk.services[1]]}),
        )
        .await;

        // The very next reads, by every Acme customer, lack every Email incident.
        assert_eq!(visible(&desk, &desk.ann).await, vec![id_of(&ann_network)]);
        assert_eq!(visible(&desk, &desk.will).await, Vec::<String>::new());
        for customer in [&desk.ann, &desk.will] {
            for incident in [&ann_email, &will_email] {
                assert_hidden(&desk, customer, incident, "Email left Acme").await;
            }
        }
        let services = desk.get("/portal/api/services", &desk.ann.token).await;
        assert_eq!(services.body["items"].as_array().unwrap().len(), 1);

        // Given back, the incidents are visible again: nothing was lost.
        desk.change(
            Method::PUT,
            &acme_services,
            &json!({"services": desk.services}),
        )
        .await;
        assert_eq!(
            visible(&desk, &desk.will).await,
            sorted(vec![id_of(&ann_email), id_of(&will_email)])
        );

        desk.server.stop().await;
    }
}

#[tokio::test]
async fn a_customer_moved_to_another_company_leaves_the_old_companys_incidents_behind() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let ann_email = desk.log("Ann's mail", Some(&desk.ann), 0).await;
        let acme = desk.company_of(&desk.ann).await;
        let globex = desk.company_of(&desk.gus).await;

        desk.change(
            Method::PATCH,
            &format!("/api/customers/{}", desk.ann.id),
            &json!({"company_id": globex}),
        )
        .await;

        assert_eq!(
            visible(&desk, &desk.ann).await,
            Vec::<String>::new(),
            "Ann no longer sees what she logged under Acme"
        );
        assert_hidden(&desk, &desk.ann, &ann_email, "logged under the old company").await;
        assert_eq!(
            visible(&desk, &desk.will).await,
            vec![id_of(&ann_email)],
            "Acme keeps the incident"
        );
        assert_eq!(visible(&desk, &desk.gus).await, Vec::<String>::new());
        let staff = desk
            .get(
                &format!("/api/incidents/{}", id_of(&ann_email)),
                &desk.admin,
            )
            .await;
        assert_eq!(staff.body["company_id"], json!(acme), "the company stays");

        // What Ann logs now belongs to Globex.
        let later = desk.log("Ann's later mail", Some(&desk.ann), 0).await;
        assert_eq!(later["company_id"], json!(globex));
        assert_eq!(visible(&desk, &desk.gus).await, vec![id_of(&later)]);

        // The incident's company changes when, and only when, its customer changes.
        let titled = desk
            .change(
                Method::PATCH,
                &format!("/api/incidents/{}", id_of(&ann_email)),
                &json!({"title": "Ann's mail, renamed"}),
            )
            .await;
        assert_eq!(titled.body["company_id"], json!(acme));
        let given = desk
            .change(
                Method::PATCH,
                &format!("/api/incidents/{}", id_of(&ann_email)),
                &json!({"customer_id": desk.gus.id}),
            )
            .await;
        assert_eq!(given.body["company_id"], json!(globex));
        assert_eq!(visible(&desk, &desk.will).await, Vec::<String>::new());
        assert_eq!(
            visible(&desk, &desk.gus).await,
            sorted(vec![id_of(&ann_email), id_of(&later)])
        );

        desk.server.stop().await;
    }
}

#[tokio::test]
async fn revoking_portal_access_ends_every_session_of_the_customer_at_once() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let second_session = desk
            .server
            .token(
                "/portal/api/session",
                "ann@example.com",
                "customer password",
            )
            .await;
        let will_before = desk.get("/portal/api/me", &desk.will.token).await;
        assert_eq!(will_before.status, 200);

        desk.change(
            Method::PATCH,
            &format!("/api/customers/{}", desk.ann.id),
            &json!({"portal_access": false}),
        )
        .await;

        for token in [&desk.ann.token, &second_session] {
            for path in ["/portal/api/me", "/portal/api/incidents"] {
                let answer = desk.get(path, token).await;
                assert_eq!(answer.status, 401, "{path}: {answer:?}");
                assert_eq!(answer.body["error"]["code"], "not_signed_in");
            }
        }
        let again = desk
            .server
            .sign_in(
                "/portal/api/session",
                "ann@example.com",
                "customer password",
            )
            .await;
        assert_eq!(again.status, 401, "no new session: {again:?}");
        let will_after = desk.get("/portal/api/me", &desk.will.token).await;
        assert_eq!(will_after.status, 200, "a colleague's session is untouched");

        // Access given back does not revive the old sessions; signing in works again.
        desk.change(
            Method::PATCH,
            &format!("/api/customers/{}", desk.ann.id),
            &json!({"portal_access": true}),
        )
        .await;
        let old = desk.get("/portal/api/me", &desk.ann.token).await;
        assert_eq!(old.status, 401, "{old:?}");
        desk.server
            .token(
                "/portal/api/session",
                "ann@example.com",
                "customer password",
            )
            .await;

        desk.server.stop().await;
    }
}

#[tokio::test]
async fn hiding_an_incident_from_the_portal_hides_it_from_everyone_its_customer_too() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let ann_email = desk.log("Ann's mail", Some(&desk.ann), 0).await;
        let ann_network = desk.log("Ann's network", Some(&desk.ann), 1).await;
        let will_email = desk.log("Will's mail", Some(&desk.will), 0).await;

        let hidden = desk
            .change(
                Method::PATCH,
                &format!("/api/incidents/{}", id_of(&ann_email)),
                &json!({"show_in_portal": false}),
            )
            .await;

        assert_eq!(hidden.body["shown_in_portal"], false);
        assert_eq!(visible(&desk, &desk.ann).await, vec![id_of(&ann_network)]);
        assert_eq!(visible(&desk, &desk.will).await, vec![id_of(&will_email)]);
        for customer in [&desk.ann, &desk.will] {
            assert_hidden(&desk, customer, &ann_email, "hidden from the portal").await;
        }
        let comment = desk
            .server
            .post(
                &format!("/portal/api/incidents/{}/comments", id_of(&ann_email)),
                Some(&desk.ann.token),
                &json!({"body": "Hello?"}),
            )
            .await;
        assert_eq!(comment.status, 404, "{comment:?}");
        let staff = desk
            .get(
                &format!("/api/incidents/{}", id_of(&ann_email)),
                &desk.admin,
            )
            .await;
        assert_eq!(staff.status, 200, "staff still see it");

        desk.server.stop().await;
    }
}

#[tokio::test]
async fn an_incident_a_customer_cannot_see_answers_exactly_like_one_that_does_not_exist() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let gus_email = desk.log("Gus's mail", Some(&desk.gus), 0).await;
        let ann_email = desk.log("Ann's mail", Some(&desk.ann), 0).await;
        let missing_id = "01900000-0000-7000-8000-000000000000";
        let before = ledger_length(&database).await;

        // Detail and comment, by id and by reference, against a missing incident's answers.
        for (method, suffix, body) in [
            (Method::GET, "", None),
            (Method::POST, "/comments", Some(r#"{"body": "Me too"}"#)),
        ] {
            let missing = desk
                .server
                .call(
                    method.clone(),
                    &format!("/portal/api/incidents/{missing_id}{suffix}"),
                    Some(&desk.ann.token),
                    body,
                )
                .await;
            assert_eq!(missing.status, 404, "{missing:?}");
            for key in [id_of(&gus_email), reference_of(&gus_email)] {
                let answer = desk
                    .server
                    .call(
                        method.clone(),
                        &format!("/portal/api/incidents/{key}{suffix}"),
                        Some(&desk.ann.token),
                        body,
                    )
                    .await;
                assert_eq!(answer.status, missing.status, "{method} {key}{suffix}");
                assert_eq!(answer.body, missing.body, "{method} {key}{suffix}");
            }
        }
        assert_eq!(ledger_length(&database).await, before, "nothing appended");

        // Lists and pages never count it: one visible incident, one page, no cursor.
        let page = desk
            .get("/portal/api/incidents?limit=1", &desk.ann.token)
            .await;
        assert_eq!(page.status, 200, "{page:?}");
        assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(page.body["items"][0]["id"], json!(id_of(&ann_email)));
        assert_eq!(page.body["next_cursor"], Value::Null);
        assert!(
            !page.body.to_string().contains("Gus's mail"),
            "{}",
            page.body
        );

        desk.server.stop().await;
    }
}

#[tokio::test]
async fn internal_comments_never_reach_a_customer_by_any_path() {
    for database in both_backends().await {
        let desk = Desk::open(&database).await;
        let incident = desk.log("Printer", Some(&desk.ann), 0).await;
        let path = format!("/api/incidents/{}/comments", id_of(&incident));

        let internal = desk
            .server
            .post(
                &path,
                Some(&desk.admin),
                &json!({"body": "INTERNAL: the customer is wrong"}),
            )
            .await;
        let public = desk
            .server
            .post(
                &path,
                Some(&desk.admin),
                &json!({"body": "We are on it", "public": true}),
            )
            .await;
        let reply = desk
            .server
            .post(
                &format!("/portal/api/incidents/{}/comments", reference_of(&incident)),
                Some(&desk.ann.token),
                &json!({"body": "Thanks"}),
            )
            .await;

        assert_eq!(internal.status, 201, "{internal:?}");
        assert_eq!(
            internal.body["public"], false,
            "comments are internal by default"
        );
        assert_eq!(public.status, 201, "{public:?}");
        assert_eq!(reply.status, 201, "{reply:?}");
        assert_eq!(reply.body["public"], true);
        let staff = desk
            .get(&format!("/api/incidents/{}", id_of(&incident)), &desk.admin)
            .await;
        assert_eq!(staff.body["comments"].as_array().unwrap().len(), 3);
        for customer in [&desk.ann, &desk.will] {
            let detail = desk
                .get(
                    &format!("/portal/api/incidents/{}", id_of(&incident)),
                    &customer.token,
                )
                .await;
            let list = desk.get("/portal/api/incidents", &customer.token).await;
            for answer in [&detail.body, &list.body] {
                let text = answer.to_string();
                assert!(text.contains("We are on it"), "{text}");
                assert!(
                    !text.contains("INTERNAL"),
                    "an internal comment leaked: {text}"
                );
            }
            assert_eq!(detail.body["comments"].as_array().unwrap().len(), 2);
        }

        // Notifying the customer is refused when they cannot see the incident.
        let hidden = desk.log("Hidden one", Some(&desk.nia), 0).await;
        let hide = desk
            .patch(
                &format!("/api/incidents/{}", id_of(&hidden)),
                &json!({"show_in_portal": false}),
            )
            .await;
        assert_eq!(hide.status, 200);
        let before = ledger_length(&database).await;
        let refused = desk
            .server
            .post(
                &format!("/api/incidents/{}/comments", id_of(&hidden)),
                Some(&desk.admin),
                &json!({"body": "Done", "public": true, "notify_customer": true}),
            )
            .await;
        assert_eq!(refused.status, 422, "{refused:?}");
        assert_eq!(
            refused.body["error"]["code"],
            "customer_cannot_see_incident"
        );
        assert_eq!(ledger_length(&database).await, before, "nothing appended");
        let notified = desk
            .patch(
                &format!("/api/incidents/{}", id_of(&incident)),
                &json!({"status": "resolved", "notify_customer": true}),
            )
            .await;
        assert_eq!(notified.status, 200, "{notified:?}");
        assert_eq!(notified.body["status"], "resolved");
        assert_eq!(
            ledger_length(&database).await,
            before + 2,
            "status changed and notification requested"
        );

        desk.server.stop().await;
    }
}

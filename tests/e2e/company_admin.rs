//! Company admins over HTTP on both backends: they list and add colleagues and set their access
//! and services within their own company, and nothing outside it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::both_backends;
use crate::serve::{Answer, Server, ledger_length};

/// One request: method, path, token, raw body (empty for none), then the expected status and
/// error code, and what the case shows.
type Case<'a> = (
    Method,
    String,
    Option<&'a str>,
    String,
    u16,
    &'a str,
    &'a str,
);

#[tokio::test]
async fn a_company_admin_manages_colleagues_within_their_company_only() {
    for database in both_backends().await {
        let server = Server::start(&database).await;
        let admin = server.first_admin(&database).await;
        let mut services = Vec::new();
        for name in ["Email", "Network", "Printing"] {
            let created = server
                .post("/api/services", Some(&admin), &json!({"name": name}))
                .await;
            services.push(created.body["id"].as_str().unwrap().to_owned());
        }
        let [email, network, printing] = [&services[0], &services[1], &services[2]];
        let acme = id_of(
            &server
                .post(
                    "/api/companies",
                    Some(&admin),
                    &json!({"name": "Acme", "services": [email, network]}),
                )
                .await,
        );
        let globex = id_of(
            &server
                .post(
                    "/api/companies",
                    Some(&admin),
                    &json!({"name": "Globex", "services": [email, network]}),
                )
                .await,
        );
        let customer = |name: &str, company: &str, company_admin: bool| {
            json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()),
                   "company_id": company, "portal_access": true,
                   "password": "customer password", "company_admin": company_admin,
                   "services": [email]})
        };
        for body in [
            customer("Ann", &acme, true),
            customer("Bob", &acme, false),
            customer("Gus", &globex, false),
        ] {
            let created = server.post("/api/customers", Some(&admin), &body).await;
            assert_eq!(created.status, 201, "{created:?}");
        }
        let ann = server
            .token(
                "/portal/api/session",
                "ann@example.com",
                "customer password",
            )
            .await;
        let bob = server
            .token(
                "/portal/api/session",
                "bob@example.com",
                "customer password",
            )
            .await;
        let gus = server
            .token(
                "/portal/api/session",
                "gus@example.com",
                "customer password",
            )
            .await;
        let gus_id = me(&server, &gus).await;

        let added = server
            .post(
                "/portal/api/company/customers",
                Some(&ann),
                &json!({"name": "Carl", "email": "carl@example.com", "portal_access": true,
                        "services": [email]}),
            )
            .await;
        let carl = id_of(&added);
        let carl_path = format!("/portal/api/company/customers/{carl}");
        let widened = patch(
            &server,
            &ann,
            &carl_path,
            json!({"services": [email, network]}),
        )
        .await;
        let revoked = patch(&server, &ann, &carl_path, json!({"portal_access": false})).await;
        let listed = server
            .call(
                Method::GET,
                "/portal/api/company/customers",
                Some(&ann),
                None,
            )
            .await;

        assert_eq!(added.status, 201, "{added:?}");
        assert_eq!(added.body["company_id"], acme.as_str());
        assert_eq!(added.body["company_admin"], false);
        assert_eq!(added.body["see_company_incidents"], false);
        assert_eq!(added.body["services"], json!([email]));
        assert_eq!(widened.status, 200, "{widened:?}");
        let mut both = vec![email.clone(), network.clone()];
        both.sort();
        assert_eq!(widened.body["services"], json!(both));
        assert_eq!(revoked.status, 200, "{revoked:?}");
        assert_eq!(revoked.body["portal_access"], false);

        // A company admin revoking a colleague's access ends their sessions for good.
        let bob_path = format!("/portal/api/company/customers/{}", me(&server, &bob).await);
        let bob_off = patch(&server, &ann, &bob_path, json!({"portal_access": false})).await;
        let bob_on = patch(&server, &ann, &bob_path, json!({"portal_access": true})).await;
        let bob_old = server
            .call(Method::GET, "/portal/api/me", Some(&bob), None)
            .await;
        assert_eq!(bob_off.status, 200, "{bob_off:?}");
        assert_eq!(bob_on.status, 200, "{bob_on:?}");
        assert_eq!(
            bob_old.status, 401,
            "the old session stays ended: {bob_old:?}"
        );
        let bob = server
            .token(
                "/portal/api/session",
                "bob@example.com",
                "customer password",
            )
            .await;
        assert_eq!(listed.status, 200, "{listed:?}");
        let names: Vec<&str> = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|customer| customer["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Ann", "Bob", "Carl"], "Globex's Gus is not listed");
        assert!(!listed.body.to_string().contains("password"));

        let gus_path = format!("/portal/api/company/customers/{gus_id}");
        let unknown = "/portal/api/company/customers/0190a0a0-0000-7000-8000-000000000000";
        let new = |changes: Value| {
            let mut body = json!({"name": "Dee", "email": "dee@example.com",
                                  "portal_access": true, "services": [email]});
            for (key, value) in changes.as_object().unwrap() {
                body[key] = value.clone();
            }
            body.to_string()
        };
        let cases: Vec<Case<'_>> = vec![
            (
                Method::PATCH,
                gus_path.clone(),
                Some(&ann),
                json!({"portal_access": false}).to_string(),
                404,
                "not_found",
                "a customer of another company",
            ),
            (
                Method::PATCH,
                gus_path.clone(),
                Some(&ann),
                json!({"services": [printing]}).to_string(),
                404,
                "not_found",
                "another company's customer, whatever the body",
            ),
            (
                Method::PATCH,
                unknown.to_owned(),
                Some(&ann),
                json!({"portal_access": true}).to_string(),
                404,
                "not_found",
                "a customer that does not exist",
            ),
            (
                Method::PATCH,
                carl_path.clone(),
                Some(&ann),
                json!({"services": [printing]}).to_string(),
                422,
                "service_not_in_company",
                "a service outside the company",
            ),
            (
                Method::PATCH,
                carl_path.clone(),
                Some(&ann),
                json!({"company_admin": true}).to_string(),
                400,
                "invalid_body",
                "company admins cannot grant company admin",
            ),
            (
                Method::PATCH,
                carl_path.clone(),
                Some(&ann),
                json!({"portal_access": true, "send_welcome_email": true}).to_string(),
                422,
                "welcome_email_unavailable",
                "welcome emails before the notifier",
            ),
            (
                Method::POST,
                "/portal/api/company/customers".to_owned(),
                Some(&ann),
                new(json!({"services": [printing]})),
                422,
                "service_not_in_company",
                "a new colleague on a service outside the company",
            ),
            (
                Method::POST,
                "/portal/api/company/customers".to_owned(),
                Some(&ann),
                new(json!({"see_company_incidents": true})),
                400,
                "invalid_body",
                "company-wide visibility is not theirs to grant",
            ),
            (
                Method::POST,
                "/portal/api/company/customers".to_owned(),
                Some(&ann),
                new(json!({"email": "gus@example.com"})),
                409,
                "email_taken",
                "a taken email",
            ),
            (
                Method::POST,
                "/portal/api/company/customers".to_owned(),
                Some(&ann),
                new(json!({"send_welcome_email": true})),
                422,
                "welcome_email_unavailable",
                "a welcome email before the notifier",
            ),
            (
                Method::POST,
                "/portal/api/company/customers".to_owned(),
                Some(&ann),
                new(json!({"name": "  "})),
                422,
                "invalid_value",
                "a blank name",
            ),
            (
                Method::POST,
                "/portal/api/company/customers".to_owned(),
                Some(&ann),
                "{\"name\": ".to_owned(),
                400,
                "malformed_json",
                "malformed JSON",
            ),
            (
                Method::POST,
                "/portal/api/company/customers".to_owned(),
                Some(&bob),
                new(json!({})),
                403,
                "forbidden",
                "a customer who is not a company admin",
            ),
            (
                Method::GET,
                "/portal/api/company/customers".to_owned(),
                Some(&bob),
                String::new(),
                403,
                "forbidden",
                "a plain customer lists colleagues",
            ),
            (
                Method::PATCH,
                carl_path.clone(),
                Some(&admin),
                json!({"portal_access": true}).to_string(),
                401,
                "not_signed_in",
                "a staff token in the portal",
            ),
        ];
        let before = ledger_length(&database).await;

        for (method, path, token, body, status, code, message) in cases {
            let body = (!body.is_empty()).then_some(body);
            let answer = server.call(method, &path, token, body.as_deref()).await;
            assert_eq!(answer.status, status, "{message}: {answer:?}");
            assert_eq!(answer.body["error"]["code"], code, "{message}");
        }

        assert_eq!(
            ledger_length(&database).await,
            before,
            "bad requests append nothing"
        );
        server.stop().await;
    }
}

async fn patch(server: &Server, token: &str, path: &str, body: Value) -> Answer {
    server
        .call(Method::PATCH, path, Some(token), Some(&body.to_string()))
        .await
}

async fn me(server: &Server, token: &str) -> String {
    let answer = server
        .call(Method::GET, "/portal/api/me", Some(token), None)
        .await;
    answer.body["id"].as_str().unwrap().to_owned()
}

fn id_of(answer: &Answer) -> String {
    assert!(answer.status < 300, "{answer:?}");
    answer.body["id"].as_str().unwrap().to_owned()
}

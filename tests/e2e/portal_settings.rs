//! Portal settings over HTTP on both backends: admins read and set them, the portal offers only
//! enabled types, agents and customers are refused, and bad settings change nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::both_backends;
use crate::serve::{Server, ledger_length};

#[tokio::test]
async fn portal_settings_round_trip_and_a_disabled_type_leaves_the_portal() {
    for database in both_backends().await {
        let server = Server::start(&database).await;
        let admin = server.first_admin(&database).await;
        let agent_body = json!({"name": "Alex Agent", "email": "alex@provider.example",
                                "role": "agent", "password": "agent password"});
        let agent = server.post("/api/users", Some(&admin), &agent_body).await;
        let agent_id = agent.body["id"].as_str().unwrap().to_owned();
        let customer_body = json!({"name": "Nia", "email": "nia@example.com",
                                   "portal_access": true, "password": "customer password"});
        let created = server
            .post("/api/customers", Some(&admin), &customer_body)
            .await;
        assert_eq!(created.status, 201, "{created:?}");
        let customer = server
            .token(
                "/portal/api/session",
                "nia@example.com",
                "customer password",
            )
            .await;

        let defaults = server
            .call(Method::GET, "/api/portal-settings", Some(&admin), None)
            .await;
        let wanted = json!({
            "name": "Acme Support", "background_colour": "#112233",
            "logo_url": "https://support.example.com/logo.png", "default_assignee_id": agent_id,
            "portal_types": [
                {"name": "issue", "label": "Issue", "incident_type": "bug", "enabled": false},
                {"name": "outage", "label": "Outage", "incident_type": "major_incident",
                 "enabled": true}
            ]
        });
        let set = put_settings(&server, &admin, &wanted.to_string()).await;
        let read_back = server
            .call(Method::GET, "/api/portal-settings", Some(&admin), None)
            .await;
        let types = server
            .call(Method::GET, "/portal/api/types", Some(&customer), None)
            .await;
        let length = ledger_length(&database).await;
        let again = put_settings(&server, &admin, &wanted.to_string()).await;

        assert_eq!(defaults.status, 200, "{defaults:?}");
        assert_eq!(defaults.body["name"], Value::Null);
        assert_eq!(defaults.body["default_assignee_id"], Value::Null);
        let default_types: Vec<(&str, &str, bool)> = defaults.body["portal_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let name = t["name"].as_str().unwrap();
                (
                    name,
                    t["incident_type"].as_str().unwrap(),
                    t["enabled"] == true,
                )
            })
            .collect();
        assert_eq!(
            default_types,
            [
                ("issue", "bug", true),
                ("request", "service_request", true),
                ("question", "query", true),
                ("suggestion", "feedback", true)
            ]
        );
        assert_eq!(set.0, 200, "{set:?}");
        assert_eq!(set.1, read_back.body, "the answer is what a read gives");
        assert_eq!(read_back.body["name"], "Acme Support");
        assert_eq!(read_back.body["background_colour"], "#112233");
        assert_eq!(
            read_back.body["logo_url"],
            "https://support.example.com/logo.png"
        );
        assert_eq!(read_back.body["default_assignee_id"], agent_id.as_str());
        let names: Vec<&str> = read_back.body["portal_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["issue", "request", "question", "suggestion", "outage"],
            "types not listed stay; new ones come last"
        );
        assert_eq!(read_back.body["portal_types"][0]["enabled"], false);
        assert_eq!(types.status, 200, "{types:?}");
        let offered: Vec<&str> = types.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(offered, ["request", "question", "suggestion", "outage"]);
        assert_eq!(again.0, 200);
        assert_eq!(
            ledger_length(&database).await,
            length,
            "the same settings append nothing"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn only_admins_set_portal_settings_and_bad_settings_append_nothing() {
    for database in both_backends().await {
        let server = Server::start(&database).await;
        let admin = server.first_admin(&database).await;
        let agent_body = json!({"name": "Alex Agent", "email": "alex@provider.example",
                                "role": "agent", "password": "agent password"});
        assert_eq!(
            server
                .post("/api/users", Some(&admin), &agent_body)
                .await
                .status,
            201
        );
        let agent = server
            .token("/api/session", "alex@provider.example", "agent password")
            .await;
        let settings = |changes: Value| {
            let mut body = json!({"name": null, "background_colour": null, "logo_url": null,
                                  "default_assignee_id": null, "portal_types": []});
            for (key, value) in changes.as_object().unwrap() {
                body[key] = value.clone();
            }
            body.to_string()
        };
        let unknown_user = "0190a0a0-0000-7000-8000-000000000000";
        let valid = settings(json!({}));
        let cases: Vec<(Option<&str>, String, u16, &str, &str)> = vec![
            (Some(&agent), valid.clone(), 403, "forbidden", "an agent"),
            (None, valid.clone(), 401, "not_signed_in", "no sign-in"),
            (
                Some(&admin),
                "{\"name\": ".into(),
                400,
                "malformed_json",
                "malformed JSON",
            ),
            (
                Some(&admin),
                "{}".into(),
                400,
                "invalid_body",
                "missing fields",
            ),
            (
                Some(&admin),
                settings(json!({"colour": "#000000"})),
                400,
                "invalid_body",
                "an unknown field",
            ),
            (
                Some(&admin),
                settings(json!({"background_colour": "red"})),
                422,
                "invalid_value",
                "a colour that is not #rrggbb",
            ),
            (
                Some(&admin),
                settings(json!({"logo_url": "javascript:alert(1)"})),
                422,
                "invalid_value",
                "a logo that is not an http URL",
            ),
            (
                Some(&admin),
                settings(json!({"default_assignee_id": unknown_user})),
                422,
                "unknown_user",
                "an unknown default assignee",
            ),
            (
                Some(&admin),
                settings(json!({"default_assignee_id": "nobody"})),
                400,
                "invalid_body",
                "an assignee id that is not a UUID",
            ),
            (
                Some(&admin),
                settings(json!({"portal_types": [
                    {"name": "outage", "label": "Outage", "incident_type": "bug", "enabled": true},
                    {"name": "outage", "label": "Again", "incident_type": "bug", "enabled": true}
                ]})),
                422,
                "duplicate_portal_type",
                "a portal type listed twice",
            ),
            (
                Some(&admin),
                settings(json!({"portal_types": [
                    {"name": "Bad Name!", "label": "X", "incident_type": "bug", "enabled": true}
                ]})),
                422,
                "invalid_value",
                "a portal type name that is not a machine name",
            ),
            (
                Some(&admin),
                settings(json!({"name": "Acme", "portal_types": [
                    {"name": "outage", "label": "Outage", "incident_type": "bug"}
                ]})),
                400,
                "invalid_body",
                "a portal type without enabled",
            ),
        ];
        let before = ledger_length(&database).await;

        for (token, body, status, code, message) in cases {
            let answer = server
                .call(Method::PUT, "/api/portal-settings", token, Some(&body))
                .await;
            assert_eq!(answer.status, status, "{message}: {answer:?}");
            assert_eq!(answer.body["error"]["code"], code, "{message}");
        }
        let agent_read = server
            .call(Method::GET, "/api/portal-settings", Some(&agent), None)
            .await;

        assert_eq!(agent_read.status, 403);
        assert_eq!(
            ledger_length(&database).await,
            before,
            "bad requests append nothing"
        );
        server.stop().await;
    }
}

async fn put_settings(server: &Server, admin: &str, body: &str) -> (u16, Value) {
    let answer = server
        .call(Method::PUT, "/api/portal-settings", Some(admin), Some(body))
        .await;
    (answer.status, answer.body)
}

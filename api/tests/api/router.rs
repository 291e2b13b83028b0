//! What the router itself answers, whatever the handler: unknown paths and methods, requests
//! without a sign-in, oversized bodies and unknown fields, each as the documented envelope and
//! each changing nothing.

use axum::http::Method;
use serde_json::{Value, json};

use crate::app::{Answer, TestApp};

fn code(answer: &Answer) -> &Value {
    &answer.body["error"]["code"]
}

#[tokio::test]
async fn an_unknown_path_answers_404_in_the_envelope() {
    let app = TestApp::start().await;

    let answer = app
        .call(Method::GET, "/api/no-such-thing", None, None)
        .await;

    assert_eq!(answer.status, 404);
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        answer.body,
        json!({"error": {"code": "not_found", "message": "not found"}})
    );
}

#[tokio::test]
async fn a_known_path_with_another_method_answers_405_in_the_envelope() {
    let app = TestApp::start().await;

    let answer = app.call(Method::DELETE, "/api/services", None, None).await;

    assert_eq!(answer.status, 405);
    assert_eq!(code(&answer), "method_not_allowed");
}

#[tokio::test]
async fn staff_and_portal_paths_answer_401_without_a_sign_in() {
    let app = TestApp::start().await;
    let cases = [
        (Method::GET, "/api/incidents", "staff incident list"),
        (Method::GET, "/api/audit/events", "audit feed"),
        (Method::GET, "/portal/api/incidents", "portal incident list"),
        (Method::GET, "/portal/api/me", "portal me"),
    ];

    for (method, path, case) in cases {
        let answer = app.call(method, path, None, None).await;

        assert_eq!(answer.status, 401, "{case}");
        assert_eq!(code(&answer), "not_signed_in", "{case}");
        assert!(answer.body["error"]["message"].is_string(), "{case}");
    }
}

#[tokio::test]
async fn a_staff_token_does_not_open_the_portal() {
    let app = TestApp::start().await;
    let admin = app.first_admin().await;

    let answer = app
        .call(Method::GET, "/portal/api/incidents", Some(&admin), None)
        .await;

    assert_eq!(answer.status, 401);
    assert_eq!(code(&answer), "not_signed_in");
}

#[tokio::test]
async fn an_oversized_body_answers_413_and_creates_nothing() {
    let app = TestApp::start().await;
    let admin = app.first_admin().await;
    let oversized = json!({"name": "x".repeat(70 * 1024)}).to_string();

    let answer = app.create_service(&admin, &oversized).await;

    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(code(&answer), "body_too_large");
    let services = app.list_services(&admin).await;
    assert_eq!(services.body["items"], json!([]), "no service was created");
}

#[tokio::test]
async fn an_unknown_field_answers_400_and_creates_nothing() {
    let app = TestApp::start().await;
    let admin = app.first_admin().await;

    let answer = app
        .create_service(&admin, r#"{"name": "Email", "colour": "red"}"#)
        .await;

    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(code(&answer), "invalid_body");
    let message = answer.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("colour"),
        "the message names the field: {message}"
    );
    let services = app.list_services(&admin).await;
    assert_eq!(services.body["items"], json!([]), "no service was created");
}

#[tokio::test]
async fn a_well_formed_body_creates_the_service_the_document_describes() {
    let app = TestApp::start().await;
    let admin = app.first_admin().await;

    let answer = app.create_service(&admin, r#"{"name": "Email"}"#).await;

    assert_eq!(answer.status, 201, "{answer:?}");
    let document = app.openapi().await.body;
    let service = &document["components"]["schemas"]["Service"];
    let mut fields: Vec<&String> = service["properties"].as_object().unwrap().keys().collect();
    let mut answered: Vec<&String> = answer.body.as_object().unwrap().keys().collect();
    fields.sort();
    answered.sort();
    assert_eq!(answered, fields, "the answer has the documented fields");
    let services = app.list_services(&admin).await;
    assert_eq!(
        services.body["items"][0]["name"], "Email",
        "read-your-writes"
    );
}

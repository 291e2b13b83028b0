//! `GET /api/openapi.json` against the router it describes: every documented operation is
//! served, no other method is, what the router answers is among the documented responses, every
//! failure is the error envelope with its codes, and `docs/API.md` lists the same endpoints.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::Method;
use serde_json::Value;

use crate::app::TestApp;

/// The methods the probes try on every documented path.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// An id for `{id}` in paths: a well-formed UUIDv7 that names nothing.
const UNKNOWN_ID: &str = "01900000-0000-7000-8000-000000000000";

/// The document as served.
async fn document(app: &TestApp) -> Value {
    let answer = app.openapi().await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body
}

/// Every (path, method) the document has, with its operation.
fn operations(document: &Value) -> BTreeMap<(String, String), Value> {
    let mut operations = BTreeMap::new();
    for (path, item) in document["paths"]
        .as_object()
        .expect("the document has paths")
    {
        for (method, operation) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                operations.insert((path.clone(), method.clone()), operation.clone());
            }
        }
    }
    operations
}

fn concrete(path: &str) -> String {
    path.replace("{id}", UNKNOWN_ID)
}

/// What `$ref` points at, in the document.
fn resolve<'a>(document: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local references: {reference}"));
    document
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} resolves"))
}

#[tokio::test]
async fn the_document_is_served_without_sign_in_as_openapi_3_json() {
    let app = TestApp::start().await;

    let answer = app.openapi().await;

    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    let version = answer.body["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3."), "OpenAPI 3.x: {version}");
    assert_eq!(answer.body["info"]["title"], "Ledgerdesk API");
    assert!(answer.body["info"]["version"].is_string());
    assert_eq!(
        answer.body,
        serde_json::to_value(ledgerdesk_api::openapi_document()).unwrap(),
        "the served document is the one the routes were registered with"
    );
}

#[tokio::test]
async fn every_documented_operation_is_served_and_no_other_method_on_its_path() {
    let app = TestApp::start().await;
    let document = document(&app).await;
    let operations = operations(&document);
    let paths: BTreeSet<&String> = operations.keys().map(|(path, _)| path).collect();
    assert!(paths.len() >= 25, "every endpoint is documented: {paths:?}");

    for path in paths {
        for method in METHODS {
            let documented = operations.contains_key(&(path.clone(), method.to_owned()));
            let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();

            let answer = app.call(verb, &concrete(path), None, None).await;

            if documented {
                assert!(
                    ![404, 405].contains(&answer.status),
                    "{method} {path} is documented, so the router serves it: {answer:?}"
                );
            } else {
                assert_eq!(
                    (answer.status, &answer.body["error"]["code"]),
                    (405, &Value::from("method_not_allowed")),
                    "{method} {path} is not documented, so the router refuses it"
                );
            }
        }
    }
}

#[tokio::test]
async fn an_anonymous_call_gets_a_documented_answer_and_401_exactly_where_sign_in_is_required() {
    let app = TestApp::start().await;
    let document = document(&app).await;
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .expect("the document has security schemes");
    assert!(
        ["bearer", "staff_cookie", "portal_cookie"]
            .iter()
            .all(|scheme| schemes.contains_key(*scheme)),
        "bearer and both session cookies: {schemes:?}"
    );

    for ((path, method), operation) in operations(&document) {
        let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let requirements = operation["security"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for requirement in &requirements {
            for scheme in requirement.as_object().unwrap().keys() {
                assert!(schemes.contains_key(scheme), "{method} {path}: {scheme}");
            }
        }

        let answer = app.call(verb, &concrete(&path), None, None).await;

        let status = answer.status.to_string();
        assert!(
            operation["responses"].get(&status).is_some(),
            "{method} {path} answered {status}, which its responses must list: {answer:?}"
        );
        if requirements.is_empty() {
            assert_ne!(answer.status, 401, "{method} {path} needs no sign-in");
        } else {
            assert_eq!(
                (answer.status, &answer.body["error"]["code"]),
                (401, &Value::from("not_signed_in")),
                "{method} {path} needs a sign-in"
            );
        }
    }
}

#[tokio::test]
async fn every_failure_an_operation_documents_is_the_error_envelope_with_its_codes() {
    let app = TestApp::start().await;
    let document = document(&app).await;
    let envelope = resolve(&document, "#/components/schemas/ErrorEnvelope");
    assert_eq!(
        envelope["properties"]["error"]["$ref"],
        "#/components/schemas/ErrorDetail"
    );
    let detail = resolve(&document, "#/components/schemas/ErrorDetail");
    assert_eq!(detail["required"], serde_json::json!(["code", "message"]));

    for ((path, method), operation) in operations(&document) {
        let responses = operation["responses"].as_object().unwrap();
        let failures: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(status, _)| status.as_str() >= "400")
            .collect();
        if path == "/api/openapi.json" {
            assert!(failures.is_empty(), "serving the document cannot fail");
            continue;
        }

        assert!(
            !failures.is_empty(),
            "{method} {path} documents how it fails"
        );
        for (status, response) in failures {
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(
                schema, "#/components/schemas/ErrorEnvelope",
                "{method} {path} {status} answers the envelope"
            );
            let description = response["description"].as_str().unwrap();
            assert!(
                description.contains('`'),
                "{method} {path} {status} names its codes: {description}"
            );
        }
    }
}

#[tokio::test]
async fn the_document_is_well_formed_and_request_bodies_refuse_unknown_fields() {
    let app = TestApp::start().await;
    let document = document(&app).await;
    let mut operation_ids = BTreeSet::new();

    for ((path, method), operation) in operations(&document) {
        let id = operation["operationId"].as_str().expect("an operationId");
        assert!(operation_ids.insert(id.to_owned()), "{id} is unique");
        assert!(
            operation["summary"].is_string(),
            "{method} {path} has a summary"
        );
        assert!(operation["tags"].is_array(), "{method} {path} has a tag");
        let path_parameters: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|parameter| parameter["in"] == "path")
            .map(|parameter| {
                assert_eq!(parameter["required"], true, "{method} {path}");
                parameter["name"].as_str().unwrap()
            })
            .collect();
        let in_template: BTreeSet<&str> = path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(path_parameters, in_template, "{method} {path} parameters");

        if let Some(body) = operation.get("requestBody") {
            let reference = body["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} takes a named JSON body"));
            let schema = resolve(&document, reference);
            assert_eq!(
                schema["additionalProperties"], false,
                "{method} {path}: {reference} refuses unknown fields"
            );
        }
    }

    let text = serde_json::to_string(&document).unwrap();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let reference = reference.split('"').next().unwrap();
        resolve(&document, reference);
    }
}

#[tokio::test]
async fn docs_api_md_lists_exactly_the_documented_operations() {
    let app = TestApp::start().await;
    let document = document(&app).await;
    let documented: BTreeSet<(String, String)> = operations(&document).into_keys().collect();
    let api_md = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/API.md"),
    )
    .expect("docs/API.md is readable");

    let listed = endpoints_in_api_md(&api_md);

    assert_eq!(
        listed, documented,
        "docs/API.md's endpoint table and the OpenAPI document name the same operations"
    );
}

/// The (path, method) pairs of the endpoint table in `docs/API.md`: rows whose first cell is
/// like `` `GET`, `PUT /api/portal-settings` `` or `` `GET /api/x?at=<RFC 3339>` ``.
fn endpoints_in_api_md(api_md: &str) -> BTreeSet<(String, String)> {
    let table = api_md
        .split("## Endpoints")
        .nth(1)
        .expect("docs/API.md has an Endpoints section")
        .split("\n## ")
        .next()
        .unwrap();
    let mut endpoints = BTreeSet::new();
    for row in table.lines().filter(|line| line.starts_with("| `")) {
        let first_cell = row.split('|').nth(1).unwrap();
        let parts: Vec<&str> = first_cell
            .split('`')
            .map(str::trim)
            .filter(|part| !part.is_empty() && *part != ",")
            .collect();
        let (last, methods) = parts.split_last().unwrap();
        let (method, path) = last.split_once(' ').unwrap();
        let path = path.split('?').next().unwrap();
        for method in methods.iter().chain([&method]) {
            endpoints.insert((path.to_owned(), method.to_lowercase()));
        }
    }
    endpoints
}

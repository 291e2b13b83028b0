//! `GET /api/openapi.json` of a running `ledgerdesk serve`: served without sign-in, it parses as
//! an OpenAPI 3 document and describes the portal's incident endpoints a client would call.

use reqwest::Method;
use serde_json::Value;

use crate::harness::sqlite;
use crate::serve::Server;

#[tokio::test]
async fn the_running_server_describes_its_api_without_a_sign_in() {
    let database = sqlite();
    let server = Server::start(&database).await;

    let response = server
        .client
        .get(format!("{}/api/openapi.json", server.base))
        .send()
        .await
        .expect("the server answers");

    assert_eq!(response.status().as_u16(), 200, "no sign-in needed");
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let document: Value =
        serde_json::from_str(&response.text().await.unwrap()).expect("the document parses as JSON");
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3."),
        "an OpenAPI 3 document: {}",
        document["openapi"]
    );
    let incidents = &document["paths"]["/portal/api/incidents"];
    assert_eq!(
        incidents["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/NewPortalIncident"
    );
    assert!(
        incidents["get"]["responses"]["200"].is_object(),
        "{incidents}"
    );
    assert!(
        incidents["post"]["responses"]["201"].is_object(),
        "{incidents}"
    );
    assert!(
        document["paths"]["/api/incidents/{id}"]["patch"].is_object(),
        "the staff API is described too"
    );

    assert!(
        incidents["get"]["security"].is_array(),
        "listing needs a sign-in"
    );

    let anonymous = server
        .call(Method::GET, "/portal/api/incidents", None, None)
        .await;

    assert_eq!(anonymous.status, 401, "as the document says: {anonymous:?}");
    server.stop().await;
}

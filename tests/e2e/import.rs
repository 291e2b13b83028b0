//! `ledgerdesk import csv` on both backends with the UCI extract in `tests/fixtures` (ten real
//! incidents, see the README there): what the ledger holds event by event, a second import that
//! adds nothing, a bad row that stops or is skipped, a resumed import, an import killed midway,
//! and the portal view of an imported caller.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ledgerdesk::command::import::ids::IdSpace;
use ledgerdesk_domain::StreamName;
use ledgerdesk_store::{AnyStore, Checkpoint, EventStore};
use reqwest::Method;
use serde_json::json;

use crate::harness::{TestDatabase, both_backends, ledgerdesk};
use crate::serve::{Server, ledger_length};

const INCIDENTS: [&str; 10] = [
    "INC0000045",
    "INC0000064",
    "INC0000079",
    "INC0000111",
    "INC0001894",
    "INC0003495",
    "INC0005100",
    "INC0005103",
    "INC0009523",
    "INC0028089",
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uci-incident-event-log-extract.csv")
}

fn mapping() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("import/uci-incident-event-log.toml")
        .display()
        .to_string()
}

async fn import(database: &TestDatabase, file: &Path, extra: &[&str]) -> std::process::Output {
    let file = file.display().to_string();
    let mapping = mapping();
    let mut args = vec!["import", "csv", "--mapping", &mapping];
    args.extend_from_slice(extra);
    args.push(&file);
    ledgerdesk(database, &args).await
}

fn ids() -> IdSpace {
    IdSpace::of("uci-incident-event-log")
}

/// Names for the ids the import makes from the extract's keys, so listings read as the source.
fn names() -> BTreeMap<String, String> {
    let ids = ids();
    let mut names = BTreeMap::new();
    for n in 0..6000 {
        let caller = format!("Caller {n}");
        names.insert(ids.customer(&caller).to_string(), caller);
        let location = format!("Location {n}");
        names.insert(ids.company(&location).to_string(), location);
        let resolver = format!("Resolver {n}");
        names.insert(ids.user(&resolver).to_string(), resolver);
        let category = format!("Category {n}");
        names.insert(ids.service(&category).to_string(), category);
    }
    names.insert(
        ids.service("Uncategorised").to_string(),
        "Uncategorised".to_owned(),
    );
    for key in INCIDENTS {
        names.insert(ids.incident(key).to_string(), key.to_owned());
    }
    names
}

/// One line per event of a stream: version, type, time, actor, channel, data with the import's
/// ids replaced by the source's keys; checks that every event id is the deterministic one.
async fn listing(store: &AnyStore, stream: &StreamName) -> Vec<String> {
    let names = names();
    let events = store.read_stream(stream, 0).await.unwrap();
    events
        .iter()
        .map(|event| {
            assert_eq!(
                event.event_id,
                ids().event(stream, event.version),
                "{stream}"
            );
            let mut data = event.data.to_string();
            for (id, name) in &names {
                if data.contains(id.as_str()) {
                    data = data.replace(id.as_str(), name);
                }
            }
            format!(
                "{} {} {} {} {} {data}",
                event.version,
                event.event_type,
                event.occurred_at.format("%Y-%m-%d %H:%M"),
                event.metadata.actor,
                event.metadata.channel,
            )
        })
        .collect()
}

async fn incident_listing(store: &AnyStore, key: &str) -> Vec<String> {
    listing(store, &StreamName::incident(ids().incident(key))).await
}

/// The events of `streams` as (version, type, data, time, actor, id), whatever the global order.
///
/// Read stream by stream: on PostgreSQL `read_all` holds back events behind transactions other
/// tests keep open on the same server, which would make this comparison flaky.
async fn ledger_by_stream(
    database: &TestDatabase,
    streams: &[StreamName],
) -> BTreeMap<String, Vec<String>> {
    let store = AnyStore::connect(&database.url()).await.unwrap();
    let mut by_stream = BTreeMap::new();
    for stream in streams {
        let mut lines = Vec::new();
        for event in store.read_stream(stream, 0).await.unwrap() {
            // References are handed out in import order, which a resumed import changes.
            let mut data = event.data.clone();
            if let Some(object) = data.as_object_mut() {
                object.remove("reference");
            }
            lines.push(format!(
                "{} {} {data} {} {} {}",
                event.version,
                event.event_type,
                event.occurred_at,
                event.metadata.actor,
                event.event_id
            ));
        }
        by_stream.insert(stream.to_string(), lines);
    }
    by_stream
}

/// Every stream of a ledger no other process writes to (an SQLite file of this test's own).
async fn streams_of(database: &TestDatabase) -> Vec<StreamName> {
    let store = AnyStore::connect(&database.url()).await.unwrap();
    let events = store.read_all(Checkpoint::START, 100_000).await.unwrap();
    let mut streams: Vec<StreamName> = events.into_iter().map(|event| event.stream).collect();
    streams.sort();
    streams.dedup();
    streams
}

#[tokio::test]
async fn the_extract_imports_event_by_event_and_a_second_import_adds_nothing() {
    for database in both_backends().await {
        let first = import(&database, &fixture(), &[]).await;
        let after_first = ledger_length(&database).await;
        let second = import(&database, &fixture(), &[]).await;

        assert!(first.status.success(), "{}: {first:?}", database.url());
        let summary = String::from_utf8_lossy(&first.stdout);
        assert!(
            summary.contains("read 53 rows: imported 10 incidents"),
            "{summary}"
        );
        assert!(
            summary.contains("left out 2 changes made to closed incidents"),
            "{summary}"
        );
        let store = AnyStore::connect(&database.url()).await.unwrap();
        assert_eq!(incident_listing(&store, "INC0000064").await, INC0000064);
        assert_eq!(incident_listing(&store, "INC0001894").await, INC0001894);
        assert_eq!(incident_listing(&store, "INC0005100").await, INC0005100);
        assert_eq!(incident_listing(&store, "INC0005103").await, INC0005103);
        assert_eq!(incident_listing(&store, "INC0028089").await, INC0028089);
        let caller = StreamName::customer(ids().customer("Caller 4325"));
        assert_eq!(listing(&store, &caller).await, CALLER_4325);
        let location = StreamName::company(ids().company("Location 93"));
        assert_eq!(listing(&store, &location).await, LOCATION_93);
        for key in INCIDENTS {
            let events = incident_listing(&store, key).await;
            assert!(
                events[0].contains("incident.logged")
                    && events.last().unwrap().contains(r#"{"status":"closed"}"#),
                "{key} is logged and ends closed, as in the file: {events:#?}"
            );
        }

        assert!(second.status.success(), "{second:?}");
        let summary = String::from_utf8_lossy(&second.stdout);
        assert!(
            summary.contains("imported 0 incidents (0 events), 10 already there"),
            "{summary}"
        );
        assert_eq!(
            ledger_length(&database).await,
            after_first,
            "nothing appended"
        );
    }
}

#[tokio::test]
async fn a_bad_row_stops_the_import_before_its_incident_or_is_skipped_and_a_rerun_resumes() {
    let dir = tempdir();
    let original = std::fs::read_to_string(fixture()).unwrap();
    // Line 26 is the third row of INC0001894, the fifth incident.
    let broken = original.replacen("INC0001894,New,", "INC0001894,Pending,", 3);
    let broken = broken.replacen("INC0001894,Pending,", "INC0001894,New,", 2);
    let broken_file = dir.join("broken.csv");
    std::fs::write(&broken_file, broken).unwrap();
    let clean = crate::harness::sqlite();
    assert!(import(&clean, &fixture(), &[]).await.status.success());
    let streams = streams_of(&clean).await;

    for database in both_backends().await {
        let stopped = import(&database, &broken_file, &[]).await;
        let store = AnyStore::connect(&database.url()).await.unwrap();
        let imported_before = incident_listing(&store, "INC0001894").await.len();
        let skipped = import(&database, &broken_file, &["--skip-bad-rows"]).await;
        let skipped_left_out = incident_listing(&store, "INC0001894").await.len();
        let resumed = import(&database, &fixture(), &[]).await;

        assert_eq!(stopped.status.code(), Some(2), "a bad row fails the import");
        let errors = String::from_utf8_lossy(&stopped.stderr);
        assert!(
            errors.contains(r#"line 26: the status \"Pending\" is not in the mapping"#)
                || errors.contains(r#"line 26: the status "Pending" is not in the mapping"#),
            "{errors}"
        );
        assert!(errors.contains("nothing of incident"), "{errors}");
        let summary = String::from_utf8_lossy(&stopped.stdout);
        assert!(summary.contains("imported 4 incidents"), "{summary}");
        assert_eq!(
            imported_before, 0,
            "nothing of the bad incident is in the ledger"
        );

        assert!(skipped.status.success(), "{skipped:?}");
        let errors = String::from_utf8_lossy(&skipped.stderr);
        assert!(
            errors.contains(r#"skipped incident "INC0001894": line 26: the status"#),
            "{errors}"
        );
        let summary = String::from_utf8_lossy(&skipped.stdout);
        assert!(
            summary.contains("imported 5 incidents")
                && summary.contains("4 already there, 1 skipped"),
            "{summary}"
        );
        assert_eq!(skipped_left_out, 0);

        assert!(resumed.status.success(), "{resumed:?}");
        let summary = String::from_utf8_lossy(&resumed.stdout);
        assert!(summary.contains("imported 1 incidents"), "{summary}");
        assert_eq!(
            ledger_by_stream(&database, &streams).await,
            ledger_by_stream(&clean, &streams).await,
            "the resumed ledger holds what one clean import holds"
        );
        assert_eq!(
            ledger_length(&database).await,
            ledger_length(&clean).await,
            "and nothing else: no event twice"
        );
    }
}

#[tokio::test]
async fn an_import_killed_midway_leaves_whole_incidents_and_a_rerun_completes_it() {
    let clean = crate::harness::sqlite();
    assert!(import(&clean, &fixture(), &[]).await.status.success());
    let streams = streams_of(&clean).await;
    let expected = ledger_by_stream(&clean, &streams).await;

    for database in both_backends().await {
        // Migrate first, so the import and this test do not both create the schema.
        let store = AnyStore::connect(&database.url()).await.unwrap();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
            .args(["import", "csv", "--mapping", &mapping()])
            .arg(fixture())
            .env("LEDGERDESK_DATABASE_URL", database.url())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        // Kill it (SIGKILL) as soon as the first events are in the ledger.
        while store.count_after(Checkpoint::START).await.unwrap() == 0 {
            let exited = child.try_wait().unwrap();
            assert!(
                exited.is_none(),
                "the import ended before appending: {exited:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        child.start_kill().unwrap();
        child.wait().await.unwrap();
        let killed = ledger_by_stream(&database, &streams).await;
        let resumed = import(&database, &fixture(), &[]).await;

        let incidents = streams
            .iter()
            .filter(|s| s.as_str().starts_with("incident-"));
        let mut n_whole = 0;
        for stream in incidents {
            let events = &killed[stream.as_str()];
            assert!(
                events.is_empty() || events == &expected[stream.as_str()],
                "{stream} is either not there or whole: {events:#?}"
            );
            n_whole += usize::from(!events.is_empty());
        }
        assert!(n_whole < INCIDENTS.len(), "the kill came before the end");
        assert!(resumed.status.success(), "{resumed:?}");
        assert_eq!(ledger_by_stream(&database, &streams).await, expected);
        assert_eq!(ledger_length(&database).await, ledger_length(&clean).await);
    }
}

#[tokio::test]
async fn an_imported_caller_sees_their_incidents_in_the_portal_once_staff_grant_access() {
    for database in both_backends().await {
        assert!(import(&database, &fixture(), &[]).await.status.success());
        let server = Server::start(&database).await;
        let admin = server.first_admin(&database).await;

        let staff = server
            .call(Method::GET, "/api/incidents?limit=500", Some(&admin), None)
            .await;
        let first = server
            .call(Method::GET, "/api/incidents/INC-4", Some(&admin), None)
            .await;
        let caller = first.body["customer_id"].as_str().unwrap().to_owned();
        let refused = server
            .sign_in(
                "/portal/api/session",
                "caller-4325@uci.import.invalid",
                "caller password 1",
            )
            .await;
        let granted = server
            .call(
                Method::PATCH,
                &format!("/api/customers/{caller}"),
                Some(&admin),
                Some(&json!({"portal_access": true, "password": "caller password 1"}).to_string()),
            )
            .await;
        let token = server
            .token(
                "/portal/api/session",
                "caller-4325@uci.import.invalid",
                "caller password 1",
            )
            .await;
        let portal = server
            .call(Method::GET, "/portal/api/incidents", Some(&token), None)
            .await;
        let history = server
            .call(
                Method::GET,
                "/api/incidents/INC-4/history",
                Some(&admin),
                None,
            )
            .await;

        assert_eq!(staff.body["items"].as_array().unwrap().len(), 10);
        assert_eq!(first.status, 200, "{first:?}");
        assert!(
            first.body["title"]
                .as_str()
                .unwrap()
                .starts_with("INC0000111: ")
        );
        assert_eq!(first.body["status"], "closed");
        assert_eq!(refused.status, 401, "no portal access until staff grant it");
        assert_eq!(granted.status, 200, "{granted:?}");
        let mut titles: Vec<String> = portal.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["title"].as_str().unwrap()[..10].to_owned())
            .collect();
        titles.sort();
        assert_eq!(titles, ["INC0000111", "INC0003495", "INC0009523"]);
        let first_event = &history.body["items"][0];
        assert_eq!(
            first_event["occurred_at"], "2016-02-29T09:14:00.000000Z",
            "{history:?}"
        );
        assert_eq!(first_event["actor"], "import:Opened by  180");
        assert_eq!(first_event["channel"], "import");
        server.stop().await;
    }
}

fn tempdir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-import")
        .join(uuid::Uuid::now_v7().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const INC0000064: &[&str] = &[
    r#"1 incident.logged 2016-02-29 07:10 import:Opened by  131 import {"channel":"import","company_id":"Location 143","customer_id":"Caller 2838","description":"Imported from the UCI incident event log. Contact type Phone; impact 2 - Medium; urgency 2 - Medium; priority 3 - Moderate; assignment group Group 70; configuration item ?.","incident_id":"INC0000064","incident_type":"incident","portal_type":null,"reference":2,"service_id":"Category 53","shown_in_portal":true,"title":"INC0000064: Category 53, Subcategory 168, Symptom 580"}"#,
    r#"2 incident.assigned 2016-02-29 07:10 import:Opened by  131 import {"assignee_id":"Resolver 78"}"#,
    r#"3 incident.assigned 2016-02-29 13:12 import:Updated by 723 import {"assignee_id":"Resolver 186"}"#,
    r#"4 incident.status_changed 2016-02-29 13:12 import:Updated by 723 import {"status":"in_progress"}"#,
    r#"5 incident.details_changed 2016-02-29 13:13 import:Updated by 723 import {"description":"Imported from the UCI incident event log. Contact type Phone; impact 2 - Medium; urgency 2 - Medium; priority 3 - Moderate; assignment group Group 28; configuration item ?.","title":null}"#,
    r#"6 incident.unassigned 2016-02-29 13:13 import:Updated by 723 import {}"#,
    r#"7 incident.assigned 2016-03-02 09:17 import:Updated by 307 import {"assignee_id":"Resolver 78"}"#,
    r#"8 incident.status_changed 2016-03-03 16:00 import:Updated by 307 import {"status":"resolved"}"#,
    r#"9 incident.status_changed 2016-03-08 17:00 import:Updated by 908 import {"status":"closed"}"#,
];

const INC0001894: &[&str] = &[
    r#"1 incident.logged 2016-03-03 12:34 import:Opened by  131 import {"channel":"import","company_id":"Location 56","customer_id":"Caller 5197","description":"Imported from the UCI incident event log. Contact type Phone; impact 2 - Medium; urgency 2 - Medium; priority 3 - Moderate; assignment group Group 70; configuration item ?.","incident_id":"INC0001894","incident_type":"incident","portal_type":null,"reference":5,"service_id":"Category 42","shown_in_portal":true,"title":"INC0001894: Category 42, Subcategory 224, Symptom 486"}"#,
    r#"2 incident.assigned 2016-03-03 12:34 import:Opened by  131 import {"assignee_id":"Resolver 139"}"#,
    r#"3 incident.details_changed 2016-03-04 14:06 import:Updated by 451 import {"description":"Imported from the UCI incident event log. Contact type Phone; impact 2 - Medium; urgency 2 - Medium; priority 3 - Moderate; assignment group Group 10; configuration item ?.","title":null}"#,
    r#"4 incident.details_changed 2016-03-08 14:34 import:Updated by 777 import {"description":null,"title":"INC0001894: Category 45, Subcategory 150, Symptom 486"}"#,
    r#"5 incident.service_changed 2016-03-08 14:34 import:Updated by 777 import {"service_id":"Category 45"}"#,
    r#"6 incident.status_changed 2016-03-08 14:34 import:Updated by 777 import {"status":"in_progress"}"#,
    r#"7 incident.status_changed 2016-03-22 15:05 import:Updated by 495 import {"status":"resolved"}"#,
    r#"8 incident.status_changed 2016-03-27 15:59 import:Updated by 908 import {"status":"closed"}"#,
    r#"9 incident.status_changed 2016-04-28 11:12 import:Updated by 914 import {"status":"open"}"#,
    r#"10 incident.status_changed 2016-04-28 11:12 import:Updated by 914 import {"status":"in_progress"}"#,
    r#"11 incident.status_changed 2016-05-16 07:51 import:Updated by 495 import {"status":"resolved"}"#,
    r#"12 incident.status_changed 2016-05-21 08:07 import:Updated by 908 import {"status":"closed"}"#,
];

const INC0005100: &[&str] = &[
    r#"1 incident.logged 2016-03-09 18:35 import:Opened by  337 import {"channel":"import","company_id":null,"customer_id":"Caller 3505","description":"Imported from the UCI incident event log. Contact type Phone; impact 2 - Medium; urgency 2 - Medium; priority 3 - Moderate; assignment group ?; configuration item ?.","incident_id":"INC0005100","incident_type":"incident","portal_type":null,"reference":7,"service_id":"Category 36","shown_in_portal":true,"title":"INC0005100: Category 36, ?, ?"}"#,
    r#"2 incident.status_changed 2016-03-09 18:37 import:Updated by 703 import {"status":"closed"}"#,
];

const INC0005103: &[&str] = &[
    r#"1 incident.logged 2016-03-09 18:39 import:Opened by  337 import {"channel":"import","company_id":null,"customer_id":"Caller 3505","description":"Imported from the UCI incident event log. Contact type Phone; impact 2 - Medium; urgency 2 - Medium; priority 3 - Moderate; assignment group ?; configuration item ?.","incident_id":"INC0005103","incident_type":"incident","portal_type":null,"reference":8,"service_id":"Uncategorised","shown_in_portal":true,"title":"INC0005103: ?, ?, ?"}"#,
    r#"2 incident.customer_changed 2016-03-09 18:40 import:Updated by 703 import {"company_id":null,"customer_id":"Caller 290"}"#,
    r#"3 incident.status_changed 2016-03-09 18:41 import:Updated by 703 import {"status":"resolved"}"#,
    r#"4 incident.status_changed 2016-03-24 18:51 import:Updated by 908 import {"status":"closed"}"#,
];

const INC0028089: &[&str] = &[
    r#"1 incident.logged 2016-05-10 22:09 import:Opened by  305 import {"channel":"import","company_id":null,"customer_id":"Caller 290","description":"Imported from the UCI incident event log. Contact type Phone; impact 2 - Medium; urgency 2 - Medium; priority 3 - Moderate; assignment group Group 64; configuration item ?.","incident_id":"INC0028089","incident_type":"incident","portal_type":null,"reference":10,"service_id":"Category 28","shown_in_portal":true,"title":"INC0028089: Category 28, Subcategory 174, ?"}"#,
    r#"2 incident.assigned 2016-05-10 22:09 import:Opened by  305 import {"assignee_id":"Resolver 15"}"#,
    r#"3 incident.status_changed 2016-06-16 12:03 import:Updated by 750 import {"status":"resolved"}"#,
    r#"4 incident.status_changed 2016-06-21 13:07 import:Updated by 908 import {"status":"closed"}"#,
];

const CALLER_4325: &[&str] = &[
    r#"1 customer.registered 2016-02-29 09:14 import:Opened by  180 import {"company_id":"Location 93","customer_id":"Caller 4325","email":"caller-4325@uci.import.invalid","name":"Caller 4325"}"#,
    r#"2 customer.service_granted 2016-02-29 09:14 import:Opened by  180 import {"service_id":"Category 53"}"#,
    r#"3 customer.service_granted 2016-03-07 13:01 import:Opened by  17 import {"service_id":"Category 20"}"#,
    r#"4 customer.service_granted 2016-03-21 14:18 import:Opened by  108 import {"service_id":"Category 26"}"#,
];

const LOCATION_93: &[&str] = &[
    r#"1 company.registered 2016-02-29 09:14 import:Opened by  180 import {"company_id":"Location 93","name":"Location 93"}"#,
    r#"2 company.service_granted 2016-02-29 09:14 import:Opened by  180 import {"service_id":"Category 53"}"#,
    r#"3 company.service_granted 2016-03-07 13:01 import:Opened by  17 import {"service_id":"Category 20"}"#,
    r#"4 company.service_granted 2016-03-21 14:18 import:Opened by  108 import {"service_id":"Category 26"}"#,
];

//! `ledgerdesk audit verify` on both backends: an intact ledger passes, a changed event is named.

use chrono::Utc;
use ledgerdesk_domain::{Actor, Channel, EventId, StreamName};
use ledgerdesk_store::{AnyStore, EventStore, ExpectedVersion, Metadata, NewEvent};

use crate::harness::{TestDatabase, both_backends, ledgerdesk};

fn comment(body: &str) -> NewEvent {
    NewEvent::new(
        EventId::from_uuid(uuid::Uuid::now_v7()),
        "incident.comment_added",
        2,
        serde_json::json!({
            "comment_id": uuid::Uuid::now_v7(), "body": body, "public": true, "author": "system"
        }),
        Metadata {
            actor: Actor::System,
            channel: Channel::Cli,
            correlation_id: uuid::Uuid::now_v7(),
            causation_id: None,
        },
        Utc::now(),
    )
    .unwrap()
}

async fn tamper(database: &TestDatabase, position: i64) {
    let store = AnyStore::connect(&database.url()).await.unwrap();
    match &store {
        AnyStore::Postgres(pg) => {
            let mut tx = pg.pool().begin().await.unwrap();
            for sql in [
                "alter table events disable trigger events_append_only",
                r#"update events set data = jsonb_set(data, '{body}', '"All fixed."') where position = $1"#,
            ] {
                sqlx::query(sql)
                    .bind(position)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }
        AnyStore::Sqlite(sqlite) => {
            let mut tx = sqlite.pool().begin().await.unwrap();
            for sql in [
                "drop trigger events_refuse_update",
                "update events set data = json_set(data, '$.body', 'All fixed.') where position = $1",
            ] {
                sqlx::query(sql)
                    .bind(position)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }
    }
}

#[tokio::test]
async fn verify_passes_an_intact_ledger_and_names_a_changed_event() {
    for database in both_backends().await {
        let store = AnyStore::connect(&database.url()).await.unwrap();
        let stream = StreamName::parse(&format!("incident-{}", uuid::Uuid::now_v7())).unwrap();
        let batch = [
            comment("Printer jams."),
            comment("Still jams."),
            comment("Replaced roller."),
        ];
        store
            .append(&stream, ExpectedVersion::NoStream, &batch, None)
            .await
            .unwrap();
        let changed = store.read_stream(&stream, 0).await.unwrap()[1].position;

        let intact = ledgerdesk(&database, &["audit", "verify"]).await;
        tamper(&database, changed).await;
        let broken = ledgerdesk(&database, &["audit", "verify"]).await;

        assert!(intact.status.success(), "{}: {intact:?}", database.url());
        let report = String::from_utf8_lossy(&intact.stdout);
        assert!(report.contains("checked 3 events in 1 streams"), "{report}");
        assert_eq!(
            broken.status.code(),
            Some(1),
            "a broken chain fails the command"
        );
        let report = String::from_utf8_lossy(&broken.stdout);
        let expected =
            format!("BROKEN stream={stream} version=2 position={changed} problem=HashMismatch");
        assert!(
            report.contains(&expected),
            "verify names the changed event: {report}"
        );
    }
}

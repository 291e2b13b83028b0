//! `ledgerdesk migrate` on both backends.

use crate::harness::{both_backends, ledgerdesk};

#[tokio::test]
async fn migrate_creates_the_ledger_and_can_run_again() {
    for database in both_backends().await {
        let first = ledgerdesk(&database, &["migrate"]).await;
        let again = ledgerdesk(&database, &["migrate"]).await;

        assert!(first.status.success(), "{}: {first:?}", database.url());
        assert!(
            again.status.success(),
            "migrating twice is harmless: {again:?}"
        );
        let logs = String::from_utf8_lossy(&first.stderr);
        assert!(
            logs.contains("database is migrated"),
            "the operator is told: {logs}"
        );
    }
}

#[tokio::test]
async fn a_database_url_of_an_unknown_kind_is_refused_clearly() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
        .args(["migrate", "--database-url", "mysql://localhost/ledgerdesk"])
        .output()
        .await
        .unwrap();

    assert!(!output.status.success());
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(
        logs.contains("postgres://"),
        "the error names the accepted kinds: {logs}"
    );
}

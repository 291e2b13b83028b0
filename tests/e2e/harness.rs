//! Running the binary against a scratch database, as an operator would.

use std::path::Path;
use std::process::Output;

pub(crate) use ledgerdesk_test_databases::TestDatabase;

/// A fresh SQLite file under the target directory.
pub(crate) fn sqlite() -> TestDatabase {
    TestDatabase::sqlite_in(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e"))
}

/// Runs the binary with `args` and the database URL in the environment.
pub(crate) async fn ledgerdesk(database: &TestDatabase, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
        .args(args)
        .env("LEDGERDESK_DATABASE_URL", database.url())
        .env("RUST_LOG", "info")
        .output()
        .await
        .expect("the ledgerdesk binary runs")
}

/// Both backends, for tests that run the same steps on each.
pub(crate) async fn both_backends() -> [TestDatabase; 2] {
    [sqlite(), TestDatabase::postgres().await]
}

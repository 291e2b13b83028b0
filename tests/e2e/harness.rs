//! Fresh databases for end-to-end tests and a way to run the binary.

use std::path::PathBuf;
use std::process::Output;

use sqlx::{Connection, PgConnection};

/// A database the binary can be pointed at; removed when dropped.
pub(crate) enum TestDatabase {
    Sqlite { path: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub(crate) fn sqlite() -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-sqlite");
        std::fs::create_dir_all(&dir).unwrap();
        Self::Sqlite {
            path: dir.join(format!("{}.db", uuid::Uuid::new_v4().simple())),
        }
    }

    pub(crate) async fn postgres() -> Self {
        let admin_url = std::env::var("LEDGERDESK_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("ledgerdesk_e2e_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("the PostgreSQL test server must be reachable (LEDGERDESK_TEST_DATABASE_URL)");
        sqlx::query(&format!("create database {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        Self::Postgres { admin_url, name }
    }

    pub(crate) fn url(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}", path.display()),
            Self::Postgres { admin_url, name } => {
                let (base, _) = admin_url.rsplit_once('/').unwrap();
                format!("{base}/{name}")
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Self::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let cleanup = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                            let sql = format!("drop database if exists {name} with (force)");
                            let _ = sqlx::query(&sql).execute(&mut admin).await;
                        }
                    });
                });
                let _ = cleanup.join();
            }
        }
    }
}

/// Runs the binary with `args` and the database URL in the environment, as an operator would.
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
    [TestDatabase::sqlite(), TestDatabase::postgres().await]
}

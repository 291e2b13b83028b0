//! Scratch databases for tests and benchmarks: a fresh PostgreSQL database on the test server
//! or a fresh SQLite file, removed when dropped.
//!
//! A missing PostgreSQL server is a failure, never a skip.
#![expect(
    clippy::expect_used,
    reason = "a test fixture that cannot be set up must stop the test"
)]

use std::path::PathBuf;

use sqlx::{Connection as _, PgConnection};

/// The server tests use unless `LEDGERDESK_TEST_DATABASE_URL` names another.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database the code under test can be pointed at.
#[derive(Debug)]
pub enum TestDatabase {
    /// An SQLite file (and its `-wal`/`-shm` companions).
    Sqlite {
        /// The file.
        path: PathBuf,
    },
    /// A database created on the PostgreSQL test server.
    Postgres {
        /// A URL of the server's maintenance database, used to create and drop.
        admin_url: String,
        /// The created database's name.
        name: String,
    },
}

impl TestDatabase {
    /// A fresh SQLite file under `dir` (not yet created: the store creates it).
    #[must_use]
    pub fn sqlite_in(dir: &std::path::Path) -> Self {
        std::fs::create_dir_all(dir).expect("the scratch directory can be created");
        Self::Sqlite {
            path: dir.join(format!("{}.db", uuid::Uuid::new_v4().simple())),
        }
    }

    /// A fresh database on the PostgreSQL test server.
    ///
    /// # Panics
    /// When the server cannot be reached or refuses to create the database.
    pub async fn postgres() -> Self {
        let admin_url = std::env::var("LEDGERDESK_TEST_DATABASE_URL")
            .unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
        let name = format!("ledgerdesk_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("the PostgreSQL test server must be reachable (LEDGERDESK_TEST_DATABASE_URL)");
        sqlx::query(&format!("create database {name}"))
            .execute(&mut admin)
            .await
            .expect("the test server lets us create a database");
        let _ = admin.close().await;
        Self::Postgres { admin_url, name }
    }

    /// The URL to open the database with.
    #[must_use]
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}", path.display()),
            Self::Postgres { admin_url, name } => {
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(base, _)| base);
                format!("{base}/{name}")
            }
        }
    }

    /// Whether this is the PostgreSQL kind.
    #[must_use]
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
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
                // Dropping needs a runtime of its own: this may run while the test's runtime
                // is shutting down.
                let cleanup = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
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

//! SQL migrations of Ledgerdesk, embedded at build time: one migrator per storage backend.
//!
//! `postgres/` and `sqlite/` hold the same versions under the same names; a test in this crate
//! fails when the two lists differ.

use sqlx::migrate::Migrator;

/// Migrations for the PostgreSQL backend.
pub static POSTGRES: Migrator = sqlx::migrate!("./postgres");

/// Migrations for the embedded SQLite backend.
pub static SQLITE: Migrator = sqlx::migrate!("./sqlite");

#[cfg(test)]
mod tests {
    use super::{POSTGRES, SQLITE};

    #[test]
    fn both_backends_have_the_same_migration_versions_and_names() {
        let postgres: Vec<_> = POSTGRES
            .iter()
            .map(|m| (m.version, m.description.clone()))
            .collect();
        let sqlite: Vec<_> = SQLITE
            .iter()
            .map(|m| (m.version, m.description.clone()))
            .collect();

        assert!(!postgres.is_empty(), "expected at least one migration");
        assert_eq!(
            postgres, sqlite,
            "postgres/ and sqlite/ must list the same migrations"
        );
    }
}

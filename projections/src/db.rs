//! The read-model database: the same SQL runs on PostgreSQL and SQLite through a small
//! parameter type, so every projection statement is written once.
//!
//! Read models keep ids and times as text (hyphenated UUIDs, RFC 3339 with microseconds in
//! UTC), which compare and sort the same way on both backends.

use ledgerdesk_store::AnyStore;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{PgPool, Postgres, Row as _, Sqlite, SqlitePool, Transaction};

use crate::ProjectionError;

/// The database that holds the read models: the ledger's own database.
#[derive(Clone, Debug)]
pub enum ReadDb {
    /// PostgreSQL.
    Postgres(PgPool),
    /// SQLite.
    Sqlite(SqlitePool),
}

/// A value bound to a `$n` placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    /// Text, or SQL null.
    Text(Option<String>),
    /// A 64-bit integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

impl From<&str> for Param {
    fn from(value: &str) -> Self {
        Self::Text(Some(value.to_owned()))
    }
}

impl From<String> for Param {
    fn from(value: String) -> Self {
        Self::Text(Some(value))
    }
}

impl From<Option<String>> for Param {
    fn from(value: Option<String>) -> Self {
        Self::Text(value)
    }
}

impl From<i64> for Param {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<bool> for Param {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

/// One column value read back, as text, integer or boolean.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cell {
    /// SQL null.
    Null,
    /// Text.
    Text(String),
    /// An integer (booleans read from SQLite arrive as integers; see [`Cell::as_bool`]).
    Int(i64),
    /// A boolean.
    Bool(bool),
}

impl Cell {
    /// The text, if the cell holds text.
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Null | Self::Int(_) | Self::Bool(_) => None,
        }
    }

    /// The integer, if the cell holds one.
    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(value) => Some(*value),
            Self::Null | Self::Text(_) | Self::Bool(_) => None,
        }
    }

    /// The boolean, reading SQLite's 0/1 as false/true.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(value) => Some(*value),
            Self::Int(value) => Some(*value != 0),
            Self::Null | Self::Text(_) => None,
        }
    }
}

/// An open read-model transaction.
#[derive(Debug)]
pub enum ReadTx {
    /// On PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
    /// On SQLite.
    Sqlite(Transaction<'static, Sqlite>),
}

macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                Param::Text(text) => query.bind(text.clone()),
                Param::Int(value) => query.bind(*value),
                Param::Bool(value) => query.bind(*value),
            };
        }
        query
    }};
}

impl ReadDb {
    /// The read-model database of a store: the same database, the same pool.
    #[must_use]
    pub fn of(store: &AnyStore) -> Self {
        match store {
            AnyStore::Postgres(store) => Self::Postgres(store.pool().clone()),
            AnyStore::Sqlite(store) => Self::Sqlite(store.pool().clone()),
        }
    }

    /// Starts a transaction.
    ///
    /// # Errors
    /// [`ProjectionError::Database`] when no connection can be had.
    pub async fn begin(&self) -> Result<ReadTx, ProjectionError> {
        Ok(match self {
            Self::Postgres(pool) => ReadTx::Postgres(pool.begin().await?),
            Self::Sqlite(pool) => ReadTx::Sqlite(pool.begin().await?),
        })
    }

    /// Runs a query outside any transaction and returns every row.
    ///
    /// # Errors
    /// [`ProjectionError::Database`] when the query fails.
    pub async fn fetch_all(
        &self,
        sql: &str,
        params: &[Param],
    ) -> Result<Vec<Vec<Cell>>, ProjectionError> {
        Ok(match self {
            Self::Postgres(pool) => {
                let rows = bind_all!(sqlx::query(sql), params).fetch_all(pool).await?;
                rows.iter().map(pg_cells).collect::<Result<_, _>>()?
            }
            Self::Sqlite(pool) => {
                let rows = bind_all!(sqlx::query(sql), params).fetch_all(pool).await?;
                rows.iter().map(sqlite_cells).collect::<Result<_, _>>()?
            }
        })
    }
}

impl ReadTx {
    /// Runs a statement and returns how many rows it changed.
    ///
    /// # Errors
    /// [`ProjectionError::Database`] when the statement fails.
    pub async fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64, ProjectionError> {
        Ok(match self {
            Self::Postgres(tx) => bind_all!(sqlx::query(sql), params)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Self::Sqlite(tx) => bind_all!(sqlx::query(sql), params)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    /// Runs a query and returns every row as cells.
    ///
    /// # Errors
    /// [`ProjectionError::Database`] when the query fails.
    pub async fn fetch_all(
        &mut self,
        sql: &str,
        params: &[Param],
    ) -> Result<Vec<Vec<Cell>>, ProjectionError> {
        Ok(match self {
            Self::Postgres(tx) => {
                let rows = bind_all!(sqlx::query(sql), params)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.iter().map(pg_cells).collect::<Result<_, _>>()?
            }
            Self::Sqlite(tx) => {
                let rows = bind_all!(sqlx::query(sql), params)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.iter().map(sqlite_cells).collect::<Result<_, _>>()?
            }
        })
    }

    /// Commits.
    ///
    /// # Errors
    /// [`ProjectionError::Database`] when the commit fails; nothing was written then.
    pub async fn commit(self) -> Result<(), ProjectionError> {
        match self {
            Self::Postgres(tx) => tx.commit().await?,
            Self::Sqlite(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Whether this is a PostgreSQL transaction (for the few statements that differ).
    #[must_use]
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

fn pg_cells(row: &PgRow) -> Result<Vec<Cell>, sqlx::Error> {
    use sqlx::{Column as _, TypeInfo as _};
    let mut cells = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let cell = match column.type_info().name() {
            "BOOL" => row
                .try_get::<Option<bool>, _>(index)?
                .map_or(Cell::Null, Cell::Bool),
            "INT8" => row
                .try_get::<Option<i64>, _>(index)?
                .map_or(Cell::Null, Cell::Int),
            "INT4" => row
                .try_get::<Option<i32>, _>(index)?
                .map_or(Cell::Null, |v| Cell::Int(i64::from(v))),
            _ => row
                .try_get::<Option<String>, _>(index)?
                .map_or(Cell::Null, Cell::Text),
        };
        cells.push(cell);
    }
    Ok(cells)
}

fn sqlite_cells(row: &SqliteRow) -> Result<Vec<Cell>, sqlx::Error> {
    use sqlx::{TypeInfo as _, ValueRef as _};
    let mut cells = Vec::with_capacity(row.len());
    for (index, _column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(index)?;
        let cell = if raw.is_null() {
            Cell::Null
        } else {
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => Cell::Int(row.try_get::<i64, _>(index)?),
                _ => Cell::Text(row.try_get::<String, _>(index)?),
            }
        };
        cells.push(cell);
    }
    Ok(cells)
}

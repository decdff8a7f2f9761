//! Opening a database and bringing its schema up to date.

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

use crate::{Db, StoreError};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Connects to `url` (`sqlite:…` or `postgres://…`) and applies pending migrations.
///
/// SQLite runs in WAL mode with `synchronous=FULL` (a committed activation survives a power
/// cut), foreign keys on, a 5 s busy timeout, and `PRAGMA optimize` as each connection closes.
pub async fn connect(url: &str, max_connections: u32) -> Result<Db, StoreError> {
    let db = if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Statistics for the query planner, refreshed whenever a pooled connection closes
            // (idle or at the end of its lifetime): without them SQLite finds a person's
            // active roles through the index of every active activation, not theirs.
            .optimize_on_close(true, 400);
        // No ping before each acquire: a local file's connection cannot drop off the network,
        // and sqlx already pings every connection when it returns to the pool. Each ping is one
        // more round trip to the connection's worker thread.
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Db::Sqlite(pool)
    } else {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .connect(url)
            .await?;
        Db::Postgres(pool)
    };
    migrate(&db).await?;
    Ok(db)
}

pub(crate) async fn migrate(db: &Db) -> Result<(), StoreError> {
    match db {
        Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
        Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
    }
    Ok(())
}

//! Databases for tests: a fresh SQLite file by default, or a fresh schema on the PostgreSQL server
//! named by `STINT_TEST_PG_URL` (the test command sets it for its second pass), so that the
//! same tests run unchanged on both engines.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;

use crate::connect::migrate;
use crate::{Db, StoreError};

pub const PG_URL_VAR: &str = "STINT_TEST_PG_URL";

/// A migrated, empty database private to the calling test.
pub async fn fresh_db() -> Result<Db, StoreError> {
    let db = match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.is_empty() => fresh_pg_schema(&url).await?,
        // A file, not `:memory:`: the pool needs several connections, as in production.
        _ => return crate::connect(&fresh_sqlite_url()?, 4).await,
    };
    migrate(&db).await?;
    Ok(db)
}

/// The URL of a SQLite file that does not exist yet, in the tests' temporary directory.
pub fn fresh_sqlite_url() -> Result<String, StoreError> {
    let dir = std::env::temp_dir().join("stint-tests");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
    Ok(format!("sqlite://{}", path.display()))
}

/// The engine the tests of this process run on, for test names and messages.
#[must_use]
pub fn engine_name() -> &'static str {
    match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.is_empty() => "postgres",
        _ => "sqlite",
    }
}

async fn fresh_pg_schema(url: &str) -> Result<Db, StoreError> {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = PgPoolOptions::new().max_connections(1).connect(url).await?;
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await?;
    admin.close().await;
    let options = PgConnectOptions::from_str(url)?.options([("search_path", schema.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    Ok(Db::Postgres(pool))
}

//! The two engines behind one type, and the macros that run one SQL text on either.

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::sync::Arc;
use tokio::sync::Notify;

use crate::StoreError;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

pub(crate) enum EngineTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$conn` bound to the engine's pool; `$body` is compiled once per engine.
#[macro_export]
#[doc(hidden)]
macro_rules! on_pool {
    ($db:expr, |$conn:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($conn) => $body,
            $crate::Db::Postgres($conn) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::db::EngineTx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::EngineTx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// Either the pool or an open transaction, for reads that both a page and a deciding
/// transaction need.
pub(crate) enum Conn<'a> {
    Pool(&'a Db),
    Tx(&'a mut EngineTx),
}

/// Runs `$body` with `$conn` bound to whichever connection `Conn` holds.
macro_rules! on_conn {
    ($target:expr, |$conn:ident| $body:expr) => {
        match $target {
            $crate::db::Conn::Pool($crate::Db::Sqlite($conn)) => $body,
            $crate::db::Conn::Pool($crate::Db::Postgres($conn)) => $body,
            $crate::db::Conn::Tx($crate::db::EngineTx::Sqlite(t)) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Conn::Tx($crate::db::EngineTx::Postgres(t)) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_conn;

impl Db {
    pub(crate) async fn begin(&self) -> Result<EngineTx, StoreError> {
        Ok(match self {
            Db::Sqlite(pool) => EngineTx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => EngineTx::Postgres(pool.begin().await?),
        })
    }

    /// Waits for in-flight queries and closes every connection.
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await);
    }
}

/// A write transaction. Dropping it without [`Tx::commit`] rolls everything back.
pub struct Tx {
    pub(crate) inner: EngineTx,
    pub(crate) audit_key: Arc<[u8]>,
    /// Set when this transaction queued provisioning jobs, so the commit wakes the worker.
    pub(crate) wake_provisioning_on_commit: bool,
    provisioning: Arc<Notify>,
}

impl Tx {
    pub(crate) fn new(inner: EngineTx, audit_key: Arc<[u8]>, provisioning: Arc<Notify>) -> Self {
        Self {
            inner,
            audit_key,
            wake_provisioning_on_commit: false,
            provisioning,
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            EngineTx::Sqlite(t) => t.commit().await?,
            EngineTx::Postgres(t) => t.commit().await?,
        }
        if self.wake_provisioning_on_commit {
            self.provisioning.notify_one();
        }
        Ok(())
    }
}

/// `$first, $first+1, …` for `count` values bound in that order.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

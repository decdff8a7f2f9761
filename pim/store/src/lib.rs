//! Stint's persistence, the only crate that speaks SQL.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL: the SQL is written once
//! in the portable subset (`$N` parameters, TEXT ids, BIGINT Unix seconds, `RETURNING`,
//! `ON CONFLICT`), and [`Db`]/[`Tx`] dispatch it to the engine's pool. Reads go through
//! [`Store`]; every write goes through a [`Tx`], so that a state change and its audit event
//! commit together.
#![forbid(unsafe_code)]

pub mod activations;
mod alerts;
pub mod api_tokens;
pub mod approvals;
pub mod assignments;
mod audit;
pub mod audit_search;
pub mod audit_streams;
mod audit_verify;
pub mod break_glass;
mod ceremonies;
pub mod changes;
mod connect;
pub mod connectors;
mod db;
mod detection;
pub mod emergency_uses;
pub mod enrollment;
mod error;
mod inbox;
mod insights;
pub mod metrics;
pub mod notifications;
mod passkeys;
pub mod provisioning;
pub mod review_history;
pub mod reviews;
pub mod roles;
pub mod rows;
mod seal;
pub mod signed_in;
pub mod testing;
mod users;

pub use audit::AuditRecord;
pub use audit_verify::AuditVerification;
pub use ceremonies::NewCeremony;
pub use connect::connect;
pub use db::{Db, Tx};
pub use enrollment::NewEnrollmentLink;
pub use error::StoreError;
pub use passkeys::NewPasskey;
pub use users::{NewUser, UserChanges};

use std::sync::Arc;

/// A handle to the database plus the audit chain key, cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Db,
    audit_key: Arc<[u8]>,
    /// Woken by commits that queued provisioning jobs.
    provisioning: Arc<tokio::sync::Notify>,
}

impl Store {
    /// `audit_key` signs the audit hash chain; it must come from outside the database.
    #[must_use]
    pub fn new(db: Db, audit_key: &[u8]) -> Self {
        Self {
            db,
            audit_key: audit_key.into(),
            provisioning: Arc::new(tokio::sync::Notify::new()),
        }
    }

    #[must_use]
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite, so writers queue on the busy
    /// timeout instead of failing when a deferred transaction upgrades).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let tx = self.db.begin().await?;
        Ok(Tx::new(
            tx,
            self.audit_key.clone(),
            self.provisioning.clone(),
        ))
    }

    /// Resolves when a commit may have queued provisioning jobs since the last call.
    pub async fn provisioning_queued(&self) {
        self.provisioning.notified().await;
    }
}

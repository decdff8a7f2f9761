//! The audit log: the audit page (auditors and administrators), My audit (everyone) and the
//! auditors' "Verify" button.

// The list takes one argument per filter field of the form (the client stub the macro writes
// for the browser cannot carry an attribute on the function).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use pim_core::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{pim, principal};

/// One event as the audit table shows it; `details` is indented JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub seq: i64,
    pub at: Timestamp,
    pub action: String,
    pub outcome: String,
    /// The person's name, or their id when they no longer exist; `None` for Stint itself.
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPageView {
    pub events: Vec<AuditEventView>,
    /// The `before` of the next (older) page, when there is one.
    pub older_than: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyView {
    pub intact: bool,
    pub message: String,
}

#[cfg(feature = "ssr")]
fn event_view(e: pim_service::audit_log::AuditEntry) -> AuditEventView {
    let r = e.record;
    let details = serde_json::from_str::<serde_json::Value>(&r.details)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or(r.details);
    AuditEventView {
        seq: r.seq,
        at: Timestamp::from_unix(r.at),
        action: r.action,
        outcome: r.outcome,
        actor: e.actor_name.or(r.actor_id),
        subject: e.subject_name.or(r.subject_user_id),
        details,
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}

#[cfg(feature = "ssr")]
fn page_view(page: pim_service::audit_log::AuditPage) -> AuditPageView {
    AuditPageView {
        events: page.events.into_iter().map(event_view).collect(),
        older_than: page.older_than,
    }
}

/// Events matching the filters, newest first, 50 a page, older than `before` when given.
///
/// **Permissions**: an active role that reads audit (Security Reader, Security Administrator,
/// Privileged Role Administrator, Global Administrator).
#[server(prefix = "/api", endpoint = "audit/list")]
pub async fn audit_log(
    actor: String,
    subject: String,
    action: String,
    role: String,
    outcome: String,
    from: String,
    to: String,
    before: Option<i64>,
) -> Result<AuditPageView, AppError> {
    let me = principal().await?;
    let query = pim_service::audit_log::AuditQuery {
        actor_email: actor,
        subject_email: subject,
        action,
        role,
        outcome,
        from,
        to,
    };
    Ok(page_view(pim()?.audit_page(&me, &query, before).await?))
}

/// What the caller did and what was done about them, newest first.
///
/// **Permissions**: anyone signed in; only their own events.
#[server(prefix = "/api", endpoint = "audit/mine")]
pub async fn my_audit_log(before: Option<i64>) -> Result<AuditPageView, AppError> {
    let me = principal().await?;
    Ok(page_view(pim()?.my_audit(&me, before).await?))
}

/// Recomputes the whole chain with its key and compares it with the checkpoints written
/// outside the database.
///
/// **Permissions**: as [`audit_log`].
#[server(prefix = "/api", endpoint = "audit/verify")]
pub async fn verify_audit_log() -> Result<VerifyView, AppError> {
    let me = principal().await?;
    let state = use_context::<crate::ssr::AppState>().ok_or_else(|| {
        AppError::new(
            crate::error::ErrorKind::Internal,
            "Stint is not configured.",
        )
    })?;
    let checkpoints = state.audit_checkpoints.read().map_err(|e| {
        tracing::error!(error = %e, "audit checkpoints unreadable");
        AppError::new(
            crate::error::ErrorKind::Internal,
            "The checkpoint file cannot be read; run `server verify-audit` on the host.",
        )
    })?;
    let report = state.pim.verify_audit(&me, checkpoints).await?;
    Ok(match report.broken {
        None => VerifyView {
            intact: true,
            message: format!(
                "The audit log is intact: {} events verified against their key and checkpoints.",
                report.checked
            ),
        },
        Some(broken) => VerifyView {
            intact: false,
            message: format!(
                "The audit log is broken: {broken}. {} events before it verified.",
                report.checked
            ),
        },
    })
}

/// One audit stream as Audit → Streaming shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStreamView {
    /// The receiver, without secrets: "syslog over TLS to siem.example.org:6514".
    pub target: String,
    /// The last sequence number the receiver accepted.
    pub delivered_seq: i64,
    /// Events written since then.
    pub behind: i64,
    pub delivered_at: Option<Timestamp>,
    pub failing_since: Option<Timestamp>,
    pub last_error: Option<String>,
}

/// Every audit stream to a SIEM that has reported, and how far behind it is.
///
/// **Permissions**: as [`audit_log`].
#[server(prefix = "/api", endpoint = "audit/streams")]
pub async fn audit_streams() -> Result<Vec<AuditStreamView>, AppError> {
    let me = principal().await?;
    let report = pim()?.audit_streams(&me).await?;
    Ok((report.streams.into_iter())
        .map(|s| AuditStreamView {
            behind: s.behind(report.head_seq),
            target: s.target,
            delivered_seq: s.delivered_seq,
            delivered_at: s.delivered_at.map(Timestamp::from_unix),
            failing_since: s.failing_since.map(Timestamp::from_unix),
            last_error: s.last_error,
        })
        .collect())
}

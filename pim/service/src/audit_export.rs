//! The audit page's events as a download, CSV or JSON lines, produced a thousand events at a
//! time so an export of millions of events never sits in memory. Exporting is itself audited.

use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::Principal;
use pim_store::Store;
use pim_store::audit_search::{AuditEntry, AuditFilter};
use serde_json::json;

use crate::audit_log::AuditQuery;
use crate::review_export::spreadsheet_safe;
use crate::{Pim, ServiceError};

/// Events read per chunk of the download.
const CHUNK: i64 = 1_000;

const CSV_HEADER: [&str; 12] = [
    "seq",
    "time",
    "action",
    "outcome",
    "actor_id",
    "actor",
    "subject_id",
    "subject",
    "role",
    "details",
    "prev_hash",
    "hash",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    Csv,
    JsonLines,
}

impl AuditFormat {
    #[must_use]
    pub const fn media_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::JsonLines => "application/x-ndjson",
        }
    }

    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::JsonLines => "jsonl",
        }
    }
}

/// A download in progress, newest event first, as the audit page lists them.
pub struct AuditExport {
    store: Store,
    filter: AuditFilter,
    format: AuditFormat,
    before: Option<i64>,
    started: bool,
    finished: bool,
}

impl Pim {
    /// Starts an export of the events `query` selects; a bad filter is refused here, before
    /// any byte is sent. The export is recorded in the audit log with its filter.
    pub async fn audit_export(
        &self,
        who: &Principal,
        query: &AuditQuery,
        format: AuditFormat,
    ) -> Result<AuditExport, ServiceError> {
        let filter = self.audit_reader_filter(who, query).await?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let event = AuditEvent::success(AuditAction::AuditExported, Some(who.user_id))
            .with_details(json!({
                "format": format.extension(),
                "actor": query.actor_email.trim(),
                "subject": query.subject_email.trim(),
                "action": query.action.trim(),
                "role_name": query.role.trim(),
                "outcome": query.outcome.trim(),
                "from": query.from.trim(),
                "to": query.to.trim(),
            }));
        let own_seq = tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(AuditExport {
            store: self.store().clone(),
            filter,
            format,
            // What was logged until the request: not the export's own event, nor what follows.
            before: Some(own_seq),
            started: false,
            finished: false,
        })
    }
}

impl AuditExport {
    /// The next part of the file, or `None` when it is complete.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ServiceError> {
        if self.finished {
            return Ok(None);
        }
        let events = (self.store)
            .search_audit(&self.filter, self.before, CHUNK)
            .await?;
        self.finished = events.len() < usize::try_from(CHUNK).unwrap_or(usize::MAX);
        self.before = events.last().map(|e| e.record.seq);
        let header = !std::mem::replace(&mut self.started, true);
        let bytes = match self.format {
            AuditFormat::Csv => csv_chunk(&events, header)?,
            AuditFormat::JsonLines => events
                .iter()
                .flat_map(|e| (e.to_json().to_string() + "\n").into_bytes())
                .collect(),
        };
        Ok(Some(bytes))
    }
}

fn csv_chunk(events: &[AuditEntry], header: bool) -> Result<Vec<u8>, ServiceError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    if header {
        out.write_record(CSV_HEADER).map_err(anyhow::Error::from)?;
    }
    for e in events {
        let r = &e.record;
        let details: serde_json::Value = serde_json::from_str(&r.details).unwrap_or_default();
        let cells = [
            r.seq.to_string(),
            pim_core::Timestamp::from_unix(r.at).rfc3339(),
            r.action.clone(),
            r.outcome.clone(),
            r.actor_id.clone().unwrap_or_default(),
            e.actor_name.clone().unwrap_or_default(),
            r.subject_user_id.clone().unwrap_or_default(),
            e.subject_name.clone().unwrap_or_default(),
            details["role"].as_str().unwrap_or_default().to_owned(),
            r.details.clone(),
            r.prev_hash.clone(),
            r.hash.clone(),
        ];
        out.write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned()))
            .map_err(anyhow::Error::from)?;
    }
    out.into_inner()
        .map_err(|e| ServiceError::from(anyhow::anyhow!("{e}")))
}

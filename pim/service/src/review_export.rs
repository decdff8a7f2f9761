//! Results of a review's latest instance as CSV or JSON, for auditors and spreadsheets.

use pim_core::principal::Principal;
use pim_store::reviews::StoredItem;
use serde::Serialize;

use crate::{Pim, ServiceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// One row of the export: what was asked, who answered what and why, what happened.
#[derive(Debug, Serialize)]
struct ExportRow<'a> {
    review: &'a str,
    instance: &'a str,
    person: &'a str,
    role: &'a str,
    kind: &'a str,
    recommendation: &'a str,
    decision: &'a str,
    reason: &'a str,
    decided_by: &'a str,
    outcome: &'a str,
    settled_by: &'a str,
    apply_result: &'a str,
}

fn row<'a>(review: &'a str, item: &'a StoredItem) -> ExportRow<'a> {
    ExportRow {
        review,
        instance: &item.instance_id,
        person: &item.user_name,
        role: &item.role_name,
        kind: item.kind.code(),
        recommendation: item.recommendation.code(),
        decision: item.decision.map_or("", |d| d.code()),
        reason: &item.reason,
        decided_by: item.decided_by_name.as_deref().unwrap_or(""),
        outcome: item.outcome.map_or("", |o| o.code()),
        settled_by: match item.outcome_by_reviewer {
            Some(true) => "reviewer",
            Some(false) => "default decision",
            None => "",
        },
        apply_result: item.apply_result.as_deref().unwrap_or(""),
    }
}

/// A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@` or a tab as a formula; such
/// text (a reviewer's reason, a name) is prefixed with `'` so it stays text.
pub(crate) fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

impl Pim {
    /// The latest instance's results of review `id`, and the file's media type.
    pub async fn export_review(
        &self,
        who: &Principal,
        id: &str,
        format: ExportFormat,
    ) -> Result<(String, &'static str), ServiceError> {
        self.require_review_reader(who)?;
        let review = self
            .store()
            .find_review(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let items = match &review.latest {
            Some((instance, _)) => self.store().review_items(instance).await?,
            None => Vec::new(),
        };
        let name = review.settings.name.as_str();
        let rows: Vec<ExportRow<'_>> = items.iter().map(|i| row(name, i)).collect();
        match format {
            ExportFormat::Json => {
                let json = serde_json::to_string_pretty(&rows).map_err(anyhow::Error::from)?;
                Ok((json, "application/json"))
            }
            ExportFormat::Csv => {
                let mut out = csv::Writer::from_writer(Vec::new());
                out.write_record([
                    "review",
                    "instance",
                    "person",
                    "role",
                    "kind",
                    "recommendation",
                    "decision",
                    "reason",
                    "decided_by",
                    "outcome",
                    "settled_by",
                    "apply_result",
                ])
                .map_err(anyhow::Error::from)?;
                for r in &rows {
                    let cells = [
                        r.review,
                        r.instance,
                        r.person,
                        r.role,
                        r.kind,
                        r.recommendation,
                        r.decision,
                        r.reason,
                        r.decided_by,
                        r.outcome,
                        r.settled_by,
                        r.apply_result,
                    ];
                    out.write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned()))
                        .map_err(anyhow::Error::from)?;
                }
                let bytes = out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
                let text = String::from_utf8(bytes).map_err(anyhow::Error::from)?;
                Ok((text, "text/csv; charset=utf-8"))
            }
        }
    }
}

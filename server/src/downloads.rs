//! Files people download (not pages, not server functions): access review results and the
//! audit log.

use app::ssr::{AppState, principal_from_session};
use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pim_service::ServiceError;
use pim_service::audit_export::AuditFormat;
use pim_service::audit_log::AuditQuery;
use pim_service::review_export::ExportFormat;
use tower_sessions::Session;

/// `GET /settings/reviews/{id}/export/{csv|json}`: the latest results of a review, for a
/// Privileged Role Administrator, Global Administrator or Security Reader.
pub async fn review_export(
    State(state): State<AppState>,
    session: Session,
    Path((id, format)): Path<(String, String)>,
) -> Response {
    let format = match format.as_str() {
        "csv" => ExportFormat::Csv,
        "json" => ExportFormat::Json,
        _ => return (StatusCode::NOT_FOUND, "Export as csv or json.").into_response(),
    };
    let pim = &state.pim;
    let principal = match principal_from_session(session, pim).await {
        Ok(p) => p,
        Err(e) => return (StatusCode::UNAUTHORIZED, e.message).into_response(),
    };
    match pim.export_review(&principal, &id, format).await {
        Ok((body, media_type)) => {
            let extension = if format == ExportFormat::Csv {
                "csv"
            } else {
                "json"
            };
            attachment(
                media_type,
                &format!("access-review-{id}.{extension}"),
                body.into(),
            )
        }
        Err(e) => refused(e, "review"),
    }
}

/// `GET /audit/export/{csv|jsonl}?actor=…&action=…`: the events the audit page shows for the
/// same filters, streamed, for whoever may read the audit log.
pub async fn audit_export(
    State(state): State<AppState>,
    session: Session,
    Path(format): Path<String>,
    Query(filters): Query<HashMap<String, String>>,
) -> Response {
    let format = match format.as_str() {
        "csv" => AuditFormat::Csv,
        "jsonl" => AuditFormat::JsonLines,
        _ => return (StatusCode::NOT_FOUND, "Export as csv or jsonl.").into_response(),
    };
    let pim = &state.pim;
    let principal = match principal_from_session(session, pim).await {
        Ok(p) => p,
        Err(e) => return (StatusCode::UNAUTHORIZED, e.message).into_response(),
    };
    let field = |name: &str| filters.get(name).cloned().unwrap_or_default();
    let query = AuditQuery {
        actor_email: field("actor"),
        subject_email: field("subject"),
        action: field("action"),
        role: field("role"),
        outcome: field("outcome"),
        from: field("from"),
        to: field("to"),
    };
    let export = match pim.audit_export(&principal, &query, format).await {
        Ok(export) => export,
        Err(e) => return refused(e, "audit log"),
    };
    let body = futures_util::stream::try_unfold(export, |mut export| async move {
        let chunk = export.next_chunk().await.inspect_err(|e| {
            // The status line is gone; the client sees a cut-off download.
            tracing::error!(error = %e, "audit export stopped");
        })?;
        Ok::<_, ServiceError>(chunk.map(|bytes| (bytes, export)))
    });
    let file_name = format!("stint-audit.{}", format.extension());
    attachment(format.media_type(), &file_name, Body::from_stream(body))
}

/// A file download named `file_name`.
fn attachment(media_type: &str, file_name: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// The answer when the service refused an export (`what` names what was asked for) or it
/// failed; causes of failures are logged, not shown.
fn refused(error: ServiceError, what: &str) -> Response {
    match error {
        e @ ServiceError::Forbidden => (StatusCode::FORBIDDEN, e.to_string()).into_response(),
        e @ ServiceError::InvalidInput(_) => {
            (StatusCode::BAD_REQUEST, e.to_string()).into_response()
        }
        ServiceError::NotFound => {
            (StatusCode::NOT_FOUND, format!("No such {what}.")).into_response()
        }
        e => {
            tracing::error!(error = %e, what, "export failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "The export failed.").into_response()
        }
    }
}

//! Files people download (not pages, not server functions): access review results and the
//! audit log.

use app::ssr::{AppState, principal_from_session};
use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
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
            let disposition = format!("attachment; filename=\"access-review-{id}.{extension}\"");
            (
                [
                    (header::CONTENT_TYPE, media_type.to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                body,
            )
                .into_response()
        }
        Err(e @ pim_service::ServiceError::Forbidden) => {
            (StatusCode::FORBIDDEN, e.to_string()).into_response()
        }
        Err(pim_service::ServiceError::NotFound) => {
            (StatusCode::NOT_FOUND, "No such review.").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "review export");
            (StatusCode::INTERNAL_SERVER_ERROR, "The export failed.").into_response()
        }
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
        Err(e @ pim_service::ServiceError::Forbidden) => {
            return (StatusCode::FORBIDDEN, e.to_string()).into_response();
        }
        Err(e @ pim_service::ServiceError::InvalidInput(_)) => {
            return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "audit export");
            return (StatusCode::INTERNAL_SERVER_ERROR, "The export failed.").into_response();
        }
    };
    let body = futures_util::stream::try_unfold(export, |mut export| async move {
        let chunk = export.next_chunk().await.inspect_err(|e| {
            // The status line is gone; the client sees a cut-off download.
            tracing::error!(error = %e, "audit export stopped");
        })?;
        Ok::<_, pim_service::ServiceError>(chunk.map(|bytes| (bytes, export)))
    });
    let disposition = format!(
        "attachment; filename=\"stint-audit.{}\"",
        format.extension()
    );
    (
        [
            (header::CONTENT_TYPE, format.media_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

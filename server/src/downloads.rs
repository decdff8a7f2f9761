//! Files people download (not pages, not server functions): access review results.

use app::ssr::{AppState, principal_from_session};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
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

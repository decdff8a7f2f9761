//! Request-level defences (design/SECURITY.md rules 8, 9 and 10): refuse cross-site writes,
//! set security headers with a per-response CSP nonce, and cap request bodies.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rand::RngCore;

/// The nonce of this response's inline scripts, for Leptos to put on them.
#[derive(Clone)]
pub struct CspNonce(pub String);

/// Refuses any state-changing request that the browser says comes from another site. Browsers
/// send `Origin` on every POST (forms included), so plain forms keep working.
pub async fn same_origin_writes(
    State(origin): State<String>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let origin_ok = headers
        .get(header::ORIGIN)
        .map(|o| o.as_bytes() == origin.as_bytes());
    let fetch_site_ok = headers
        .get("sec-fetch-site")
        .map(|s| matches!(s.as_bytes(), b"same-origin" | b"none"));
    let allowed = match (origin_ok, fetch_site_ok) {
        (Some(ok), _) => ok,
        (None, Some(ok)) => ok,
        (None, None) => false,
    };
    if allowed {
        next.run(req).await
    } else {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-site write refused");
        (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not accepted.",
        )
            .into_response()
    }
}

pub async fn security_headers(mut req: Request<Body>, next: Next) -> Response {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let nonce = base64::engine::general_purpose::STANDARD.encode(bytes);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(req).await;
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Server functions answer every error with 500 and the typed error as JSON; this gives the
/// response its error's own status (400, 401, 403, …), so API clients and logs can tell a
/// refusal from a fault. Only error bodies of `/api/` are read, and they are small.
pub async fn api_error_status(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status = error.status_code();
    }
    Response::from_parts(parts, Body::from(bytes))
}

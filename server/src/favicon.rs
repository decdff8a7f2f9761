//! Stint's icon, a stopwatch. Browsers ask for an icon on a page's first load; without one,
//! every first visit also cost a full 404 page render.

use axum::http::header;
use axum::response::IntoResponse;

const ICON: &str = include_str!("../../style/favicon.svg");

/// The icon for `/favicon.svg` (the page's `<link rel="icon">`) and for clients that ask for
/// `/favicon.ico` regardless.
pub async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}

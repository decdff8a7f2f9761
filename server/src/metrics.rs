//! `GET /metrics`: OpenMetrics text for Prometheus, for a monitoring system holding an API
//! token (Settings → API tokens), like the authorisation API. Request latency is measured in
//! this process by [`track_latency`]; the workflow figures are read from the database at
//! scrape time, so every server of a cluster reports the same totals.

use std::time::Instant;

use app::ssr::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pim_service::ServiceError;
use pim_store::audit_streams::AuditStreamRow;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StreamLabels {
    stream: String,
}

/// How far behind the log's head each SIEM stream is, and whether it fails now: what a
/// monitoring rule alerts on when the SIEM stops getting events.
fn register_streams(registry: &mut Registry, streams: &[AuditStreamRow], head_seq: i64) {
    let behind = Family::<StreamLabels, Gauge>::default();
    let failing = Family::<StreamLabels, Gauge>::default();
    for s in streams {
        let labels = StreamLabels {
            stream: s.stream.clone(),
        };
        behind.get_or_create(&labels).set(s.behind(head_seq));
        failing
            .get_or_create(&labels)
            .set(i64::from(s.failing_since.is_some()));
    }
    registry.register(
        "audit_stream_behind_events",
        "Audit events not yet accepted by the stream's receiver",
        behind,
    );
    registry.register(
        "audit_stream_failing",
        "1 while the stream's last attempt failed",
        failing,
    );
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's pattern (`/settings/reviews/{id}`), never the raw path, so the number of
    /// series stays bounded; `unmatched` for static files and unknown paths.
    route: String,
    status: u16,
}

type LatencyFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// Request latency by route, kept for the life of the process.
#[derive(Clone, Debug)]
pub struct HttpMetrics {
    latency: LatencyFamily,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        Self {
            latency: Family::new_with_constructor(latency_histogram),
        }
    }
}

/// Buckets from 1 ms to about 16 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// A layer that times every request.
pub async fn track_latency(
    State(metrics): State<HttpMetrics>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = RequestLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    (metrics.latency.get_or_create(&labels)).observe(started.elapsed().as_secs_f64());
    response
}

pub async fn endpoint(state: AppState, http: HttpMetrics, headers: HeaderMap) -> Response {
    let pim = &state.pim;
    let figures = async {
        let client = crate::authz_api::client(&state, &headers).await?;
        let workflow = pim.workflow_figures(&client).await?;
        Ok((workflow, pim.audit_stream_figures(&client).await?))
    };
    let (figures, streams) = match figures.await {
        Ok(both) => both,
        Err(ServiceError::Unauthenticated) => {
            let mut response =
                (StatusCode::UNAUTHORIZED, "a valid API token is required\n").into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"stint\""),
            );
            return response;
        }
        Err(err) => {
            tracing::error!(error = %err, "metrics could not be read");
            return (StatusCode::INTERNAL_SERVER_ERROR, "metrics unavailable\n").into_response();
        }
    };
    let mut registry = Registry::with_prefix("stint");
    registry.register(
        "http_request_duration_seconds",
        "Time to answer a request, by route pattern and status",
        http.latency.clone(),
    );
    let totals = [
        (
            "activations",
            "Activations that granted their role",
            figures.activations,
        ),
        (
            "approvals",
            "Approver decisions that approved",
            figures.approvals,
        ),
        ("denials", "Approver decisions that denied", figures.denials),
        (
            "expiries",
            "Activations that ran until their end",
            figures.expiries,
        ),
        (
            "step_up_failures",
            "Step-ups refused",
            figures.step_up_failures,
        ),
        (
            "audit_events",
            "Events in the audit chain",
            figures.audit_events,
        ),
    ];
    for (name, help, value) in totals {
        registry.register(
            name,
            help,
            ConstCounter::new(u64::try_from(value).unwrap_or(0)),
        );
    }
    let now = [
        (
            "active_activations",
            "Activations in effect now",
            figures.active,
        ),
        (
            "pending_requests",
            "Requests waiting for approvers",
            figures.pending_requests,
        ),
        (
            "outbox_backlog",
            "Notifications not yet delivered",
            figures.outbox_backlog,
        ),
        (
            "provisioning_backlog",
            "Grants and revocations not yet applied downstream",
            figures.provisioning_backlog,
        ),
    ];
    for (name, help, value) in now {
        registry.register(name, help, ConstGauge::new(value));
    }
    register_streams(&mut registry, &streams, figures.audit_events);
    let mut body = String::new();
    if let Err(err) = encode(&mut body, &registry) {
        tracing::error!(error = %err, "metrics could not be encoded");
        return (StatusCode::INTERNAL_SERVER_ERROR, "metrics unavailable\n").into_response();
    }
    (
        [
            (header::CONTENT_TYPE, OPENMETRICS),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

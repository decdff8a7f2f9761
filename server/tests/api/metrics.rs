//! `/metrics` over HTTP: a monitoring system with an API token reads request latency by route
//! pattern and the workflow's figures; without a token it reads nothing.

use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::authz_api::create_token;
use crate::helpers::{browser, plain_client, spawn_app};

async fn scrape(base: &str, token: Option<&str>) -> (u16, String, String) {
    let mut request = plain_client().get(format!("{base}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

/// The value of the sample line that starts with `series` (name and labels).
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.split(' ').next()?.parse().ok())
}

#[tokio::test]
async fn a_monitoring_system_with_a_token_reads_latency_by_route_and_workflow_figures() {
    let app = spawn_app().await;
    let (status, _, body) = scrape(&app.base, None).await;
    assert_eq!(status, 401, "{body}");
    assert!(!body.contains("stint_"), "nothing leaks without a token");

    let admin = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&admin, &mut key, &app.bootstrap_link).await;
    let token = create_token(&app, &admin, &[], "30").await;
    let page = admin
        .get(format!("{}/roles", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    let (status, kind, first) = scrape(&app.base, Some(&token)).await;
    assert_eq!(status, 200, "{first}");
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    assert!(first.ends_with("# EOF\n"), "{first}");
    assert_eq!(
        sample(&first, "stint_pending_requests"),
        Some(0.0),
        "{first}"
    );
    assert_eq!(sample(&first, "stint_active_activations"), Some(0.0));
    assert_eq!(sample(&first, "stint_activations_total"), Some(0.0));
    let audited = sample(&first, "stint_audit_events_total").unwrap();
    assert!(
        audited >= 3.0,
        "install, enrolment and token creation: {audited}"
    );
    let page =
        r#"stint_http_request_duration_seconds_count{method="GET",route="/roles",status="200"}"#;
    assert_eq!(sample(&first, page), Some(1.0), "{first}");

    // The first scrape is measured too, under its route pattern, not its raw path.
    let (_, _, second) = scrape(&app.base, Some(&token)).await;
    let scrapes =
        r#"stint_http_request_duration_seconds_count{method="GET",route="/metrics",status="200"}"#;
    assert_eq!(sample(&second, scrapes), Some(1.0), "{second}");
    let refused =
        r#"stint_http_request_duration_seconds_count{method="GET",route="/metrics",status="401"}"#;
    assert_eq!(sample(&second, refused), Some(1.0));
}

#[tokio::test]
async fn each_audit_stream_reports_how_far_behind_it_is_and_whether_it_fails() {
    let app = spawn_app().await;
    let admin = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&admin, &mut key, &app.bootstrap_link).await;
    let token = create_token(&app, &admin, &[], "30").await;
    let now = pim_core::Timestamp::from_unix(1_800_000_000);
    let store = &app.store;
    (store
        .report_audit_stream("syslog", "syslog over TCP to siem:514", None, now)
        .await)
        .unwrap();
    store.advance_audit_stream("syslog", 2, now).await.unwrap();
    let refused = Some("the receiver refused the batch: HTTP 503");
    (store
        .report_audit_stream("http", "JSON lines over HTTP to x", refused, now)
        .await)
        .unwrap();

    let (_, _, body) = scrape(&app.base, Some(&token)).await;
    let head = sample(&body, "stint_audit_events_total").unwrap();
    let behind = |stream: &str| {
        sample(
            &body,
            &format!(r#"stint_audit_stream_behind_events{{stream="{stream}"}}"#),
        )
    };
    assert_eq!(behind("syslog"), Some(head - 2.0), "{body}");
    assert_eq!(behind("http"), Some(head), "nothing delivered yet");
    let failing = |stream: &str| {
        sample(
            &body,
            &format!(r#"stint_audit_stream_failing{{stream="{stream}"}}"#),
        )
    };
    assert_eq!((failing("syslog"), failing("http")), (Some(0.0), Some(1.0)));
}

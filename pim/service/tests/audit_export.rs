//! Exports of the audit log: every event the filters select, in chunks, newest first; the
//! export is itself audited and a bad filter is refused before anything is produced.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::{fixture, signed_in_admin, signed_in_user};
use pim_core::Timestamp;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_service::ServiceError;
use pim_service::audit_export::{AuditExport, AuditFormat};
use pim_service::audit_log::AuditQuery;

async fn whole(mut export: AuditExport) -> String {
    let mut bytes = Vec::new();
    while let Some(chunk) = export.next_chunk().await.unwrap() {
        bytes.extend(chunk);
    }
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn an_export_holds_every_selected_event_across_chunks_and_is_itself_audited() {
    let f = fixture().await;
    let (admin, _) = signed_in_admin(&f).await;
    let mut tx = f.pim.store().begin().await.unwrap();
    for i in 0..2_500 {
        let event = AuditEvent::failure(AuditAction::SignInFailed, None)
            .with_details(serde_json::json!({ "n": i, "role": "=cmd|' /C calc'!A0" }));
        tx.append_audit(&event, Timestamp::from_unix(1_800_000_000))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let failures = AuditQuery {
        action: "auth.sign_in.failed".into(),
        ..AuditQuery::default()
    };

    let csv = whole(
        (f.pim
            .audit_export(&admin, &failures, AuditFormat::Csv)
            .await)
            .unwrap(),
    )
    .await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "seq");
    assert_eq!(&header[8], "role");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2_500, "one header, then every failure once");
    let seqs: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert!(rows.iter().all(|r| &r[2] == "auth.sign_in.failed"));
    assert!(
        rows[0][8].starts_with("'="),
        "a formula-looking cell stays text: {}",
        &rows[0][8]
    );

    let lines = whole(
        (f.pim
            .audit_export(&admin, &failures, AuditFormat::JsonLines)
            .await)
            .unwrap(),
    )
    .await;
    let events: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2_500);
    assert_eq!(events[0]["details"]["n"], 2_499, "details stay an object");
    assert!(events[0]["time"].as_str().unwrap().ends_with('Z'));

    let exports = AuditQuery {
        action: "audit.exported".into(),
        ..AuditQuery::default()
    };
    let recorded = f.pim.audit_page(&admin, &exports, None).await.unwrap();
    assert_eq!(recorded.events.len(), 2, "each export is in the log");
    let details: serde_json::Value =
        serde_json::from_str(&recorded.events[0].record.details).unwrap();
    assert_eq!(details["format"], "jsonl");
    assert_eq!(details["action"], "auth.sign_in.failed");
}

#[tokio::test]
async fn a_bad_filter_or_a_reader_without_the_right_is_refused_before_anything_is_exported() {
    let f = fixture().await;
    let (admin, _) = signed_in_admin(&f).await;
    let bad = AuditQuery {
        from: "29/11/2026".into(),
        ..AuditQuery::default()
    };
    let refused = f.pim.audit_export(&admin, &bad, AuditFormat::Csv).await;
    assert!(
        matches!(refused, Err(ServiceError::InvalidInput(_))),
        "a date that is not YYYY-MM-DD is refused"
    );
    let (grace, _) = signed_in_user(&f, &admin, "Grace", "grace@example.org").await;
    let refused = (f.pim)
        .audit_export(&grace, &AuditQuery::default(), AuditFormat::JsonLines)
        .await;
    assert!(matches!(refused, Err(ServiceError::Forbidden)));
    let exports = AuditQuery {
        action: "audit.exported".into(),
        ..AuditQuery::default()
    };
    let recorded = f.pim.audit_page(&admin, &exports, None).await.unwrap();
    assert!(recorded.events.is_empty(), "nothing was exported");
}

#[tokio::test]
async fn auditors_see_each_streams_lag_and_error_and_other_people_see_nothing() {
    let f = fixture().await;
    let (admin, _) = signed_in_admin(&f).await;
    let now = f.pim.now();
    let store = f.pim.store();
    let error = Some("the receiver could not be reached: connection refused");
    (store
        .report_audit_stream("syslog", "syslog over TLS to siem:6514", error, now)
        .await)
        .unwrap();
    store.advance_audit_stream("http", 1, now).await.unwrap();
    (store
        .report_audit_stream("http", "JSON lines over HTTP to x", None, now)
        .await)
        .unwrap();

    let report = f.pim.audit_streams(&admin).await.unwrap();
    let names: Vec<_> = report.streams.iter().map(|s| s.stream.as_str()).collect();
    assert_eq!(names, ["http", "syslog"]);
    let (http, syslog) = (&report.streams[0], &report.streams[1]);
    assert_eq!((http.delivered_seq, http.failing_since), (1, None));
    assert!(report.head_seq > 1, "install and sign-in are logged");
    assert_eq!(syslog.failing_since, Some(now.unix()));
    assert_eq!(syslog.last_error.as_deref(), error);
    assert_eq!((syslog.delivered_seq, syslog.delivered_at), (0, None));

    let (grace, _) = signed_in_user(&f, &admin, "Grace", "grace@example.org").await;
    assert!(matches!(
        f.pim.audit_streams(&grace).await,
        Err(ServiceError::Forbidden)
    ));
}

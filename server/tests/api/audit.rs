//! The audit log over HTTP: auditors filter and page it and verify the chain; everyone else
//! reads only their own events.

use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::helpers::{TestApp, browser, plain_client, spawn_app};

const NO_FILTER: [(&str, &str); 7] = [
    ("actor", ""),
    ("subject", ""),
    ("action", ""),
    ("role", ""),
    ("outcome", ""),
    ("from", ""),
    ("to", ""),
];

fn filter<'a>(name: &str, value: &'a str) -> Vec<(&'static str, &'a str)> {
    NO_FILTER
        .iter()
        .map(|(n, v)| (*n, if *n == name { value } else { *v }))
        .collect()
}

/// A fresh Stint, its first administrator signed in, and Grace invited (the answer holds her
/// enrollment link).
async fn admin_who_invited_grace() -> (TestApp, reqwest::Client, serde_json::Value) {
    let app = spawn_app().await;
    let admin = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&admin, &mut key, &app.bootstrap_link).await;
    let invite = [
        ("display_name", "Grace Hopper"),
        ("email", "grace@example.org"),
        ("manager_email", ""),
    ];
    let (status, invited) = app.call(&admin, "users/create", &invite).await;
    assert_eq!(status, 200, "{invited}");
    (app, admin, invited)
}

#[tokio::test]
async fn an_administrator_filters_the_audit_log_verifies_it_and_a_plain_user_sees_only_their_own() {
    let (app, admin, invited) = admin_who_invited_grace().await;

    let (status, all) = app.call(&admin, "audit/list", &NO_FILTER).await;
    assert_eq!(status, 200, "{all}");
    let actions: Vec<&str> = all["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"user.created"), "{actions:?}");
    assert!(actions.contains(&"system.bootstrapped"), "{actions:?}");

    let (status, created) = app
        .call(&admin, "audit/list", &filter("action", "user.created"))
        .await;
    assert_eq!(status, 200, "{created}");
    let created = created["events"].as_array().unwrap();
    assert!(!created.is_empty());
    assert!(created.iter().all(|e| e["action"] == "user.created"));
    assert!(
        created.iter().any(|e| e["subject"] == "Grace Hopper"),
        "names are shown, not ids: {created:?}"
    );

    let (status, refused) = app
        .call(&admin, "audit/list", &filter("actor", "nobody@example.org"))
        .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("Actor"),
        "the error names the field: {refused}"
    );

    let (status, verified) = app.call(&admin, "audit/verify", &[]).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["intact"], true, "{verified}");

    // Grace enrolls: she may not read the log, but My audit shows her own events.
    let grace = browser();
    let mut grace_key = SoftPasskey::new(true);
    let link = invited["enrollment_url"].as_str().unwrap();
    app.enroll(&grace, &mut grace_key, link).await;
    for endpoint in ["audit/list", "audit/verify"] {
        let args: &[(&str, &str)] = if endpoint == "audit/list" {
            &NO_FILTER
        } else {
            &[]
        };
        let (status, body) = app.call(&grace, endpoint, args).await;
        assert_eq!(status, 403, "{endpoint}: {body}");
    }
    let (status, mine) = app.call(&grace, "audit/mine", &[]).await;
    assert_eq!(status, 200, "{mine}");
    let mine = mine["events"].as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(
        mine.iter()
            .all(|e| e["actor"] == "Grace Hopper" || e["subject"] == "Grace Hopper"),
        "only Grace's events: {mine:?}"
    );
}

async fn download(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String, String) {
    let response = client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let media = (response.headers().get("content-type"))
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, media, response.text().await.unwrap())
}

#[tokio::test]
async fn an_auditor_downloads_the_filtered_log_and_nobody_else_can() {
    let (app, admin, invited) = admin_who_invited_grace().await;

    let (status, media, csv) =
        download(&app, &admin, "/audit/export/csv?action=user.created").await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(media, "text/csv; charset=utf-8");
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("seq,time,action,outcome,")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains(",user.created,")), "{csv}");
    assert!(csv.contains("Grace Hopper"), "{csv}");

    let (status, media, jsonl) =
        download(&app, &admin, "/audit/export/jsonl?outcome=success").await;
    assert_eq!(status, 200, "{jsonl}");
    assert_eq!(media, "application/x-ndjson");
    let events: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(events.iter().any(|e| e["action"] == "system.bootstrapped"));
    assert!(events.iter().all(|e| e["outcome"] == "success"));

    let (status, _, refused) = download(&app, &admin, "/audit/export/csv?to=yesterday").await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused.contains("To"),
        "the error names the field: {refused}"
    );
    let (status, ..) = download(&app, &admin, "/audit/export/xlsx").await;
    assert_eq!(status, 404);

    let (status, ..) = download(&app, &plain_client(), "/audit/export/csv").await;
    assert_eq!(status, 401, "signed out");
    let grace = browser();
    let mut grace_key = SoftPasskey::new(true);
    app.enroll(
        &grace,
        &mut grace_key,
        invited["enrollment_url"].as_str().unwrap(),
    )
    .await;
    let (status, ..) = download(&app, &grace, "/audit/export/jsonl").await;
    assert_eq!(status, 403, "a plain user may not export the log");

    let (_, exports) = app
        .call(&admin, "audit/list", &filter("action", "audit.exported"))
        .await;
    assert_eq!(
        exports["events"].as_array().unwrap().len(),
        2,
        "the two exports that ran are in the log: {exports}"
    );
}

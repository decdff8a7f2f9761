//! The audit log over HTTP: auditors filter and page it and verify the chain; everyone else
//! reads only their own events.

use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::helpers::{browser, spawn_app};

const NO_FILTER: [(&str, &str); 6] = [
    ("actor", ""),
    ("subject", ""),
    ("action", ""),
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

#[tokio::test]
async fn an_administrator_filters_the_audit_log_verifies_it_and_a_plain_user_sees_only_their_own() {
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

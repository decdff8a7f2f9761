use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::helpers::{browser, spawn_app};

#[tokio::test]
async fn the_reviewer_inbox_serves_only_a_signed_in_person_and_their_own_items() {
    let app = spawn_app().await;
    let client = browser();
    let (status, body) = app.call(&client, "reviews/mine", &[]).await;
    assert_ne!(status, 200);
    assert_eq!(body["kind"], "Unauthenticated", "{body}");

    let mut key = SoftPasskey::new(true);
    app.enroll(&client, &mut key, &app.bootstrap_link).await;
    let (status, inbox) = app.call(&client, "reviews/mine", &[]).await;
    assert_eq!(status, 200, "{inbox}");
    assert_eq!(inbox["items"], serde_json::json!([]));
    let answer = [
        ("item_id", "no-such-item"),
        ("decision", "approve"),
        ("reason", ""),
    ];
    let (status, body) = app.call(&client, "reviews/decide", &answer).await;
    assert_eq!(status, 404, "{body}");

    let page = client
        .get(format!("{}/reviews", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Nothing to review"),
        "the empty inbox says so"
    );
}

#[tokio::test]
async fn an_administrator_creates_a_review_over_http_and_sees_it_listed() {
    let app = spawn_app().await;
    let client = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&client, &mut key, &app.bootstrap_link).await;
    let (status, roles) = app.call(&client, "roles/list", &[]).await;
    assert_eq!(status, 200, "{roles}");
    let role = roles[0]["info"]["id"].as_str().unwrap().to_owned();
    let mut form = vec![
        ("name", "Quarterly check"),
        ("description", ""),
        ("role_id", role.as_str()),
        ("kinds", "both"),
        ("inactive_days", ""),
        ("reviewers", "self_review"),
        ("reviewer_emails", ""),
        ("starts_on", ""),
        ("duration_days", "14"),
        ("recurrence", "quarterly"),
        ("end", "never"),
        ("end_date", ""),
        ("end_count", ""),
        ("default_decision", "remove"),
        ("report_recipients", ""),
    ];
    let (status, body) = app.call(&client, "reviews/create", &form).await;
    assert_eq!(status, 200, "{body}");
    form[8] = ("duration_days", "400");
    let (status, body) = app.call(&client, "reviews/create", &form).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("180 days"),
        "{body}"
    );
    let (status, list) = app.call(&client, "reviews/list", &[]).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "the refused one was not stored"
    );
    assert_eq!(list[0]["name"], "Quarterly check");
    assert!(
        list[0]["instance"].is_array(),
        "a review starting now opens at once: {list}"
    );
}

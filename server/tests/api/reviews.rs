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

use serde_json::{Value, json};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::helpers::{browser, spawn_app};

const GLOBAL_ADMIN: &str = "57170000-0000-4000-8000-000000000001";

async fn post_json(client: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let response = client
        .post(url)
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn fields(minutes: &str) -> Value {
    json!([
        ["duration_minutes", minutes],
        [
            "justification",
            "Rotate the signing keys after the incident"
        ],
        ["ticket_system", ""],
        ["ticket_number", ""],
        ["scheduled_start", "0"],
    ])
}

#[tokio::test]
async fn a_request_over_the_maximum_is_refused_over_http_with_the_reason() {
    let app = spawn_app().await;
    let client = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&client, &mut key, &app.bootstrap_link).await;
    let url = format!("{}/api/my/activate/start", app.base);
    let body = json!({ "role_id": GLOBAL_ADMIN, "fields": fields("300") });
    let (status, error) = post_json(&client, url.clone(), body).await;
    assert_eq!(status, 400, "{error}");
    assert!(error.to_string().contains("at most 4 h"), "{error}");

    let body = json!({ "role_id": GLOBAL_ADMIN, "fields": fields("60") });
    let (status, started) = post_json(&client, url, body).await;
    assert_eq!(status, 200, "{started}");
    assert!(
        started["step_up"]["options_json"].is_string(),
        "a tier-0 role asks for a step-up"
    );
}

#[tokio::test]
async fn an_activation_cannot_be_finished_without_its_step_up_over_http() {
    let app = spawn_app().await;
    let client = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&client, &mut key, &app.bootstrap_link).await;
    let start = format!("{}/api/my/activate/start", app.base);
    let (_, started) = post_json(
        &client,
        start,
        json!({ "role_id": GLOBAL_ADMIN, "fields": fields("60") }),
    )
    .await;
    let finish = format!("{}/api/my/activate/finish", app.base);
    let body = json!({
        "role_id": GLOBAL_ADMIN,
        "request_id": started["request_id"],
        "fields": fields("60"),
        "ceremony_id": "",
        "credential": "",
    });
    let (status, error) = post_json(&client, finish, body).await;
    assert_eq!(status, 401, "{error}");
    let (_, requests) = app.call(&client, "my/requests", &[]).await;
    assert_eq!(requests["requests"], json!([]), "nothing was stored");
}

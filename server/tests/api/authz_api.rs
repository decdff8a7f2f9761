//! The authorisation API over HTTP: applications with a token ask who holds which role; a
//! missing, wrong, revoked, expired or out-of-scope token gets 401 or 403, never an answer.

use serde_json::{Value, json};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::helpers::{TestApp, browser, plain_client, spawn_app};

const GLOBAL_ADMIN: &str = "57170000-0000-4000-8000-000000000001";
const USER_ADMIN: &str = "57170000-0000-4000-8000-000000000004";

pub async fn create_token(
    app: &TestApp,
    admin: &reqwest::Client,
    roles: &[&str],
    days: &str,
) -> String {
    let mut fields = vec![json!(["name", "Orders service"]), json!(["days", days])];
    fields.extend(roles.iter().map(|r| json!(["role", r])));
    let (status, token) = app
        .call_json(
            admin,
            "settings/api-tokens/create",
            &json!({ "fields": fields }),
        )
        .await;
    assert_eq!(status, 200, "{token}");
    token.as_str().unwrap().to_owned()
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value, Option<String>) {
    let mut request = plain_client().get(format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, challenge)
}

#[tokio::test]
async fn an_application_with_a_token_asks_who_holds_which_role_and_bad_tokens_get_nothing() {
    let app = spawn_app().await;
    let admin = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&admin, &mut key, &app.bootstrap_link).await;
    let all = create_token(&app, &admin, &[], "90").await;
    let scoped = create_token(&app, &admin, &[USER_ADMIN], "1").await;
    let roles = "/api/v1/users/admin@localhost/active-roles";

    let (status, body, _) = get(&app, roles, Some(&all)).await;
    assert_eq!(status, 200, "{body}");
    let held = &body["roles"][0];
    assert_eq!(held["role_id"], GLOBAL_ADMIN, "{body}");
    assert!(
        held["activation_id"].is_null(),
        "an assignment, not an activation"
    );
    assert!(held["ends_at"].as_i64().unwrap() > body["at"].as_i64().unwrap());

    let (status, _, challenge) = get(&app, roles, None).await;
    assert_eq!(
        (status, challenge.as_deref()),
        (401, Some("Bearer realm=\"stint\""))
    );
    // One character of the secret changed (to one it certainly was not).
    let last = if all.ends_with('A') { 'B' } else { 'A' };
    let tampered = format!("{}{last}", &all[..all.len() - 1]);
    assert_eq!(get(&app, roles, Some(&tampered)).await.0, 401);

    let check = format!("/api/v1/users/admin@localhost/roles/{GLOBAL_ADMIN}");
    assert_eq!(get(&app, &check, Some(&all)).await.1["active"], true);
    let (status, body, _) = get(&app, &check, Some(&scoped)).await;
    assert_eq!(status, 403, "outside the token's roles: {body}");
    let allowed = format!("/api/v1/users/admin@localhost/roles/{USER_ADMIN}");
    let (status, body, _) = get(&app, &allowed, Some(&scoped)).await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    assert_eq!(
        get(
            &app,
            "/api/v1/users/nobody@example.org/active-roles",
            Some(&all)
        )
        .await
        .0,
        404
    );

    app.clock.advance(2 * 86_400);
    assert_eq!(get(&app, &allowed, Some(&scoped)).await.0, 401, "expired");
}

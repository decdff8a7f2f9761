use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::helpers::{browser, browser_with_jar, spawn_app};

#[tokio::test]
async fn the_first_administrator_enrolls_over_http_and_can_manage_users() {
    let app = spawn_app().await;
    let client = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&client, &mut key, &app.bootstrap_link).await;

    let (status, me) = app.call(&client, "me", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(me["display_name"], "First administrator");
    assert_eq!(me["can_manage_users"], true);

    let form = [
        ("display_name", "Grace Hopper"),
        ("email", "grace@example.org"),
        ("manager_email", ""),
    ];
    let (status, invite) = app.call(&client, "users/create", &form).await;
    assert_eq!(status, 200, "{invite}");
    assert!(
        invite["enrollment_url"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost:3000/enroll/")
    );
}

#[tokio::test]
async fn signing_in_starts_a_new_session_id() {
    let app = spawn_app().await;
    let enroller = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&enroller, &mut key, &app.bootstrap_link).await;

    let (client, jar) = browser_with_jar();
    let (_, ceremony) = app
        .call(
            &client,
            "auth/sign_in/start",
            &[("email", "admin@localhost")],
        )
        .await;
    let before = session_cookie(&jar, &app);
    assert!(before.is_some(), "starting a ceremony creates a session");
    let rcr = serde_json::from_str(ceremony["options_json"].as_str().unwrap()).unwrap();
    let cred = webauthn_authenticator_rs::WebauthnAuthenticator::do_authentication(
        &mut key,
        crate::helpers::origin(),
        rcr,
    )
    .unwrap();
    let cred = serde_json::to_string(&cred).unwrap();
    let form = [
        ("ceremony_id", ceremony["id"].as_str().unwrap()),
        ("credential", cred.as_str()),
    ];
    let (status, body) = app.call(&client, "auth/sign_in/finish", &form).await;
    assert_eq!(status, 200, "{body}");
    let after = session_cookie(&jar, &app);
    assert_ne!(before, after, "the session id is cycled on sign-in");
    let (_, me) = app.call(&client, "me", &[]).await;
    assert_eq!(me["display_name"], "First administrator");
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_however_active() {
    let app = spawn_app().await;
    let client = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&client, &mut key, &app.bootstrap_link).await;
    app.clock.advance(12 * 3600 - 1);
    let (_, me) = app.call(&client, "me", &[]).await;
    assert_eq!(
        me["display_name"], "First administrator",
        "still inside the lifetime"
    );
    app.clock.advance(1);
    let (_, me) = app.call(&client, "me", &[]).await;
    assert!(me.is_null(), "absolute lifetime reached: {me}");
}

fn session_cookie(jar: &reqwest::cookie::Jar, app: &crate::helpers::TestApp) -> Option<String> {
    use reqwest::cookie::CookieStore;
    let url = reqwest::Url::parse(&app.base).unwrap();
    jar.cookies(&url).map(|v| v.to_str().unwrap().to_owned())
}

/// Whether answering `me` saved the session (and so moved its inactivity expiry forward).
async fn me_saves_session(app: &crate::helpers::TestApp, client: &reqwest::Client) -> bool {
    let response = client
        .post(format!("{}/api/me", app.base))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.headers().get("set-cookie").is_some()
}

#[tokio::test]
async fn an_active_session_is_kept_alive_at_most_every_five_minutes() {
    let app = spawn_app().await;
    let client = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&client, &mut key, &app.bootstrap_link).await;
    assert!(
        me_saves_session(&app, &client).await,
        "first use records activity"
    );
    assert!(
        !me_saves_session(&app, &client).await,
        "no write per request"
    );
    app.clock.advance(pim_service::SESSION_REFRESH_SECONDS);
    assert!(
        me_saves_session(&app, &client).await,
        "five minutes later the inactivity expiry moves forward again"
    );
}

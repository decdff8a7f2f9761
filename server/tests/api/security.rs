use crate::helpers::{plain_client, spawn_app};

#[tokio::test]
async fn a_cross_site_post_to_a_server_function_is_refused() {
    let app = spawn_app().await;
    let response = plain_client()
        .post(format!("{}/api/auth/sign_in/start", app.base))
        .header("origin", "http://evil.example")
        .form(&[("email", "admin@localhost")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_post_without_origin_or_fetch_metadata_is_refused() {
    let app = spawn_app().await;
    let response = plain_client()
        .post(format!("{}/api/auth/sign_in/start", app.base))
        .form(&[("email", "admin@localhost")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn pages_carry_a_nonce_based_content_security_policy_and_hardening_headers() {
    let app = spawn_app().await;
    let response = plain_client()
        .get(format!("{}/signin", app.base))
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the nonce"
    );
}

#[tokio::test]
async fn an_unknown_page_answers_404() {
    let app = spawn_app().await;
    let response = plain_client()
        .get(format!("{}/does/not/exist", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn the_user_list_refuses_a_caller_who_is_not_signed_in() {
    let app = spawn_app().await;
    let client = crate::helpers::browser();
    let (status, body) = app
        .call(&client, "users/list", &[("search", ""), ("page", "0")])
        .await;
    assert_ne!(status, 200);
    assert_eq!(body["kind"], "Unauthenticated", "{body}");
}

#[tokio::test]
async fn the_icon_every_page_links_is_served_as_svg_without_rendering_a_page() {
    let app = spawn_app().await;
    let page = plain_client()
        .get(format!("{}/signin", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<link rel="icon" href="/favicon.svg""#));
    for path in ["/favicon.svg", "/favicon.ico"] {
        let response = plain_client()
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        assert!(response.text().await.unwrap().starts_with("<svg"), "{path}");
    }
}

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

/// The new-review form as the settings page sends it: a quarterly self-review of `role`,
/// starting now.
fn review_form<'a>(name: &'a str, role: &'a str, default: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("description", ""),
        ("role_ids[]", role),
        ("kinds", "both"),
        ("inactive_days", ""),
        ("reviewers", "self_review"),
        ("reviewer_emails", ""),
        ("starts_on", ""),
        ("duration_days", "14"),
        ("reminder_hours", ""),
        ("recurrence", "quarterly"),
        ("end", "never"),
        ("end_date", ""),
        ("end_count", ""),
        ("default_decision", default),
        ("report_recipients", ""),
    ]
}

fn set<'a>(form: &mut [(&'a str, &'a str)], field: &str, value: &'a str) {
    for (name, v) in form.iter_mut() {
        if *name == field {
            *v = value;
        }
    }
}

#[tokio::test]
async fn an_administrator_creates_a_review_of_two_roles_over_http_and_sees_it_listed() {
    let app = spawn_app().await;
    let client = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&client, &mut key, &app.bootstrap_link).await;
    let (status, roles) = app.call(&client, "roles/list", &[]).await;
    assert_eq!(status, 200, "{roles}");
    let first = roles[0]["info"]["id"].as_str().unwrap().to_owned();
    let second = roles[1]["info"]["id"].as_str().unwrap().to_owned();
    let mut form = review_form("Quarterly check", &first, "remove");
    form.push(("role_ids[]", &second));
    let (status, body) = app.call(&client, "reviews/create", &form).await;
    assert_eq!(status, 200, "{body}");

    set(&mut form, "duration_days", "400");
    let (status, body) = app.call(&client, "reviews/create", &form).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("180 days"),
        "{body}"
    );
    let no_role: Vec<_> = form
        .iter()
        .filter(|(name, _)| *name != "role_ids[]")
        .map(|(name, value)| {
            (
                *name,
                if *name == "duration_days" {
                    "14"
                } else {
                    *value
                },
            )
        })
        .collect();
    let (status, body) = app.call(&client, "reviews/create", &no_role).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("role"),
        "the error names what is missing: {body}"
    );

    let (status, list) = app.call(&client, "reviews/list", &[]).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["can_manage"], true);
    let reviews = list["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 1, "the refused ones were not stored");
    assert_eq!(reviews[0]["name"], "Quarterly check");
    assert!(
        reviews[0]["instance"].is_array(),
        "a review starting now opens at once: {list}"
    );
    let names = |i: usize| roles[i]["info"]["name"].as_str().unwrap().to_owned();
    assert_eq!(
        reviews[0]["roles"],
        serde_json::json!([names(0), names(1)]),
        "one review covers both roles"
    );
}

#[tokio::test]
async fn review_results_download_as_csv_with_formulas_kept_as_text_and_as_json_for_administrators_only()
 {
    let app = spawn_app().await;
    let client = browser();
    let mut key = SoftPasskey::new(true);
    app.enroll(&client, &mut key, &app.bootstrap_link).await;
    let (_, roles) = app.call(&client, "roles/list", &[]).await;
    let ga = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["info"]["name"] == "Global Administrator")
        .unwrap()["info"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = review_form("Administrators", &ga, "");
    let (status, review) = app.call(&client, "reviews/create", &form).await;
    assert_eq!(status, 200, "{review}");
    let review = review.as_str().unwrap().to_owned();
    let (_, inbox) = app.call(&client, "reviews/mine", &[]).await;
    let item = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    let formula = "=HYPERLINK(\"http://evil.example\")";
    let answer = [
        ("item_id", item.as_str()),
        ("decision", "approve"),
        ("reason", formula),
    ];
    let (status, body) = app.call(&client, "reviews/decide", &answer).await;
    assert_eq!(status, 200, "{body}");

    let url = |format: &str| format!("{}/settings/reviews/{review}/export/{format}", app.base);
    let csv = client.get(url("csv")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("review,instance,person,role,"), "{text}");
    assert!(text.contains("First administrator"), "{text}");
    assert!(text.contains("'=HYPERLINK"), "a formula stays text: {text}");
    let json: serde_json::Value = client
        .get(url("json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json[0]["decision"], "approve");
    assert_eq!(json[0]["reason"], formula, "JSON keeps the text as typed");

    let stranger = crate::helpers::plain_client()
        .get(url("csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 401);
}

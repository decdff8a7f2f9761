//! API tokens and the authorisation API's answers, through the service: created once and
//! stored hashed, scoped to roles, refused when missing, wrong, revoked, expired or out of
//! scope, each refusal audited with its reason.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::*;

use pim_core::RoleId;
use pim_core::activation::{Activation, ActivationForm};
use pim_core::principal::Principal;
use pim_core::role::BuiltinRole;
use pim_core::time::{DAY, HOUR};
use pim_core::user::UserStatus;
use pim_service::ServiceError;
use pim_service::api_tokens::ApiTokenForm;

const USER_ADMIN: RoleId = BuiltinRole::UserAdministrator.id();
const GLOBAL_ADMIN: RoleId = BuiltinRole::GlobalAdministrator.id();

fn token_form(name: &str, roles: &[RoleId]) -> ApiTokenForm {
    ApiTokenForm {
        name: name.into(),
        role_ids: roles.iter().map(ToString::to_string).collect(),
        days: 30,
    }
}

async fn refusal_reasons(f: &Fixture) -> Vec<String> {
    let events = f.pim.store().list_audit(None, 200).await.unwrap();
    events
        .into_iter()
        .filter(|e| e.action == "api.refused")
        .map(|e| {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap();
            details["reason"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Bob, eligible for User Administrator, has activated it for an hour.
async fn bob_holds_user_administrator() -> (Fixture, Principal, Principal, Activation) {
    let f = fixture_without_rate_limits().await;
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    let (bob, mut bob_key) = signed_in_user(&f, &admin, "Bob Builder", "bob@example.com").await;
    assign(
        &f,
        &admin,
        &mut admin_key,
        "bob@example.com",
        USER_ADMIN,
        30,
    )
    .await;
    let form = ActivationForm {
        duration_seconds: HOUR,
        justification: "Reset a locked-out colleague (INC-1042)".into(),
        ..ActivationForm::default()
    };
    let activation = activate_as(&f, &bob, &mut bob_key, USER_ADMIN, &form)
        .await
        .unwrap();
    (f, admin, bob, activation)
}

#[tokio::test]
async fn an_application_sees_the_activation_behind_a_role_with_its_end() {
    let (f, admin, _, activation) = bob_holds_user_administrator().await;
    let (_, token) = f
        .pim
        .create_api_token(&admin, &token_form("Helpdesk", &[USER_ADMIN]))
        .await
        .unwrap();

    let app = f.pim.api_client(Some(&token)).await.unwrap();
    let held = f
        .pim
        .api_holds_role(&app, "bob@example.com", USER_ADMIN)
        .await
        .unwrap()
        .expect("Bob holds the role");
    assert_eq!(held.activation_id, Some(activation.id));
    assert_eq!(held.ends_at, Some(activation.ends_at));
    let roles = f
        .pim
        .api_active_roles(&app, "admin@localhost")
        .await
        .unwrap();
    assert!(
        roles.is_empty(),
        "Global Administrator is outside the scope: {roles:?}"
    );

    f.pim.store().list_api_tokens().await.unwrap();
    let stored = f.pim.store().list_audit(None, 50).await.unwrap();
    assert!(
        stored.iter().all(|e| !e.details.contains(&token)),
        "the token itself is never stored"
    );
    f.clock.advance(HOUR);
    let ended = f
        .pim
        .api_holds_role(&app, "bob@example.com", USER_ADMIN)
        .await
        .unwrap();
    assert!(ended.is_none(), "the answer follows ends_at");
}

#[tokio::test]
async fn missing_wrong_revoked_expired_and_out_of_scope_tokens_are_refused_and_audited() {
    let f = fixture().await;
    let (admin, _) = signed_in_admin(&f).await;
    let (id, token) = f
        .pim
        .create_api_token(&admin, &token_form("Orders service", &[USER_ADMIN]))
        .await
        .unwrap();

    let refused = |r: Result<_, ServiceError>| matches!(r, Err(ServiceError::Unauthenticated));
    assert!(refused(f.pim.api_client(None).await));
    let last = if token.ends_with('A') { 'B' } else { 'A' };
    let tampered = format!("{}{last}", &token[..token.len() - 1]);
    assert!(refused(f.pim.api_client(Some(&tampered)).await));
    assert!(refused(f.pim.api_client(Some("stint_garbage")).await));

    let app = f.pim.api_client(Some(&token)).await.unwrap();
    let out_of_scope = f
        .pim
        .api_holds_role(&app, "admin@localhost", GLOBAL_ADMIN)
        .await;
    assert!(
        matches!(out_of_scope, Err(ServiceError::Forbidden)),
        "{out_of_scope:?}"
    );

    f.pim.revoke_api_token(&admin, id).await.unwrap();
    assert!(refused(f.pim.api_client(Some(&token)).await));

    let (_, short) = f
        .pim
        .create_api_token(
            &admin,
            &ApiTokenForm {
                days: 1,
                ..token_form("Short", &[])
            },
        )
        .await
        .unwrap();
    assert!(f.pim.api_client(Some(&short)).await.is_ok());
    f.clock.advance(DAY);
    assert!(refused(f.pim.api_client(Some(&short)).await));

    assert_eq!(
        refusal_reasons(&f).await,
        [
            "expired",
            "revoked",
            "out_of_scope",
            "unknown",
            "unknown",
            "missing"
        ]
    );
}

#[tokio::test]
async fn only_security_administrators_create_or_revoke_tokens() {
    let f = fixture().await;
    let (admin, _) = signed_in_admin(&f).await;
    let (bob, _) = signed_in_user(&f, &admin, "Bob Builder", "bob@example.com").await;
    let denied = f.pim.create_api_token(&bob, &token_form("Mine", &[])).await;
    assert!(matches!(denied, Err(ServiceError::Forbidden)), "{denied:?}");
    let (id, _) = f
        .pim
        .create_api_token(&admin, &token_form("Orders service", &[]))
        .await
        .unwrap();
    let denied = f.pim.revoke_api_token(&bob, id).await;
    assert!(matches!(denied, Err(ServiceError::Forbidden)), "{denied:?}");
    let too_long = ApiTokenForm {
        days: 400,
        ..token_form("Forever", &[])
    };
    assert!(matches!(
        f.pim.create_api_token(&admin, &too_long).await,
        Err(ServiceError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn a_disabled_person_holds_nothing_for_applications() {
    let (f, admin, bob, _) = bob_holds_user_administrator().await;
    let (_, token) = f
        .pim
        .create_api_token(&admin, &token_form("Helpdesk", &[]))
        .await
        .unwrap();
    let app = f.pim.api_client(Some(&token)).await.unwrap();
    assert_eq!(
        f.pim
            .api_active_roles(&app, "bob@example.com")
            .await
            .unwrap()
            .len(),
        1
    );

    let user_admin = f.pim.require_user_admin(&admin).unwrap();
    f.pim
        .set_user_status(&user_admin, bob.user_id, UserStatus::Disabled)
        .await
        .unwrap();
    assert!(
        f.pim
            .api_active_roles(&app, "bob@example.com")
            .await
            .unwrap()
            .is_empty()
    );
}

//! Real WebAuthn ceremonies against the service, driven by webauthn-authenticator-rs software
//! authenticators, on whichever engine the test command selects.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::*;

use pim_core::role::BuiltinRole;
use pim_core::user::UserStatus;
use pim_service::{BootstrapOutcome, ServiceError, SessionIdentity, StepUpPurpose, UserForm};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::{RequestChallengeResponse, UserVerificationPolicy};

#[tokio::test]
async fn the_first_administrator_enrolls_and_signs_in_as_an_active_global_administrator() {
    let f = fixture().await;
    let mut key = authenticator();
    let url = bootstrap_link(&f.pim).await;
    assert!(url.starts_with("http://localhost:3000/enroll/"), "{url}");
    enroll(&f.pim, &mut key, &url).await;
    let identity = sign_in(&f.pim, &mut key, "admin@localhost")
        .await
        .expect("sign-in");
    let principal = f.pim.principal(&identity).await.unwrap();
    assert!(
        principal
            .active_roles
            .iter()
            .any(|r| r.role_id == BuiltinRole::GlobalAdministrator.id())
    );
    assert!(principal.as_user_admin().is_some());
    assert_eq!(
        f.pim.ensure_bootstrap().await.unwrap(),
        BootstrapOutcome::Done
    );
}

#[tokio::test]
async fn the_bootstrap_global_administrator_role_ends_after_24_hours() {
    let f = fixture().await;
    let mut key = authenticator();
    enroll(&f.pim, &mut key, &bootstrap_link(&f.pim).await).await;
    let identity = sign_in(&f.pim, &mut key, "admin@localhost").await.unwrap();
    f.clock.advance(24 * 3600 - 1);
    assert!(
        f.pim
            .principal(&SessionIdentity {
                signed_in_at: f.pim.now(),
                ..identity
            })
            .await
            .unwrap()
            .as_user_admin()
            .is_some()
    );
    f.clock.advance(1);
    let later = f
        .pim
        .principal(&SessionIdentity {
            signed_in_at: f.pim.now(),
            ..identity
        })
        .await
        .unwrap();
    assert!(
        later.as_user_admin().is_none(),
        "the active assignment has ended"
    );
}

#[tokio::test]
async fn an_enrollment_link_cannot_be_used_twice() {
    let f = fixture().await;
    let url = bootstrap_link(&f.pim).await;
    enroll(&f.pim, &mut authenticator(), &url).await;
    let err = f
        .pim
        .start_enrollment("s1", IP, &token_of(&url))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Enrollment(_)), "{err:?}");
}

#[tokio::test]
async fn an_expired_enrollment_link_is_refused() {
    let f = fixture().await;
    let url = bootstrap_link(&f.pim).await;
    f.clock.advance(24 * 3600);
    let err = f
        .pim
        .start_enrollment("s1", IP, &token_of(&url))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::Enrollment(pim_core::enrollment::EnrollmentDenial::Expired)
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_replayed_sign_in_ceremony_is_refused() {
    let f = fixture().await;
    let mut key = authenticator();
    enroll(&f.pim, &mut key, &bootstrap_link(&f.pim).await).await;
    let ceremony = f
        .pim
        .start_sign_in("s2", IP, Some("admin@localhost"))
        .await
        .unwrap();
    let cred = assert_with(&mut key, ceremony.options);
    f.pim
        .finish_sign_in("s2", IP, &ceremony.id, &cred)
        .await
        .expect("first use");
    let err = f
        .pim
        .finish_sign_in("s2", IP, &ceremony.id, &cred)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::AuthenticationFailed), "{err:?}");
}

#[tokio::test]
async fn a_ceremony_cannot_be_finished_from_another_session() {
    let f = fixture().await;
    let mut key = authenticator();
    enroll(&f.pim, &mut key, &bootstrap_link(&f.pim).await).await;
    let ceremony = f
        .pim
        .start_sign_in("victim", IP, Some("admin@localhost"))
        .await
        .unwrap();
    let cred = assert_with(&mut key, ceremony.options);
    let err = f
        .pim
        .finish_sign_in("attacker", IP, &ceremony.id, &cred)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::AuthenticationFailed), "{err:?}");
}

#[tokio::test]
async fn an_assertion_without_user_verification_is_refused() {
    let f = fixture().await;
    let mut key = authenticator();
    enroll(&f.pim, &mut key, &bootstrap_link(&f.pim).await).await;
    let ceremony = f
        .pim
        .start_sign_in("s2", IP, Some("admin@localhost"))
        .await
        .unwrap();
    // A tampered client downgrades the request, so the authenticator does not verify the user.
    let mut rcr: RequestChallengeResponse = serde_json::from_value(ceremony.options).unwrap();
    rcr.public_key.user_verification = UserVerificationPolicy::Discouraged_DO_NOT_USE;
    let assertion = key
        .do_authentication(Url::parse(ORIGIN).unwrap(), rcr)
        .expect("assertion");
    let json = serde_json::to_string(&assertion).unwrap();
    let err = f
        .pim
        .finish_sign_in("s2", IP, &ceremony.id, &json)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::AuthenticationFailed), "{err:?}");
}

#[tokio::test]
async fn an_unknown_email_gets_a_ceremony_that_cannot_succeed() {
    let f = fixture().await;
    let mut key = authenticator();
    enroll(&f.pim, &mut key, &bootstrap_link(&f.pim).await).await;
    let ceremony = f
        .pim
        .start_sign_in("s2", IP, Some("nobody@example.org"))
        .await
        .unwrap();
    let allowed = &ceremony.options["publicKey"]["allowCredentials"];
    assert_eq!(
        allowed.as_array().map(Vec::len),
        Some(1),
        "looks like a real account: {allowed}"
    );
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_loses_their_sessions() {
    let f = fixture().await;
    let mut admin_key = authenticator();
    enroll(&f.pim, &mut admin_key, &bootstrap_link(&f.pim).await).await;
    let admin_identity = sign_in(&f.pim, &mut admin_key, "admin@localhost")
        .await
        .unwrap();
    let admin = f.pim.principal(&admin_identity).await.unwrap();
    let cap = f.pim.require_user_admin(&admin).unwrap();
    let form = UserForm {
        display_name: "Grace Hopper".into(),
        email: "grace@example.org".into(),
        manager_email: String::new(),
    };
    let (grace, link) = f.pim.create_user(&cap, &form).await.unwrap();
    let mut grace_key = authenticator();
    enroll(&f.pim, &mut grace_key, &link).await;
    let grace_session = sign_in(&f.pim, &mut grace_key, "grace@example.org")
        .await
        .unwrap();
    assert!(f.pim.principal(&grace_session).await.is_ok());

    // A sign-in already under way when the account is disabled must not complete.
    let pending = f
        .pim
        .start_sign_in("s4", IP, Some("grace@example.org"))
        .await
        .unwrap();
    let assertion = assert_with(&mut grace_key, pending.options);

    f.pim
        .set_user_status(&cap, grace.id, UserStatus::Disabled)
        .await
        .unwrap();
    assert!(matches!(
        f.pim.principal(&grace_session).await,
        Err(ServiceError::Unauthenticated)
    ));
    let err = f
        .pim
        .finish_sign_in("s4", IP, &pending.id, &assertion)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::AuthenticationFailed), "{err:?}");
    let fresh = f
        .pim
        .start_sign_in("s4", IP, Some("grace@example.org"))
        .await
        .unwrap();
    let rcr: RequestChallengeResponse = serde_json::from_value(fresh.options).unwrap();
    assert!(
        grace_key
            .do_authentication(Url::parse(ORIGIN).unwrap(), rcr)
            .is_err(),
        "options offer none of her keys"
    );
}

#[tokio::test]
async fn a_second_passkey_can_be_added_and_the_first_removed_with_a_step_up() {
    let f = fixture().await;
    let (me, _first_key) = signed_in_admin(&f).await;

    f.clock.advance(60);
    let mut second = authenticator();
    let ceremony = f.pim.start_add_passkey("s3", IP, &me).await.unwrap();
    let excluded = ceremony.options["publicKey"]["excludeCredentials"]
        .as_array()
        .map(Vec::len);
    assert_eq!(excluded, Some(1), "the existing passkey is excluded");
    let cred = register(&mut second, ceremony.options);
    f.pim
        .finish_add_passkey("s3", &me, &ceremony.id, "Phone", &cred)
        .await
        .unwrap();
    let keys = f.pim.list_my_passkeys(&me).await.unwrap();
    assert_eq!(
        keys.iter().map(|k| k.label.as_str()).collect::<Vec<_>>(),
        ["Laptop", "Phone"]
    );

    let laptop = keys[0].id;
    let step_up = f
        .pim
        .start_step_up("s3", IP, &me, StepUpPurpose::RemovePasskey(laptop))
        .await
        .unwrap();
    let proof = assert_with(&mut second, step_up.options);
    f.pim
        .remove_passkey("s3", &me, laptop, &step_up.id, &proof)
        .await
        .unwrap();
    assert_eq!(f.pim.list_my_passkeys(&me).await.unwrap().len(), 1);
    assert!(
        sign_in(&f.pim, &mut second, "admin@localhost")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_step_up_for_one_passkey_cannot_remove_another() {
    let f = fixture().await;
    let (me, mut first) = signed_in_admin(&f).await;
    let ceremony = f.pim.start_add_passkey("s3", IP, &me).await.unwrap();
    let mut second = authenticator();
    let cred = register(&mut second, ceremony.options);
    f.pim
        .finish_add_passkey("s3", &me, &ceremony.id, "Phone", &cred)
        .await
        .unwrap();
    let keys = f.pim.list_my_passkeys(&me).await.unwrap();

    let step_up = f
        .pim
        .start_step_up("s3", IP, &me, StepUpPurpose::RemovePasskey(keys[1].id))
        .await
        .unwrap();
    let proof = assert_with(&mut first, step_up.options);
    let err = f
        .pim
        .remove_passkey("s3", &me, keys[0].id, &step_up.id, &proof)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::AuthenticationFailed), "{err:?}");
    assert_eq!(f.pim.list_my_passkeys(&me).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_only_passkey_cannot_be_removed() {
    let f = fixture().await;
    let (me, mut key) = signed_in_admin(&f).await;
    let only = f.pim.list_my_passkeys(&me).await.unwrap()[0].id;
    let step_up = f
        .pim
        .start_step_up("s3", IP, &me, StepUpPurpose::RemovePasskey(only))
        .await
        .unwrap();
    let proof = assert_with(&mut key, step_up.options);
    let err = f
        .pim
        .remove_passkey("s3", &me, only, &step_up.id, &proof)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn every_sign_in_attempt_is_audited() {
    let f = fixture().await;
    let mut key = authenticator();
    enroll(&f.pim, &mut key, &bootstrap_link(&f.pim).await).await;
    sign_in(&f.pim, &mut key, "admin@localhost").await.unwrap();
    let ceremony = f
        .pim
        .start_sign_in("s2", IP, Some("admin@localhost"))
        .await
        .unwrap();
    assert!(
        f.pim
            .finish_sign_in("s2", IP, &ceremony.id, "{not json")
            .await
            .is_err()
    );
    let actions: Vec<String> = f
        .pim
        .store()
        .list_audit(None, 5)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}", e.action, e.outcome))
        .collect();
    assert_eq!(
        &actions[..2],
        [
            "auth.sign_in.failed:failure",
            "auth.sign_in.succeeded:success"
        ]
    );
}

#[tokio::test]
async fn sign_in_starts_for_one_account_are_rate_limited() {
    let f = fixture().await;
    for attempt in 0..10 {
        let started = f.pim.start_sign_in("s5", IP, Some("admin@localhost")).await;
        assert!(started.is_ok(), "attempt {attempt} is within the limit");
    }
    let err = f
        .pim
        .start_sign_in("s5", IP, Some("ADMIN@localhost"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::RateLimited), "{err:?}");
    assert!(
        f.pim
            .start_sign_in("s5", IP, Some("other@example.org"))
            .await
            .is_ok(),
        "other accounts are unaffected"
    );
}

#[tokio::test]
async fn a_manager_is_named_by_email_and_must_exist_and_be_someone_else() {
    let f = fixture().await;
    let (admin, _key) = signed_in_admin(&f).await;
    let cap = f.pim.require_user_admin(&admin).unwrap();
    let form = |email: &str, manager: &str| UserForm {
        display_name: "Grace Hopper".into(),
        email: email.into(),
        manager_email: manager.into(),
    };

    let err = f
        .pim
        .create_user(&cap, &form("grace@example.org", "nobody@example.org"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
    let (grace, _) = f
        .pim
        .create_user(&cap, &form("grace@example.org", "Admin@Localhost"))
        .await
        .unwrap();
    let (_, manager) = f.pim.find_user_with_manager(&cap, grace.id).await.unwrap();
    assert_eq!(manager.map(|m| m.email).as_deref(), Some("admin@localhost"));

    let err = f
        .pim
        .update_user(
            &cap,
            grace.id,
            &form("grace@example.org", "grace@example.org"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::Conflict("a person cannot be their own manager")
        ),
        "{err:?}"
    );
}

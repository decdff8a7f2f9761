//! Emergency access: a ready break-glass key opens a session, raising the alarm to every
//! administrator and channel with the audit event, and the session must say why first.
#![allow(clippy::unwrap_used)]

mod common;

use common::break_glass::{
    Scene, asserted_by, enroll_with, registered_by, scene_with_allowed_key, second_security_admin,
    witness,
};
use common::{IP, local_relay, outbox};
use pim_core::PasskeyId;
use pim_core::role::Permission;
use pim_service::{ServiceError, SessionIdentity};
use webauthn_authenticator_rs::softtoken::SoftToken;

/// Vault One with Key A enrolled by the first administrator and witnessed by Sam, and a mail
/// channel; returns the scene, the key and its id.
async fn ready_vault() -> (Scene, SoftToken, PasskeyId) {
    let (mut scene, mut token) = scene_with_allowed_key().await;
    let Scene {
        f,
        admin,
        admin_key,
        vault,
    } = &mut scene;
    let key = enroll_with(f, admin, *vault, "Key A", registered_by(&mut token))
        .await
        .unwrap();
    let (sam, mut sam_key) = second_security_admin(f, admin, admin_key).await;
    witness(f, &sam, &mut sam_key, key).await.unwrap();
    f.pim
        .create_channel(admin, "Mail", local_relay())
        .await
        .unwrap();
    (scene, token, key)
}

async fn emergency_sign_in(
    f: &common::Fixture,
    token: &mut SoftToken,
) -> Result<SessionIdentity, ServiceError> {
    let ceremony = f.pim.start_emergency_sign_in("vault", IP).await?;
    let cred = asserted_by(token, ceremony.options);
    f.pim
        .finish_emergency_sign_in("vault", IP, &ceremony.id, &cred)
        .await
}

#[tokio::test]
async fn an_emergency_sign_in_alerts_every_administrator_and_is_audited() {
    let (scene, mut token, key) = ready_vault().await;
    let f = &scene.f;

    let identity = emergency_sign_in(f, &mut token).await.unwrap();

    assert_eq!(identity.user_id, scene.vault);
    assert!(identity.emergency_use.is_some());
    let alarms: Vec<String> = outbox(&f.pim)
        .await
        .into_iter()
        .filter(|(_, kind)| kind == "break_glass_used")
        .map(|(to, _)| to)
        .collect();
    assert_eq!(
        alarms,
        ["admin@localhost", "sam@example.org"],
        "every administrator hears of it by mail"
    );
    let last = &f.pim.store().list_audit(None, 1).await.unwrap()[0];
    assert_eq!(last.action, "breakGlass.signedIn");
    assert!(last.details.contains(&key.to_string()), "{}", last.details);
    let alerts = f.pim.alerts(&scene.admin).await.unwrap().alerts;
    let used = alerts
        .iter()
        .find(|a| a.kind == pim_core::alerts::AlertKind::BreakGlassUsed)
        .expect("Insights shows the use");
    assert!(
        used.affected[0]
            .label
            .starts_with("Vault One with key Key A")
    );
    let uses = f.pim.recent_emergency_uses().await.unwrap();
    assert_eq!(uses.len(), 1, "everyone's banner shows the use");
    assert_eq!(uses[0].account, "Vault One");
    assert_eq!(uses[0].key_label, "Key A");
}

#[tokio::test]
async fn an_emergency_session_does_nothing_before_it_records_why() {
    let (scene, mut token, _) = ready_vault().await;
    let f = &scene.f;
    let identity = emergency_sign_in(f, &mut token).await.unwrap();

    assert!(matches!(
        f.pim.principal(&identity).await,
        Err(ServiceError::JustificationRequired)
    ));
    let short = f.pim.justify_emergency_use(&identity, "Outage").await;
    assert!(
        matches!(short, Err(ServiceError::InvalidInput(_))),
        "{short:?}"
    );
    f.pim
        .justify_emergency_use(
            &identity,
            "Identity provider outage; every administrator locked out (INC-4711)",
        )
        .await
        .unwrap();

    let vault = f.pim.principal(&identity).await.unwrap();
    assert!(
        vault.can(Permission::ManageSecurity),
        "Global Administrator, permanently"
    );
    let again = f
        .pim
        .justify_emergency_use(&identity, "Something else entirely, later")
        .await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
    let last = &f.pim.store().list_audit(None, 1).await.unwrap()[0];
    assert_eq!(last.action, "breakGlass.justified");
    assert!(last.details.contains("INC-4711"));
}

#[tokio::test]
async fn a_key_still_awaiting_its_witness_opens_nothing() {
    let (
        Scene {
            f, admin, vault, ..
        },
        mut token,
    ) = scene_with_allowed_key().await;
    enroll_with(&f, &admin, vault, "Key A", registered_by(&mut token))
        .await
        .unwrap();

    let refused = f.pim.start_emergency_sign_in("vault", IP).await;

    assert!(
        matches!(refused, Err(ServiceError::Conflict(m)) if m.contains("witnessed")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_replayed_emergency_assertion_is_refused_and_audited() {
    let (scene, mut token, _) = ready_vault().await;
    let f = &scene.f;
    let ceremony = f.pim.start_emergency_sign_in("vault", IP).await.unwrap();
    let cred = asserted_by(&mut token, ceremony.options);
    f.pim
        .finish_emergency_sign_in("vault", IP, &ceremony.id, &cred)
        .await
        .unwrap();

    let replay = f
        .pim
        .finish_emergency_sign_in("vault", IP, &ceremony.id, &cred)
        .await;

    assert!(matches!(replay, Err(ServiceError::AuthenticationFailed)));
    let last = &f.pim.store().list_audit(None, 1).await.unwrap()[0];
    assert_eq!(last.action, "breakGlass.signInFailed");
    assert_eq!(f.pim.recent_emergency_uses().await.unwrap().len(), 1);
}

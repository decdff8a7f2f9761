//! Break-glass accounts and their keys: attested enrollment against the allow-list, the
//! witness, drills, re-verification, and the floor of two accounts.
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::break_glass::{
    OTHER_AAGUID, Scene, allow, asserted_by, audit_actions, enroll_with, hardware_key,
    registered_by, scene, scene_with_allowed_key, second_security_admin, witness,
};
use common::{IP, signed_in_user};
use crypto_glue::ecdsa_p256::{EcdsaP256Signature, EcdsaP256SigningKey};
use crypto_glue::traits::{Pkcs8DecodePrivateKey, Signer};
use pim_core::break_glass::KeyStatus;
use pim_core::role::BuiltinRole;
use pim_core::time::DAY;
use pim_core::user::UserStatus;
use pim_service::ServiceError;
use pim_service::break_glass::ModelForm;
use serde_cbor_2::Value;
use sha2::{Digest, Sha256};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::softtoken::{AAGUID as SOFT_TOKEN_AAGUID, SoftToken};
use webauthn_rs_proto::CreationChallengeResponse;

/// The soft key's attestation signer: its intermediate CA key, which the token keeps in its
/// serialised state (read before it holds any credential, whose ids are not JSON keys).
fn attestation_signer(token: &SoftToken) -> EcdsaP256SigningKey {
    let state = serde_json::to_value(token).unwrap();
    let encoded = state["intermediate_key"].as_str().unwrap();
    let der = STANDARD
        .decode(encoded)
        .or_else(|_| URL_SAFE_NO_PAD.decode(encoded))
        .unwrap();
    EcdsaP256SigningKey::from_pkcs8_der(&der).unwrap()
}

/// Registers with `token` as a backup-eligible (synced) credential would: the BE flag set in
/// the authenticator data and the attestation signed again over it, so that only the flag,
/// not the signature, can make it fail.
fn registered_as_backup_eligible(
    token: &mut SoftToken,
) -> impl FnOnce(CreationChallengeResponse) -> String {
    let signer = attestation_signer(token);
    move |ccr| {
        let mut reg: serde_json::Value = serde_json::from_str(&registered_by(token)(ccr)).unwrap();
        let bytes = |v: &serde_json::Value| URL_SAFE_NO_PAD.decode(v.as_str().unwrap()).unwrap();
        let client_data_hash = Sha256::digest(bytes(&reg["response"]["clientDataJSON"]));
        let mut object: Value =
            serde_cbor_2::from_slice(&bytes(&reg["response"]["attestationObject"])).unwrap();
        let Value::Map(map) = &mut object else {
            panic!("attestation object is not a map")
        };
        let Some(Value::Bytes(auth_data)) = map.get_mut(&Value::Text("authData".into())) else {
            panic!("no authenticator data")
        };
        const BACKUP_ELIGIBLE: u8 = 0x08;
        auth_data[32] |= BACKUP_ELIGIBLE;
        let signed: Vec<u8> = auth_data
            .iter()
            .chain(client_data_hash.iter())
            .copied()
            .collect();
        let signature: EcdsaP256Signature = signer.try_sign(&signed).unwrap();
        let Some(Value::Map(statement)) = map.get_mut(&Value::Text("attStmt".into())) else {
            panic!("no attestation statement")
        };
        statement.insert(
            Value::Text("sig".into()),
            Value::Bytes(signature.to_der().as_bytes().to_vec()),
        );
        reg["response"]["attestationObject"] = URL_SAFE_NO_PAD
            .encode(serde_cbor_2::to_vec(&object).unwrap())
            .into();
        reg.to_string()
    }
}

#[tokio::test]
async fn an_allowed_hardware_key_enrolls_with_its_custody_and_waits_for_a_witness() {
    let (
        Scene {
            f, admin, vault, ..
        },
        mut token,
    ) = scene_with_allowed_key().await;

    let id = enroll_with(&f, &admin, vault, "Key A", registered_by(&mut token))
        .await
        .unwrap();

    let overview = f.pim.break_glass_overview(&admin).await.unwrap();
    let account = overview
        .accounts
        .iter()
        .find(|a| a.user_id == vault)
        .unwrap();
    let key = &account.keys[0];
    assert_eq!(key.passkey_id, id);
    assert_eq!(key.status(), KeyStatus::AwaitingWitness);
    assert_eq!(key.aaguid, SOFT_TOKEN_AAGUID.to_string());
    assert_eq!(key.model, "Test hardware key");
    assert_eq!(key.location, "Fire safe, Berlin office, room 2.14");
    assert_eq!(key.enrolled_by, "First administrator");
    assert!(
        overview
            .warnings
            .iter()
            .any(|w| w.contains("Only 1 active break-glass account")),
        "{:?}",
        overview.warnings
    );
    let roles = f
        .pim
        .store()
        .find_active_roles(vault, f.pim.now())
        .await
        .unwrap();
    assert!(
        roles
            .iter()
            .any(|r| r.role_id == BuiltinRole::GlobalAdministrator.id() && r.ends_at.is_none()),
        "a break-glass account holds Global Administrator permanently"
    );
    let approvers = f
        .pim
        .store()
        .approvers(
            &[],
            [
                BuiltinRole::GlobalAdministrator.id(),
                BuiltinRole::PrivilegedRoleAdministrator.id(),
            ],
            f.pim.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        approvers,
        [admin.user_id],
        "an emergency account never approves or reviews everyday changes"
    );
    let actions = audit_actions(&f).await;
    assert!(actions.contains(&("breakGlass.accountCreated".into(), "success".into())));
    assert!(actions.contains(&("breakGlass.keyEnrolled".into(), "success".into())));
}

#[tokio::test]
async fn a_passkey_without_attestation_is_refused_as_a_break_glass_key_with_the_reason() {
    let Scene {
        f, admin, vault, ..
    } = scene().await;
    let (_, ca) = hardware_key();
    allow(&f, &admin, &ca, &SOFT_TOKEN_AAGUID.to_string()).await;
    let mut synced = SoftPasskey::new(true);

    let refused = enroll_with(&f, &admin, vault, "Phone", registered_by(&mut synced)).await;

    match refused {
        Err(ServiceError::KeyRefused(reason)) => {
            assert!(
                reason.contains("does not chain to an allowed CA"),
                "{reason}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let overview = f.pim.break_glass_overview(&admin).await.unwrap();
    assert!(overview.accounts[0].keys.is_empty());
    assert!(
        audit_actions(&f)
            .await
            .contains(&("breakGlass.keyRefused".into(), "failure".into()))
    );
}

#[tokio::test]
async fn a_key_whose_model_is_not_on_the_allow_list_is_refused() {
    let Scene {
        f, admin, vault, ..
    } = scene().await;
    let (mut token, ca) = hardware_key();
    allow(&f, &admin, &ca, OTHER_AAGUID).await;

    let refused = enroll_with(&f, &admin, vault, "Key A", registered_by(&mut token)).await;

    match refused {
        Err(ServiceError::KeyRefused(reason)) => {
            assert!(
                reason.contains("model (AAGUID) is not on the allow-list"),
                "{reason}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_backup_eligible_key_is_refused_even_from_an_allowed_model() {
    let (
        Scene {
            f, admin, vault, ..
        },
        mut token,
    ) = scene_with_allowed_key().await;

    let refused = enroll_with(
        &f,
        &admin,
        vault,
        "Key A",
        registered_as_backup_eligible(&mut token),
    )
    .await;

    match refused {
        Err(ServiceError::KeyRefused(reason)) => {
            assert!(reason.contains("backup-eligible"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn enrollment_needs_an_allow_list_and_a_security_administrator() {
    let Scene {
        f, admin, vault, ..
    } = scene().await;
    let empty = f
        .pim
        .start_break_glass_enrollment("admin", IP, &admin, vault)
        .await;
    assert!(
        matches!(empty, Err(ServiceError::Conflict(m)) if m.contains("allowed key model")),
        "{empty:?}"
    );
    let bad_pem = ModelForm {
        description: "Broken".into(),
        ca_pem: "not a certificate".into(),
        aaguid: OTHER_AAGUID.into(),
    };
    let err = f.pim.add_allowed_model(&admin, &bad_pem).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "CA certificate is not valid: paste one PEM certificate (-----BEGIN CERTIFICATE----- …)"
    );
    let (lee, _) = signed_in_user(&f, &admin, "Lee", "lee@example.org").await;
    assert!(matches!(
        f.pim
            .create_break_glass_account(&lee, "Mine", "mine@example.org")
            .await,
        Err(ServiceError::Forbidden)
    ));
}

#[tokio::test]
async fn a_second_administrator_witnesses_an_enrollment_with_their_own_step_up() {
    let (
        Scene {
            f,
            admin,
            mut admin_key,
            vault,
        },
        mut token,
    ) = scene_with_allowed_key().await;
    let key = enroll_with(&f, &admin, vault, "Key A", registered_by(&mut token))
        .await
        .unwrap();

    let own = witness(&f, &admin, &mut admin_key, key).await;
    assert!(
        matches!(own, Err(ServiceError::Conflict(m)) if m.contains("second administrator")),
        "{own:?}"
    );

    let (sam, mut sam_key) = second_security_admin(&f, &admin, &mut admin_key).await;
    witness(&f, &sam, &mut sam_key, key).await.unwrap();

    let overview = f.pim.break_glass_overview(&admin).await.unwrap();
    let witnessed = &overview.accounts[0].keys[0];
    assert_eq!(witnessed.status(), KeyStatus::Ready);
    assert_eq!(witnessed.witnessed_by.as_deref(), Some("Sam"));
    let again = f.pim.witness_break_glass_key("sam", &sam, key, None).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");

    let sign_in = f
        .pim
        .start_sign_in("thief", IP, Some("vault1@example.org"))
        .await
        .unwrap();
    let cred = asserted_by(&mut token, sign_in.options);
    let refused = f.pim.finish_sign_in("thief", IP, &sign_in.id, &cred).await;
    assert!(
        matches!(refused, Err(ServiceError::AuthenticationFailed)),
        "a ready break-glass key opens nothing through the everyday sign-in: {refused:?}"
    );
    let last = &f.pim.store().list_audit(None, 1).await.unwrap()[0];
    assert_eq!(last.action, "auth.sign_in.failed");
    assert!(
        last.details.contains("emergency access only"),
        "{}",
        last.details
    );
}

#[tokio::test]
async fn a_drill_records_when_the_key_last_proved_itself() {
    let (
        Scene {
            f, admin, vault, ..
        },
        mut token,
    ) = scene_with_allowed_key().await;
    let key = enroll_with(&f, &admin, vault, "Key A", registered_by(&mut token))
        .await
        .unwrap();
    f.clock.advance(10 * DAY);

    let drill = f
        .pim
        .start_key_drill("admin", IP, &admin, key)
        .await
        .unwrap();
    let cred = asserted_by(&mut token, drill.options);
    f.pim
        .finish_key_drill("admin", &admin, key, &drill.id, &cred)
        .await
        .unwrap();

    let overview = f.pim.break_glass_overview(&admin).await.unwrap();
    assert_eq!(
        overview.accounts[0].keys[0].last_validated_at,
        Some(f.pim.now())
    );
    let replay = f
        .pim
        .finish_key_drill("admin", &admin, key, &drill.id, &cred)
        .await;
    assert!(matches!(replay, Err(ServiceError::AuthenticationFailed)));
    let actions = audit_actions(&f).await;
    assert!(actions.contains(&("breakGlass.keyValidated".into(), "success".into())));
    assert!(actions.contains(&("breakGlass.keyValidated".into(), "failure".into())));
}

#[tokio::test]
async fn removing_a_model_from_the_allow_list_disables_the_keys_it_vouched_for() {
    let Scene {
        f, admin, vault, ..
    } = scene().await;
    let (mut first, first_ca) = hardware_key();
    let (mut second, second_ca) = hardware_key();
    let first_model = allow(&f, &admin, &first_ca, &SOFT_TOKEN_AAGUID.to_string()).await;
    allow(&f, &admin, &second_ca, &SOFT_TOKEN_AAGUID.to_string()).await;
    enroll_with(&f, &admin, vault, "Key A", registered_by(&mut first))
        .await
        .unwrap();
    enroll_with(&f, &admin, vault, "Key B", registered_by(&mut second))
        .await
        .unwrap();

    let disabled = f
        .pim
        .remove_allowed_model(&admin, &first_model)
        .await
        .unwrap();

    assert_eq!(disabled, 1);
    let overview = f.pim.break_glass_overview(&admin).await.unwrap();
    let statuses: Vec<_> = overview.accounts[0]
        .keys
        .iter()
        .map(|k| (k.label.as_str(), k.status()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("Key A", KeyStatus::Disabled),
            ("Key B", KeyStatus::AwaitingWitness)
        ]
    );
    assert!(
        audit_actions(&f)
            .await
            .contains(&("breakGlass.keyDisabled".into(), "success".into()))
    );
}

/// Break-glass accounts "Vault N" for each N in `numbers`.
async fn vaults(
    f: &common::Fixture,
    admin: &pim_core::principal::Principal,
    numbers: std::ops::RangeInclusive<u32>,
) -> Vec<pim_core::UserId> {
    let mut vaults = Vec::new();
    for n in numbers {
        let name = format!("Vault {n}");
        let email = format!("vault{n}@example.org");
        let id = f.pim.create_break_glass_account(admin, &name, &email);
        vaults.push(id.await.unwrap());
    }
    vaults
}

#[tokio::test]
async fn the_last_two_break_glass_accounts_cannot_be_disabled_or_lose_global_administrator() {
    let f = common::fixture().await;
    let (admin, _) = common::signed_in_admin(&f).await;
    let vaults = vaults(&f, &admin, 1..=3).await;
    let user_admin = f.pim.require_user_admin(&admin).unwrap();

    f.pim
        .set_user_status(&user_admin, vaults[0], UserStatus::Disabled)
        .await
        .unwrap();
    let second = f
        .pim
        .set_user_status(&user_admin, vaults[1], UserStatus::Disabled)
        .await;
    assert!(
        matches!(second, Err(ServiceError::Conflict(m)) if m.contains("two break-glass accounts")),
        "{second:?}"
    );

    let role_admin = admin.as_role_admin().unwrap();
    let filter = pim_store::assignments::AssignmentFilter {
        user: Some(vaults[2]),
        ..Default::default()
    };
    let assignment = f
        .pim
        .store()
        .list_assignments(&filter, f.pim.now(), 10, 0)
        .await
        .unwrap()[0]
        .id;
    let removal = f
        .pim
        .remove_assignment(&role_admin, assignment, "Tidying up")
        .await;
    assert!(
        matches!(removal, Err(ServiceError::Conflict(_))),
        "{removal:?}"
    );
    let overview = f.pim.break_glass_overview(&admin).await.unwrap();
    let active = overview.accounts.iter().filter(|a| a.active).count();
    assert_eq!(active, 2);
}

#[tokio::test]
async fn two_administrators_retiring_break_glass_accounts_at_once_leave_two() {
    let Scene { f, admin, .. } = scene().await;
    let vaults = vaults(&f, &admin, 2..=3).await;
    let user_admin = f.pim.require_user_admin(&admin).unwrap();

    let (first, second) = tokio::join!(
        f.pim
            .set_user_status(&user_admin, vaults[0], UserStatus::Disabled),
        f.pim
            .set_user_status(&user_admin, vaults[1], UserStatus::Disabled),
    );

    assert_eq!(
        [first.is_ok(), second.is_ok()]
            .iter()
            .filter(|ok| **ok)
            .count(),
        1,
        "{first:?} {second:?}"
    );
    let overview = f.pim.break_glass_overview(&admin).await.unwrap();
    assert_eq!(overview.accounts.iter().filter(|a| a.active).count(), 2);
}

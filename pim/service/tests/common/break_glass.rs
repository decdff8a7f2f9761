//! Break-glass fixtures: an installation with one emergency account, soft hardware keys
//! whose attestation CA an administrator allows, and the enrollment ceremony.

use crypto_glue::traits::{EncodePem, LineEndingPem};
use crypto_glue::x509::Certificate;
use pim_core::activation::ActivationForm;
use pim_core::principal::Principal;
use pim_core::role::BuiltinRole;
use pim_core::time::MINUTE;
use pim_core::{PasskeyId, UserId};
use pim_service::ServiceError;
use pim_service::break_glass::ModelForm;
use pim_service::break_glass_keys::CustodyForm;
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::softtoken::{AAGUID as SOFT_TOKEN_AAGUID, SoftToken};
use webauthn_rs_proto::{CreationChallengeResponse, RequestChallengeResponse};

use super::{IP, ORIGIN, activate_as, assign, refreshed, signed_in_user};

pub const OTHER_AAGUID: &str = "cb69481e-8ff7-4039-93ec-0a2729a154a8";

/// A fresh installation: the first administrator and one break-glass account, Vault One.
pub struct Scene {
    pub f: super::Fixture,
    pub admin: Principal,
    pub admin_key: SoftPasskey,
    pub vault: UserId,
}

pub async fn scene() -> Scene {
    let f = super::fixture().await;
    let (admin, admin_key) = super::signed_in_admin(&f).await;
    let vault = f
        .pim
        .create_break_glass_account(&admin, "Vault One", "vault1@example.org")
        .await
        .unwrap();
    Scene {
        f,
        admin,
        admin_key,
        vault,
    }
}

/// As [`scene`], with a soft hardware key whose CA and AAGUID are on the allow-list.
pub async fn scene_with_allowed_key() -> (Scene, SoftToken) {
    let scene = scene().await;
    let (token, ca) = hardware_key();
    allow(&scene.f, &scene.admin, &ca, &SOFT_TOKEN_AAGUID.to_string()).await;
    (scene, token)
}

pub fn hardware_key() -> (SoftToken, String) {
    let (token, ca) = SoftToken::new(true).unwrap();
    (token, pem(&ca))
}

pub fn pem(ca: &Certificate) -> String {
    ca.to_pem(LineEndingPem::LF).unwrap()
}

pub fn custody(label: &str) -> CustodyForm {
    CustodyForm {
        label: label.into(),
        location: "Fire safe, Berlin office, room 2.14".into(),
        custodian: "Head of IT operations".into(),
    }
}

pub async fn allow(f: &super::Fixture, admin: &Principal, ca_pem: &str, aaguid: &str) -> String {
    let form = ModelForm {
        description: "Test hardware key".into(),
        ca_pem: ca_pem.into(),
        aaguid: aaguid.into(),
    };
    f.pim.add_allowed_model(admin, &form).await.unwrap()
}

/// `admin` runs the enrollment ceremony for `account` with `register` as the key.
pub async fn enroll_with(
    f: &super::Fixture,
    admin: &Principal,
    account: UserId,
    label: &str,
    register: impl FnOnce(CreationChallengeResponse) -> String,
) -> Result<PasskeyId, ServiceError> {
    let ceremony = f
        .pim
        .start_break_glass_enrollment("admin", IP, admin, account)
        .await?;
    let cred = register(serde_json::from_value(ceremony.options).unwrap());
    f.pim
        .finish_break_glass_enrollment(
            "admin",
            admin,
            account,
            &ceremony.id,
            &custody(label),
            &cred,
        )
        .await
}

pub fn registered_by(
    key: &mut impl WebauthnAuthenticator,
) -> impl FnOnce(CreationChallengeResponse) -> String {
    move |ccr| {
        let reg = key
            .do_registration(Url::parse(ORIGIN).unwrap(), ccr)
            .expect("registration");
        serde_json::to_string(&reg).unwrap()
    }
}

pub fn asserted_by(key: &mut impl WebauthnAuthenticator, options: serde_json::Value) -> String {
    let rcr: RequestChallengeResponse = serde_json::from_value(options).unwrap();
    let cred = key
        .do_authentication(Url::parse(ORIGIN).unwrap(), rcr)
        .expect("assertion");
    serde_json::to_string(&cred).unwrap()
}

pub async fn audit_actions(f: &super::Fixture) -> Vec<(String, String)> {
    f.pim
        .store()
        .list_audit(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.outcome))
        .collect()
}

/// Sam, activated as Security Administrator, with his passkey.
pub async fn second_security_admin(
    f: &super::Fixture,
    admin: &Principal,
    admin_key: &mut SoftPasskey,
) -> (Principal, SoftPasskey) {
    let (sam, mut sam_key) = signed_in_user(f, admin, "Sam", "sam@example.org").await;
    let role = BuiltinRole::SecurityAdministrator.id();
    assign(f, admin, admin_key, "sam@example.org", role, 30).await;
    let form = ActivationForm {
        duration_seconds: 60 * MINUTE,
        justification: "Witness a break-glass key".into(),
        ..ActivationForm::default()
    };
    let sam = refreshed(f, &sam).await;
    activate_as(f, &sam, &mut sam_key, role, &form)
        .await
        .unwrap();
    (refreshed(f, &sam).await, sam_key)
}

/// `who` witnesses `key` with a step-up from their own passkey.
pub async fn witness(
    f: &super::Fixture,
    who: &Principal,
    who_key: &mut SoftPasskey,
    key: PasskeyId,
) -> Result<(), ServiceError> {
    let purpose = pim_service::step_up::StepUpPurpose::WitnessKey(key);
    let ceremony = f.pim.start_step_up("witness", IP, who, purpose).await?;
    let cred = super::assert_with(who_key, ceremony.options.clone());
    f.pim
        .witness_break_glass_key("witness", who, key, Some(super::answer(&ceremony, &cred)))
        .await
}

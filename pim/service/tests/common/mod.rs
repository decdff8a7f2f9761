//! Fixtures shared by the service tests: a fresh database, a fixed clock, software
//! authenticators and the ceremonies they drive.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses its own subset

pub mod break_glass;

use pim_service::two_person::EditOutcome;
use std::sync::Arc;

use pim_core::Timestamp;
use pim_service::{BootstrapOutcome, FixedClock, Pim, PimConfig, ServiceError, SessionIdentity};
use pim_store::Store;
use pim_store::testing::fresh_db;
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs_proto::{CreationChallengeResponse, RequestChallengeResponse};

pub const ORIGIN: &str = "http://localhost:3000";
pub const IP: &str = "127.0.0.1";

pub struct Fixture {
    pub pim: Pim,
    pub clock: Arc<FixedClock>,
}

pub async fn fixture() -> Fixture {
    let store = Store::new(fresh_db().await.expect("database"), b"audit key");
    let clock = Arc::new(FixedClock::at(Timestamp::from_unix(1_800_000_000)));
    let config = PimConfig {
        public_url: Url::parse(ORIGIN).unwrap(),
        enrollment_ttl_seconds: 24 * 3600,
        bootstrap_admin_hours: 24,
    };
    Fixture {
        pim: Pim::new(store, clock.clone(), config).unwrap(),
        clock,
    }
}

/// As [`fixture`], for stories with many ceremonies in one wall-clock minute (the limits
/// themselves are tested on their own).
pub async fn fixture_without_rate_limits() -> Fixture {
    let mut f = fixture().await;
    f.pim = f
        .pim
        .clone()
        .with_rate_limits(pim_service::RateLimits::new(10_000, 10_000));
    f
}

pub fn authenticator() -> SoftPasskey {
    // `true`: the soft authenticator claims user verification, as a real passkey does.
    SoftPasskey::new(true)
}

pub fn token_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_owned()
}

pub fn register(auth: &mut SoftPasskey, options: serde_json::Value) -> String {
    let ccr: CreationChallengeResponse = serde_json::from_value(options).unwrap();
    let reg = auth
        .do_registration(Url::parse(ORIGIN).unwrap(), ccr)
        .expect("registration");
    serde_json::to_string(&reg).unwrap()
}

pub fn assert_with(auth: &mut SoftPasskey, options: serde_json::Value) -> String {
    let rcr: RequestChallengeResponse = serde_json::from_value(options).unwrap();
    let cred = auth
        .do_authentication(Url::parse(ORIGIN).unwrap(), rcr)
        .expect("assertion");
    serde_json::to_string(&cred).unwrap()
}

pub async fn bootstrap_link(pim: &Pim) -> String {
    match pim.ensure_bootstrap().await.unwrap() {
        BootstrapOutcome::Created { enrollment_url } => enrollment_url,
        other => panic!("expected a fresh bootstrap, got {other:?}"),
    }
}

pub async fn enroll(pim: &Pim, auth: &mut SoftPasskey, url: &str) -> pim_core::UserId {
    let token = token_of(url);
    let ceremony = pim.start_enrollment("s1", IP, &token).await.unwrap();
    let cred = register(auth, ceremony.options);
    pim.finish_enrollment("s1", &token, &ceremony.id, "Laptop", &cred)
        .await
        .unwrap()
}

/// The first administrator, enrolled and signed in, with their authenticator.
pub async fn signed_in_admin(f: &Fixture) -> (pim_core::principal::Principal, SoftPasskey) {
    let mut key = authenticator();
    enroll(&f.pim, &mut key, &bootstrap_link(&f.pim).await).await;
    let identity = sign_in(&f.pim, &mut key, "admin@localhost").await.unwrap();
    (f.pim.principal(&identity).await.unwrap(), key)
}

pub async fn sign_in(
    pim: &Pim,
    auth: &mut SoftPasskey,
    email: &str,
) -> Result<SessionIdentity, ServiceError> {
    let ceremony = pim.start_sign_in("s2", IP, Some(email)).await.unwrap();
    let cred = assert_with(auth, ceremony.options);
    pim.finish_sign_in("s2", IP, &ceremony.id, &cred).await
}

/// A new person created by `admin`, enrolled with their own authenticator and signed in.
pub async fn signed_in_user(
    f: &Fixture,
    admin: &pim_core::principal::Principal,
    name: &str,
    email: &str,
) -> (pim_core::principal::Principal, SoftPasskey) {
    signed_in_report(f, admin, name, email, "").await
}

/// As [`signed_in_user`], managed by the person with `manager_email` (empty for nobody).
pub async fn signed_in_report(
    f: &Fixture,
    admin: &pim_core::principal::Principal,
    name: &str,
    email: &str,
    manager_email: &str,
) -> (pim_core::principal::Principal, SoftPasskey) {
    let user_admin = f.pim.require_user_admin(admin).unwrap();
    let form = pim_service::UserForm {
        display_name: name.into(),
        email: email.into(),
        manager_email: manager_email.into(),
    };
    let (_, link) = f.pim.create_user(&user_admin, &form).await.unwrap();
    let mut key = authenticator();
    enroll(&f.pim, &mut key, &link).await;
    let identity = sign_in(&f.pim, &mut key, email).await.unwrap();
    (f.pim.principal(&identity).await.unwrap(), key)
}

/// The principal again, with the roles in effect at the clock's now.
pub async fn refreshed(
    f: &Fixture,
    who: &pim_core::principal::Principal,
) -> pim_core::principal::Principal {
    let identity = SessionIdentity {
        user_id: who.user_id,
        epoch: 0,
        signed_in_at: f.pim.now(),
        emergency_use: None,
    };
    f.pim.principal(&identity).await.unwrap()
}

/// A new service on the same database and clock, as after a server restart.
pub fn restart(f: &mut Fixture) {
    let config = f.pim.config().clone();
    f.pim = Pim::new(f.pim.store().clone(), f.clock.clone(), config).unwrap();
}

/// Wraps a finished assertion as the service takes it.
pub fn answer<'a>(
    ceremony: &'a pim_service::Ceremony,
    cred: &'a str,
) -> pim_service::StepUpAnswer<'a> {
    pim_service::StepUpAnswer {
        ceremony_id: &ceremony.id,
        credential_json: cred,
    }
}

/// `admin` assigns `role` to the person with `email` for `days`, with the step-up asked for.
pub async fn assign(
    f: &Fixture,
    admin: &pim_core::principal::Principal,
    admin_key: &mut SoftPasskey,
    email: &str,
    role: pim_core::RoleId,
    days: i64,
) -> pim_core::AssignmentId {
    let form = pim_service::assignments::AssignForm {
        user_email: email.into(),
        role_id: role,
        kind: pim_core::assignment::AssignmentKind::Eligible,
        starts_at: None,
        ends_at: Some(f.pim.now().plus_seconds(days * pim_core::time::DAY)),
        justification: "Joins the on-call rota".into(),
    };
    let ceremony = f.pim.begin_assign("admin", IP, admin, &form).await.unwrap();
    let ceremony = ceremony.expect("admin assignments need a step-up by default");
    let cred = assert_with(admin_key, ceremony.options.clone());
    f.pim
        .finish_assign("admin", admin, &form, Some(answer(&ceremony, &cred)))
        .await
        .unwrap()
        .applied()
}

/// `admin` edits `role`'s policy with a step-up; the edit must not need a second
/// administrator.
pub async fn edit_policy(
    f: &Fixture,
    admin: &pim_core::principal::Principal,
    admin_key: &mut SoftPasskey,
    role: pim_core::RoleId,
    edit: impl FnOnce(&mut pim_core::policy::RolePolicy),
) -> Result<(), ServiceError> {
    let mut policy = f.pim.find_role(admin, role).await?.policy;
    edit(&mut policy);
    let ceremony = f
        .pim
        .begin_policy_edit("admin", IP, admin, role, &policy)
        .await?;
    let cred = assert_with(admin_key, ceremony.options.clone());
    f.pim
        .finish_policy_edit("admin", admin, role, &policy, answer(&ceremony, &cred))
        .await
        .map(EditOutcome::applied)
}

/// `who` asks for `role`, performing the step-up when the policy asks for one.
pub async fn activate_as(
    f: &Fixture,
    who: &pim_core::principal::Principal,
    key: &mut SoftPasskey,
    role: pim_core::RoleId,
    form: &pim_core::activation::ActivationForm,
) -> Result<pim_core::activation::Activation, ServiceError> {
    let start = f.pim.begin_activation("req", IP, who, role, form).await?;
    let cred = start
        .step_up
        .as_ref()
        .map(|c| assert_with(key, c.options.clone()));
    let step_up = start
        .step_up
        .as_ref()
        .zip(cred.as_deref())
        .map(|(c, cred)| answer(c, cred));
    f.pim
        .finish_activation("req", IP, who, role, start.request_id, form, step_up)
        .await
}

/// An SMTP relay channel on a local port (nothing listens; tests read the outbox).
pub fn local_relay() -> pim_core::notify::ChannelConfig {
    pim_core::notify::ChannelConfig::Email {
        host: "127.0.0.1".into(),
        port: 2525,
        security: pim_core::notify::SmtpSecurity::Plain,
        username: String::new(),
        password: String::new(),
        from: "stint@example.org".into(),
    }
}

/// The outbox's pending messages as (recipient, event kind), sorted.
pub async fn outbox(pim: &Pim) -> Vec<(String, String)> {
    let mut items: Vec<_> = pim
        .store()
        .notifications_in("pending", 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| {
            let notice: pim_core::notify::Notice = serde_json::from_str(&n.notice_json).unwrap();
            (n.recipient, notice.kind.code().to_owned())
        })
        .collect();
    items.sort();
    items
}

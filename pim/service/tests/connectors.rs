//! Connectors against the real PostgreSQL server: an activation grants a database role to the
//! person's login, its end revokes it, jobs survive restarts and failures, and members added
//! behind Stint's back are drift. Stint's own store is whichever engine the test command
//! selects; the downstream database is always PostgreSQL.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::*;

use pim_core::activation::ActivationForm;
use pim_core::alerts::AlertKind;
use pim_core::connector::ProvisioningStatus;
use pim_core::principal::Principal;
use pim_core::role::BuiltinRole;
use pim_core::time::{HOUR, MINUTE};
use pim_core::user::UserStatus;
use pim_core::{ActivationId, AssignmentId, ConnectorId, RoleId};
use pim_service::ServiceError;
use pim_service::connectors::ConnectorForm;
use sqlx::{Connection, PgConnection};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

const ROLE: RoleId = BuiltinRole::UserAdministrator.id();

fn downstream_url() -> String {
    std::env::var("STINT_TEST_DOWNSTREAM_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Roles and logins in the downstream cluster, named uniquely for this test and dropped
/// when it ends.
struct Downstream {
    suffix: String,
    created: Vec<String>,
}

impl Downstream {
    fn new() -> Self {
        Self {
            suffix: uuid::Uuid::new_v4().simple().to_string()[..10].to_owned(),
            created: Vec::new(),
        }
    }

    fn name(&self, base: &str) -> String {
        format!("{base}_{}", self.suffix)
    }

    async fn sql(&self, statement: &str) {
        let mut conn = PgConnection::connect(&downstream_url()).await.unwrap();
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }

    /// Creates a role (`login` for one that can sign in) and returns its name.
    async fn create(&mut self, base: &str, login: bool) -> String {
        let name = self.name(base);
        let kind = if login { "LOGIN" } else { "NOLOGIN" };
        self.sql(&format!(
            "CREATE ROLE \"{}\" {kind}",
            name.replace('"', "\"\"")
        ))
        .await;
        self.created.push(name.clone());
        name
    }

    async fn members_of(&self, role: &str) -> Vec<String> {
        let mut conn = PgConnection::connect(&downstream_url()).await.unwrap();
        sqlx::query_scalar(
            "SELECT m.rolname::text FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid \
             JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = $1 ORDER BY 1",
        )
        .bind(role)
        .fetch_all(&mut conn)
        .await
        .unwrap()
    }

    async fn drop_all(&self) {
        for name in self.created.iter().rev() {
            self.sql(&format!(
                "DROP ROLE IF EXISTS \"{}\"",
                name.replace('"', "\"\"")
            ))
            .await;
        }
    }
}

struct World {
    f: Fixture,
    admin: Principal,
    bob: Principal,
    bob_key: SoftPasskey,
    db: Downstream,
    /// The downstream role User Administrator is provisioned to.
    target: String,
    /// Bob's login downstream.
    bob_login: String,
    connector: ConnectorId,
    /// Bob's eligibility for the connected role.
    eligibility: AssignmentId,
}

/// Bob is eligible for User Administrator, which is connected to a fresh database role;
/// his login there exists unless `without_login`.
async fn world(without_login: bool) -> World {
    let f = fixture_without_rate_limits().await;
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    let (bob, bob_key) = signed_in_user(&f, &admin, "Bob Builder", "bob@example.com").await;
    let eligibility = assign(&f, &admin, &mut admin_key, "bob@example.com", ROLE, 30).await;
    let mut db = Downstream::new();
    let target = db.create("stint_user_admins", false).await;
    let bob_login = if without_login {
        db.name("bob")
    } else {
        db.create("bob", true).await
    };
    let connector = f
        .pim
        .create_connector(&admin, &form(&target))
        .await
        .unwrap();
    f.pim
        .map_connector_login(&admin, connector, "bob@example.com", &bob_login)
        .await
        .unwrap();
    World {
        f,
        admin,
        bob,
        bob_key,
        db,
        target,
        bob_login,
        connector,
        eligibility,
    }
}

fn form(target: &str) -> ConnectorForm {
    ConnectorForm {
        name: format!("Directory database ({target})"),
        role_id: ROLE.to_string(),
        target: target.into(),
        database_url: downstream_url(),
        ..ConnectorForm::default()
    }
}

fn hour() -> ActivationForm {
    ActivationForm {
        duration_seconds: HOUR,
        justification: "Reset a locked-out colleague (INC-1042)".into(),
        ..ActivationForm::default()
    }
}

impl World {
    async fn activate(&mut self) -> ActivationId {
        activate_as(&self.f, &self.bob, &mut self.bob_key, ROLE, &hour())
            .await
            .unwrap()
            .id
    }

    async fn status(&self, id: ActivationId) -> ProvisioningStatus {
        let all = self.f.pim.provisioning_of(&[id]).await.unwrap();
        assert_eq!(all.len(), 1, "one connector: {all:?}");
        all[0].status.clone()
    }

    async fn audit_actions(&self) -> Vec<String> {
        let all = self.f.pim.store().list_audit(None, 100).await.unwrap();
        all.into_iter().map(|e| e.action).collect()
    }
}

#[tokio::test]
async fn activating_grants_the_database_role_and_expiry_revokes_it() {
    let mut w = world(false).await;
    let id = w.activate().await;
    assert_eq!(w.status(id).await, ProvisioningStatus::Pending);

    let report = w.f.pim.run_provisioning().await.unwrap();
    assert_eq!(report.granted, 1, "{report:?}");
    assert_eq!(w.db.members_of(&w.target).await, [w.bob_login.clone()]);
    assert_eq!(w.status(id).await, ProvisioningStatus::Granted);

    w.f.clock.advance(HOUR + MINUTE);
    w.f.pim.run_due_work().await.unwrap();
    let report = w.f.pim.run_provisioning().await.unwrap();
    assert_eq!(report.revoked, 1, "{report:?}");
    assert!(w.db.members_of(&w.target).await.is_empty());
    assert_eq!(w.status(id).await, ProvisioningStatus::Revoked);
    let actions = w.audit_actions().await;
    assert!(actions.contains(&"provisioning.granted".to_owned()));
    assert!(actions.contains(&"provisioning.revoked".to_owned()));
    w.db.drop_all().await;
}

#[tokio::test]
async fn deactivating_early_revokes_at_once() {
    let mut w = world(false).await;
    let id = w.activate().await;
    w.f.pim.run_provisioning().await.unwrap();
    w.f.clock.advance(10 * MINUTE);
    let bob = refreshed(&w.f, &w.bob).await;
    w.f.pim.deactivate(&bob, id).await.unwrap();

    w.f.pim.run_provisioning().await.unwrap();
    assert!(w.db.members_of(&w.target).await.is_empty());
    assert_eq!(w.status(id).await, ProvisioningStatus::Revoked);
    w.db.drop_all().await;
}

#[tokio::test]
async fn revoking_the_activation_or_removing_the_eligibility_revokes_downstream_too() {
    let mut w = world(false).await;
    let first = w.activate().await;
    w.f.pim.run_provisioning().await.unwrap();
    let admin = refreshed(&w.f, &w.admin).await;
    w.f.pim
        .revoke_activation(&admin, first, "Suspicious session")
        .await
        .unwrap();
    w.f.pim.run_provisioning().await.unwrap();
    assert!(w.db.members_of(&w.target).await.is_empty());
    assert_eq!(w.status(first).await, ProvisioningStatus::Revoked);

    let second = w.activate().await;
    w.f.pim.run_provisioning().await.unwrap();
    assert_eq!(w.db.members_of(&w.target).await, [w.bob_login.clone()]);
    let role_admin = w.f.pim.require_role_admin(&admin).unwrap();
    w.f.pim
        .remove_assignment(&role_admin, w.eligibility, "Left the team")
        .await
        .unwrap();
    w.f.pim.run_provisioning().await.unwrap();
    assert!(w.db.members_of(&w.target).await.is_empty());
    assert_eq!(w.status(second).await, ProvisioningStatus::Revoked);
    w.db.drop_all().await;
}

#[tokio::test]
async fn disabling_a_person_ends_their_activation_and_revokes_downstream() {
    let mut w = world(false).await;
    let id = w.activate().await;
    w.f.pim.run_provisioning().await.unwrap();
    let user_admin = w.f.pim.require_user_admin(&w.admin).unwrap();
    w.f.pim
        .set_user_status(&user_admin, w.bob.user_id, UserStatus::Disabled)
        .await
        .unwrap();
    w.f.pim.run_provisioning().await.unwrap();
    assert!(w.db.members_of(&w.target).await.is_empty());
    assert_eq!(w.status(id).await, ProvisioningStatus::Revoked);
    assert!(
        w.audit_actions()
            .await
            .contains(&"role.adminRevoke".to_owned())
    );
    w.db.drop_all().await;
}

#[tokio::test]
async fn a_grant_queued_before_a_crash_still_runs_after_restart() {
    let mut w = world(false).await;
    let id = w.activate().await;
    // The worker took the job and died before recording it: the lease keeps others off it
    // for a minute, then a fresh server runs it.
    let due =
        w.f.pim
            .store()
            .due_provisioning(w.f.pim.now(), 10)
            .await
            .unwrap();
    assert_eq!(due.len(), 1);
    let now = w.f.pim.now();
    assert!(
        w.f.pim
            .store()
            .claim_provisioning(due[0].seq, now, 60)
            .await
            .unwrap()
    );
    restart(&mut w.f);
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().granted, 0);

    w.f.clock.advance(MINUTE);
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().granted, 1);
    assert_eq!(w.db.members_of(&w.target).await, [w.bob_login.clone()]);
    assert_eq!(w.status(id).await, ProvisioningStatus::Granted);
    // Done is done: another pass finds nothing to do.
    assert_eq!(
        w.f.pim.run_provisioning().await.unwrap(),
        Default::default()
    );
    w.db.drop_all().await;
}

#[tokio::test]
async fn a_failed_grant_shows_its_reason_is_retried_and_an_administrator_can_retry_it_at_once() {
    let mut w = world(true).await;
    let id = w.activate().await;
    let report = w.f.pim.run_provisioning().await.unwrap();
    assert_eq!(report.failed, 1, "Bob has no login downstream yet");
    let ProvisioningStatus::Failed { reason } = w.status(id).await else {
        panic!("expected a failure");
    };
    assert!(reason.contains("does not exist"), "{reason}");

    // Not before its backoff, and audited once however often it fails.
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().failed, 0);
    w.f.clock.advance(5);
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().failed, 1);
    let failures = w.audit_actions().await;
    assert_eq!(
        failures
            .iter()
            .filter(|a| *a == "provisioning.failed")
            .count(),
        1
    );

    // The administrator creates the login and retries at once instead of waiting 20 s.
    w.db.create("bob", true).await;
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().granted, 0);
    let overview = w.f.pim.connector_overview(&w.admin).await.unwrap();
    assert_eq!(overview.waiting.len(), 1);
    let seq = overview.waiting[0].seq;
    let denied = w.f.pim.retry_provisioning(&w.bob, seq).await;
    assert!(matches!(denied, Err(ServiceError::Forbidden)), "{denied:?}");
    w.f.pim.retry_provisioning(&w.admin, seq).await.unwrap();
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().granted, 1);
    assert_eq!(w.db.members_of(&w.target).await, [w.bob_login.clone()]);
    assert!(
        w.f.pim
            .connector_overview(&w.admin)
            .await
            .unwrap()
            .waiting
            .is_empty(),
        "nothing waits once it is done"
    );
    let again = w.f.pim.retry_provisioning(&w.admin, seq).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
    w.db.drop_all().await;
}

#[tokio::test]
async fn a_grant_that_could_not_run_before_the_activation_ended_is_never_applied() {
    let mut w = world(true).await;
    let id = w.activate().await;
    w.f.pim.run_provisioning().await.unwrap();
    w.f.clock.advance(HOUR + MINUTE);
    w.f.pim.run_due_work().await.unwrap();
    // The login appears only now: the late grant must not give Bob the role after the end.
    w.db.create("bob", true).await;

    let report = w.f.pim.run_provisioning().await.unwrap();
    assert_eq!((report.granted, report.skipped, report.revoked), (0, 1, 1));
    assert!(
        w.audit_actions()
            .await
            .contains(&"provisioning.skipped".to_owned())
    );
    assert!(w.db.members_of(&w.target).await.is_empty());
    assert_eq!(w.status(id).await, ProvisioningStatus::Revoked);
    w.db.drop_all().await;
}

#[tokio::test]
async fn a_member_added_behind_stints_back_raises_drift_and_an_alert() {
    let mut w = world(false).await;
    w.activate().await;
    w.f.pim.run_provisioning().await.unwrap();
    let mallory = w.db.create("mallory", true).await;
    w.db.sql(&format!("GRANT \"{}\" TO \"{mallory}\"", w.target))
        .await;

    let report = w.f.pim.check_drift().await.unwrap();
    assert_eq!(report.new_findings, 1, "Bob's grant is Stint's: {report:?}");
    let overview = w.f.pim.connector_overview(&w.admin).await.unwrap();
    assert_eq!(overview.drift.len(), 1);
    assert_eq!(overview.drift[0].member, mallory);
    let alerts =
        w.f.pim
            .alerts(&refreshed(&w.f, &w.admin).await)
            .await
            .unwrap();
    let drift = alerts
        .alerts
        .iter()
        .find(|a| a.kind == AlertKind::AssignedOutsideStint)
        .expect("a drift alert");
    assert!(drift.affected[0].label.contains(&mallory));

    // Seen again: still listed, not audited twice; removed downstream: gone.
    assert_eq!(w.f.pim.check_drift().await.unwrap().new_findings, 0);
    let detected = w.audit_actions().await;
    assert_eq!(
        detected
            .iter()
            .filter(|a| *a == "connector.driftDetected")
            .count(),
        1
    );
    w.db.sql(&format!("REVOKE \"{}\" FROM \"{mallory}\"", w.target))
        .await;
    w.f.pim.check_drift().await.unwrap();
    assert!(w.f.pim.store().drift_findings().await.unwrap().is_empty());
    w.db.drop_all().await;
}

#[tokio::test]
async fn names_with_quotes_are_granted_as_names_not_as_sql() {
    let f = fixture_without_rate_limits().await;
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    let (bob, mut bob_key) = signed_in_user(&f, &admin, "Bob Builder", "bob@example.com").await;
    assign(&f, &admin, &mut admin_key, "bob@example.com", ROLE, 30).await;
    let mut db = Downstream::new();
    let target = db.create("odd\"; DROP ROLE postgres; --", false).await;
    let login = db.create("bob \"the\" builder", true).await;
    let connector = f
        .pim
        .create_connector(&admin, &form(&target))
        .await
        .unwrap();
    f.pim
        .map_connector_login(&admin, connector, "bob@example.com", &login)
        .await
        .unwrap();

    activate_as(&f, &bob, &mut bob_key, ROLE, &hour())
        .await
        .unwrap();
    assert_eq!(f.pim.run_provisioning().await.unwrap().granted, 1);
    assert_eq!(db.members_of(&target).await, [login]);
    db.drop_all().await;
}

#[tokio::test]
async fn a_connector_is_saved_only_when_its_database_and_role_answer() {
    let f = fixture().await;
    let (admin, _) = signed_in_admin(&f).await;
    let missing = ConnectorForm {
        target: "no_such_role_in_this_cluster".into(),
        ..form("x")
    };
    let err = f.pim.create_connector(&admin, &missing).await.unwrap_err();
    assert!(
        matches!(&err, ServiceError::Downstream(m) if m.contains("does not exist")),
        "{err:?}"
    );
    let unreachable = ConnectorForm {
        database_url: "postgres://postgres:secret-password@127.0.0.1:1/postgres".into(),
        ..form("x")
    };
    let err = f
        .pim
        .create_connector(&admin, &unreachable)
        .await
        .unwrap_err();
    let ServiceError::Downstream(message) = &err else {
        panic!("{err:?}");
    };
    assert!(!message.contains("secret-password"), "{message}");
    assert!(f.pim.store().list_connectors().await.unwrap().is_empty());
}

#[tokio::test]
async fn only_security_administrators_manage_connectors() {
    let mut w = world(false).await;
    let err = w.f.pim.create_connector(&w.bob, &form(&w.target)).await;
    assert!(matches!(err, Err(ServiceError::Forbidden)), "{err:?}");
    let err = w.f.pim.remove_connector(&w.bob, w.connector).await;
    assert!(matches!(err, Err(ServiceError::Forbidden)), "{err:?}");

    // Removed: no new grants, but nothing stays granted because of it.
    w.f.pim
        .remove_connector(&w.admin, w.connector)
        .await
        .unwrap();
    let id = w.activate().await;
    assert!(w.f.pim.provisioning_of(&[id]).await.unwrap().is_empty());
    let created = w.f.pim.store().list_audit(None, 500).await.unwrap();
    assert!(
        created.iter().all(|e| !e.details.contains("postgres://")),
        "the URL never reaches the audit log"
    );
    w.db.drop_all().await;
}

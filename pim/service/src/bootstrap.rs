//! The first start: an empty database gets one administrator and a link to enroll them.

use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::role::BuiltinRole;
use pim_core::time::DAY;
use pim_core::user::UserKind;
use pim_core::{AssignmentId, UserId};
use pim_store::NewUser;
use pim_store::assignments::{AssignmentKind, NewAssignment};
use serde_json::json;

use crate::{Pim, ServiceError};

/// What start-up should tell the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootstrapOutcome {
    /// The first administrator was created now; enroll with this link.
    Created { enrollment_url: String },
    /// The first administrator exists but has no passkey yet; a fresh link replaces the old one.
    Pending { enrollment_url: String },
    /// Someone has enrolled; nothing to print.
    Done,
}

pub const BOOTSTRAP_EMAIL: &str = "admin@localhost";

impl Pim {
    /// Creates the first administrator on an empty installation: every built-in role eligible
    /// for 12 months, plus Global Administrator *active* for `bootstrap_admin_hours` so they can
    /// set things up before just-in-time activation exists.
    pub async fn ensure_bootstrap(&self) -> Result<BootstrapOutcome, ServiceError> {
        if let Some(admin) = self.store().find_bootstrap_user().await? {
            if !self.store().list_passkeys(admin).await?.is_empty() {
                return Ok(BootstrapOutcome::Done);
            }
            let mut tx = self.store().begin().await?;
            let enrollment_url = self.issue_enrollment_link(&mut tx, admin, None).await?;
            tx.commit().await?;
            return Ok(BootstrapOutcome::Pending { enrollment_url });
        }
        let now = self.now();
        let admin = UserId::new_random();
        let mut tx = self.store().begin().await?;
        tx.create_user(
            NewUser {
                id: admin,
                display_name: "First administrator",
                email: BOOTSTRAP_EMAIL,
                manager_id: None,
                kind: UserKind::Regular,
            },
            now,
        )
        .await?;
        if !tx.claim_bootstrap(admin, now).await? {
            // Another replica bootstrapped first; dropping the transaction undoes our user.
            return Ok(BootstrapOutcome::Done);
        }
        let grants = BuiltinRole::ALL
            .iter()
            .map(|role| (*role, AssignmentKind::Eligible, 365 * DAY))
            .chain([(
                BuiltinRole::GlobalAdministrator,
                AssignmentKind::Active,
                self.config().bootstrap_admin_hours * 3600,
            )]);
        for (role, kind, seconds) in grants {
            tx.create_assignment(
                NewAssignment {
                    id: AssignmentId::new_random(),
                    user_id: admin,
                    role_id: role.id(),
                    kind,
                    starts_at: now,
                    ends_at: Some(now.plus_seconds(seconds)),
                    assigned_by: None,
                    justification: "Initial set-up of Stint",
                },
                now,
            )
            .await?;
            let event = AuditEvent::success(AuditAction::AssignmentCreated, None)
                .about(admin)
                .with_details(json!({ "role": role.name(), "kind": kind.code(), "ends_at": now.plus_seconds(seconds) }));
            tx.append_audit(&event, now).await?;
        }
        tx.append_audit(
            &AuditEvent::success(AuditAction::SystemBootstrapped, None).about(admin),
            now,
        )
        .await?;
        let enrollment_url = self.issue_enrollment_link(&mut tx, admin, None).await?;
        tx.commit().await?;
        Ok(BootstrapOutcome::Created { enrollment_url })
    }
}

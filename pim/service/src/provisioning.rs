//! The provisioning worker: runs the grant and revoke jobs the activation transitions queued,
//! and looks for downstream members nobody in Stint accounts for.
//!
//! A job is claimed for a lease, run downstream, then closed with its audit event in one
//! transaction. If Stint stops between the downstream call and that commit, the job runs
//! again after the lease: grants and revokes are idempotent downstream, so a repeat changes
//! nothing. A person's jobs on a connector run in order, so a revoke never overtakes its grant.

use std::collections::BTreeSet;

use pim_connectors::ProvisionRequest;
use pim_core::ActivationId;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::connector::{
    DbName, JobState, ProvisionAction, login_for, retry_delay, unaccounted_members,
};
use pim_store::connectors::Connector;
use pim_store::provisioning::{ActivationProvisioning, ProvisioningJob};
use serde_json::json;

use crate::{Pim, ServiceError};

const BATCH: i64 = 50;
const MAX_BATCHES: usize = 20;
/// Longer than a downstream call can take (its connect timeout is 10 s).
const LEASE_SECONDS: i64 = 60;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProvisioningReport {
    pub granted: usize,
    pub revoked: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// What one drift check found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriftReport {
    pub connectors_checked: usize,
    /// Members seen for the first time.
    pub new_findings: usize,
    pub unreachable: usize,
}

enum Outcome {
    Done(DbName),
    Skipped(&'static str),
    /// With how many attempts the connector's kind allows before giving up, if it ever does.
    Failed {
        reason: String,
        gives_up_after: Option<i64>,
    },
}

impl Outcome {
    fn failed(reason: impl Into<String>, connector: Option<&Connector>) -> Self {
        Self::Failed {
            reason: reason.into(),
            gives_up_after: connector.and_then(|c| c.kind.gives_up_after()),
        }
    }
}

impl Pim {
    /// Runs every job due at the clock's `now`. Called in a loop by the server (woken by the
    /// commits that queue jobs) and directly by tests.
    pub async fn run_provisioning(&self) -> Result<ProvisioningReport, ServiceError> {
        let mut report = ProvisioningReport::default();
        for _ in 0..MAX_BATCHES {
            let now = self.now();
            let due = self.store().due_provisioning(now, BATCH).await?;
            if due.is_empty() {
                break;
            }
            for job in due {
                if !self
                    .store()
                    .claim_provisioning(job.seq, now, LEASE_SECONDS)
                    .await?
                {
                    continue;
                }
                let outcome = self.run_job(&job).await?;
                self.close_job(&job, outcome, &mut report).await?;
            }
        }
        Ok(report)
    }

    /// Resolves when a commit may have queued provisioning jobs.
    pub async fn provisioning_queued(&self) {
        self.store().provisioning_queued().await;
    }

    async fn run_job(&self, job: &ProvisioningJob) -> Result<Outcome, ServiceError> {
        let now = self.now();
        let Some(connector) = self.store().find_connector(job.connector_id).await? else {
            return Ok(Outcome::failed("the connector no longer exists", None));
        };
        let known = Some(&connector);
        let login = match login_for(&job.email, job.mapped_login.as_deref()) {
            Ok(login) => login,
            Err(err) => return Ok(Outcome::failed(format!("no usable login: {err}"), known)),
        };
        let Some(activation) = self.store().find_activation(job.activation_id).await? else {
            return Ok(Outcome::failed("the activation no longer exists", known));
        };
        match job.action {
            ProvisionAction::Grant if !activation.is_in_effect(now) => {
                return Ok(Outcome::Skipped(
                    "the activation ended before its grant ran",
                ));
            }
            ProvisionAction::Revoke
                if self
                    .store()
                    .held_through_another_activation(
                        job.connector_id,
                        job.user_id,
                        job.activation_id,
                        now,
                    )
                    .await? =>
            {
                return Ok(Outcome::Skipped(
                    "another activation of the role is in effect",
                ));
            }
            _ => {}
        }
        let downstream = match self.downstream(&connector).await? {
            Ok(downstream) => downstream,
            Err(reason) => return Ok(Outcome::failed(reason, known)),
        };
        let request = ProvisionRequest {
            action: job.action,
            activation_id: job.activation_id,
            email: &job.email,
            login: &login,
            role_id: activation.role_id,
            role: &activation.role_name,
            ends_at: activation.ends_at,
            now,
        };
        Ok(match downstream.apply(&request).await {
            Ok(()) => Outcome::Done(login),
            Err(err) => Outcome::failed(err.to_string(), known),
        })
    }

    async fn downstream(
        &self,
        connector: &Connector,
    ) -> Result<Result<Box<dyn pim_connectors::Downstream>, String>, ServiceError> {
        let secret = self.store().connector_secret(connector.id).await?;
        Ok(
            pim_connectors::open(connector.kind, &connector.target, &secret)
                .map_err(|e| e.to_string()),
        )
    }

    /// Records the outcome with its audit event; a failure is audited when it first happens
    /// and when it is given up, and retried with backoff in between.
    async fn close_job(
        &self,
        job: &ProvisioningJob,
        outcome: Outcome,
        report: &mut ProvisioningReport,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let details = |extra: serde_json::Value| {
            let mut details = json!({
                "connector_id": job.connector_id,
                "request_id": job.activation_id,
                "action": job.action.code(),
            });
            if let (Some(all), serde_json::Value::Object(more)) = (details.as_object_mut(), extra) {
                all.extend(more);
            }
            details
        };
        let mut tx = self.store().begin().await?;
        match outcome {
            Outcome::Done(login) => {
                if tx
                    .finish_provisioning(job.seq, JobState::Done, Some(login.as_str()), now)
                    .await?
                {
                    let action = match job.action {
                        ProvisionAction::Grant => AuditAction::ProvisioningGranted,
                        ProvisionAction::Revoke => AuditAction::ProvisioningRevoked,
                    };
                    let event = AuditEvent::success(action, None)
                        .about(job.user_id)
                        .with_details(details(json!({ "login": login.as_str() })));
                    tx.append_audit(&event, now).await?;
                    match job.action {
                        ProvisionAction::Grant => report.granted += 1,
                        ProvisionAction::Revoke => report.revoked += 1,
                    }
                }
            }
            Outcome::Skipped(why) => {
                if tx
                    .finish_provisioning(job.seq, JobState::Skipped, None, now)
                    .await?
                {
                    let event = AuditEvent::success(AuditAction::ProvisioningSkipped, None)
                        .about(job.user_id)
                        .with_details(details(json!({ "reason": why })));
                    tx.append_audit(&event, now).await?;
                    report.skipped += 1;
                }
            }
            Outcome::Failed {
                reason,
                gives_up_after,
            } => {
                let attempts = job.attempts + 1;
                let gave_up = gives_up_after.is_some_and(|limit| attempts >= limit);
                let delay = retry_delay(u32::try_from(attempts).unwrap_or(u32::MAX));
                let retry_at = (!gave_up).then(|| now.plus_seconds(delay));
                tx.fail_provisioning(job.seq, &reason, retry_at).await?;
                if job.attempts == 0 || gave_up {
                    let event = AuditEvent::failure(AuditAction::ProvisioningFailed, None)
                        .about(job.user_id)
                        .with_details(details(json!({ "reason": reason, "gave_up": gave_up })));
                    tx.append_audit(&event, now).await?;
                }
                tracing::warn!(seq = job.seq, attempts, %reason, "provisioning job failed");
                report.failed += 1;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Lists every enabled connector's downstream members and records those Stint does not
    /// account for; each member found for the first time is audited.
    pub async fn check_drift(&self) -> Result<DriftReport, ServiceError> {
        let mut report = DriftReport::default();
        for connector in self.store().list_connectors().await? {
            if !connector.enabled {
                continue;
            }
            let now = self.now();
            let looked = match self.downstream(&connector).await? {
                Ok(downstream) => match downstream.members().await {
                    // A system that cannot list its members has no drift to find.
                    Ok(None) => continue,
                    Ok(Some(members)) => Ok(members),
                    Err(e) => Err(e.to_string()),
                },
                Err(reason) => Err(reason),
            };
            let accounted: BTreeSet<DbName> = self
                .store()
                .accounted_people(connector.id, now)
                .await?
                .iter()
                .filter_map(|p| login_for(&p.email, p.mapped_login.as_deref()).ok())
                .collect();
            let mut tx = self.store().begin().await?;
            let new = match &looked {
                Ok(members) => {
                    let unaccounted: Vec<DbName> = unaccounted_members(members, &accounted)
                        .into_iter()
                        .collect();
                    tx.record_drift(connector.id, &unaccounted, None, now)
                        .await?
                }
                Err(reason) => {
                    report.unreachable += 1;
                    tx.record_drift(connector.id, &[], Some(reason), now)
                        .await?
                }
            };
            for member in &new {
                let event =
                    AuditEvent::failure(AuditAction::DriftDetected, None).with_details(json!({
                        "connector_id": connector.id,
                        "connector": connector.name,
                        "role": connector.role_name,
                        "member": member.as_str(),
                    }));
                tx.append_audit(&event, now).await?;
            }
            tx.commit().await?;
            report.connectors_checked += 1;
            report.new_findings += new.len();
        }
        Ok(report)
    }

    /// How these activations stand downstream, for My roles and the request details.
    pub async fn provisioning_of(
        &self,
        activations: &[ActivationId],
    ) -> Result<Vec<ActivationProvisioning>, ServiceError> {
        Ok(self.store().provisioning_of(activations).await?)
    }
}

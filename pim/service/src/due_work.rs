//! The work that falls due with time: activations that end or start, requests that lapse,
//! assignments that end.
//!
//! Authorisation never waits for this (every check compares `now` with `ends_at`); it records
//! what happened, starts scheduled activations after re-checking them, and keeps lists tidy.
//! Each item is one transaction whose state change is conditional, so two servers running
//! this at once never both process an item: the loser's update matches no row.

use pim_core::activation::{Activation, ActivationState, EndReason};
use pim_core::assignment::Assignment;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::notify::NoticeKind;
use pim_core::{AssignmentId, Timestamp, UserId};
use pim_store::Tx;
use pim_store::activations::Ending;
use serde_json::json;

use crate::notifications::Audience;
use crate::{Pim, ServiceError};

const BATCH: i64 = 100;
const MAX_BATCHES: usize = 50;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DueWorkReport {
    pub activations_ended: usize,
    pub scheduled_started: usize,
    pub scheduled_refused: usize,
    pub requests_lapsed: usize,
    pub assignments_ended: usize,
    /// Administrators' changes that no second administrator decided in time.
    pub changes_lapsed: usize,
    /// Reminders newly queued (each goes out once, however often it falls due).
    pub reminders: usize,
    /// Access review steps taken (an instance started, completed or applied).
    pub review_steps: usize,
}

/// Why a batch of activations ends, and how the audit log names it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ended {
    pub reason: EndReason,
    pub action: AuditAction,
    pub by: Option<UserId>,
}

/// The result of settling one activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// Nothing was due.
    NotDue,
    Ended,
    Started,
    StartRefused,
    Lapsed,
    /// Another worker changed it first.
    LostRace,
}

impl Pim {
    /// Processes everything due at the clock's `now`. Called in a loop by the server and
    /// directly by tests.
    pub async fn run_due_work(&self) -> Result<DueWorkReport, ServiceError> {
        let now = self.now();
        let mut report = DueWorkReport::default();
        for _ in 0..MAX_BATCHES {
            let due = self.store().due_activations(now, BATCH).await?;
            if due.is_empty() {
                break;
            }
            for item in due {
                let mut tx = self.store().begin().await?;
                let Some(current) = tx.find_activation(item.id).await? else {
                    continue;
                };
                match self.settle(&mut tx, &current, now).await? {
                    Settled::Ended => report.activations_ended += 1,
                    Settled::Started => report.scheduled_started += 1,
                    Settled::StartRefused => report.scheduled_refused += 1,
                    Settled::Lapsed => report.requests_lapsed += 1,
                    Settled::NotDue | Settled::LostRace => {}
                }
                tx.commit().await?;
            }
        }
        for _ in 0..MAX_BATCHES {
            let due = self.store().due_assignment_ends(now, BATCH).await?;
            if due.is_empty() {
                break;
            }
            for assignment in due {
                let mut tx = self.store().begin().await?;
                if self
                    .record_assignment_end(&mut tx, &assignment, now)
                    .await?
                {
                    report.assignments_ended += 1;
                }
                tx.commit().await?;
            }
        }
        for _ in 0..MAX_BATCHES {
            let due = self.store().lapsed_changes(now, BATCH).await?;
            if due.is_empty() {
                break;
            }
            for stored in due {
                let change = stored.change;
                let mut tx = self.store().begin().await?;
                if tx.expire_change(&change.id, now).await? {
                    let event = AuditEvent::success(AuditAction::ChangeExpired, None)
                        .about(change.proposer_id)
                        .with_details(json!({ "change_id": change.id, "summary": change.summary }));
                    tx.append_audit(&event, now).await?;
                    report.changes_lapsed += 1;
                }
                tx.commit().await?;
            }
        }
        report.reminders = self.queue_reminders(now).await?;
        report.review_steps = self.advance_reviews().await?;
        report.reminders += self.queue_review_reminders(now).await?;
        self.wake_delivery();
        Ok(report)
    }

    /// Seconds from the clock's now until the next activation falls due, at most `limit`
    /// (new activations may fall due sooner than anything known now).
    pub async fn seconds_until_next_due(&self, limit: u64) -> Result<u64, ServiceError> {
        let now = self.now();
        Ok(match self.store().next_activation_due_after(now).await? {
            Some(next) => u64::try_from(next.unix() - now.unix())
                .unwrap_or(0)
                .min(limit),
            None => limit,
        })
    }

    /// Moves one activation on if its time has come, with its audit event, inside `tx`.
    pub(crate) async fn settle(
        &self,
        tx: &mut Tx,
        a: &Activation,
        now: Timestamp,
    ) -> Result<Settled, ServiceError> {
        use ActivationState::*;
        let (to, ending, action, outcome) = match a.state {
            Active if a.ends_at <= now => {
                let ending = Ending {
                    at: a.ends_at,
                    reason: EndReason::Expired,
                    by: None,
                };
                (
                    Ended,
                    Some(ending),
                    AuditAction::ActivationExpired,
                    Settled::Ended,
                )
            }
            PendingApproval if a.decide_by.is_some_and(|d| d <= now) => (
                Expired,
                None,
                AuditAction::PendingRequestExpired,
                Settled::Lapsed,
            ),
            Scheduled if a.starts_at <= now => {
                match self.check_scheduled_start(tx, a, now).await? {
                    Ok(()) => (
                        Active,
                        None,
                        AuditAction::ScheduledActivationStarted,
                        Settled::Started,
                    ),
                    Err(reason) => {
                        if !tx
                            .transition_activation(a.id, Scheduled, Cancelled, None, now)
                            .await?
                        {
                            return Ok(Settled::LostRace);
                        }
                        let event = AuditEvent::failure(
                            AuditAction::ScheduledActivationStarted,
                            None,
                        )
                        .about(a.user_id)
                        .with_details(
                            json!({ "request_id": a.id, "role": a.role_name, "reason": reason }),
                        );
                        tx.append_audit(&event, now).await?;
                        return Ok(Settled::StartRefused);
                    }
                }
            }
            _ => return Ok(Settled::NotDue),
        };
        if !tx
            .transition_activation(a.id, a.state, to, ending, now)
            .await?
        {
            return Ok(Settled::LostRace);
        }
        let event = AuditEvent::success(action, None)
            .about(a.user_id)
            .with_details(json!({
                "request_id": a.id,
                "role_id": a.role_id,
                "role": a.role_name,
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
            }));
        tx.append_audit(&event, now).await?;
        if outcome == Settled::Lapsed {
            let (requester, tier) = crate::approvals::requester_and_tier(tx, a).await?;
            let notice = self.request_notice(NoticeKind::RequestClosed, a, &requester, tier, now);
            let audience = Audience {
                people: vec![a.user_id],
                extra: Vec::new(),
                broadcast: false,
            };
            let key = format!("lapsed:{}", a.id);
            self.notify(tx, &key, &notice, audience, now).await?;
        }
        Ok(outcome)
    }

    /// A scheduled activation starts only if the eligibility and the policy still allow it.
    async fn check_scheduled_start(
        &self,
        tx: &mut Tx,
        a: &Activation,
        now: Timestamp,
    ) -> Result<Result<(), &'static str>, ServiceError> {
        if a.ends_at <= now {
            return Ok(Err("its whole window passed before it could start"));
        }
        let Some(role) = tx.find_role(a.role_id).await? else {
            return Ok(Err("the role no longer exists"));
        };
        if a.starts_at.seconds_until(a.ends_at) > role.policy.activation.max_duration_seconds {
            return Ok(Err("the role's maximum duration is now shorter"));
        }
        let eligibility = tx.eligibility_at(a.user_id, a.role_id, now).await?;
        match eligibility {
            None => Ok(Err("the eligibility was removed or has ended")),
            Some(e) if e.ends_at.is_some_and(|end| end < a.ends_at) => {
                Ok(Err("the eligibility ends before the activation would"))
            }
            Some(_) => Ok(Ok(())),
        }
    }

    async fn record_assignment_end(
        &self,
        tx: &mut Tx,
        assignment: &Assignment,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        let Some(end) = assignment.ends_at else {
            return Ok(false);
        };
        if !tx
            .close_assignment(assignment.id, end, None, "expired")
            .await?
        {
            return Ok(false);
        }
        self.end_activations_on(tx, assignment.id, EndReason::Expired, None, now)
            .await?;
        let event = AuditEvent::success(AuditAction::AssignmentExpired, None)
            .about(assignment.user_id)
            .with_details(json!({
                "assignment_id": assignment.id,
                "role": assignment.role_name,
                "kind": assignment.kind.code(),
                "ended_at": end,
            }));
        tx.append_audit(&event, now).await?;
        Ok(true)
    }

    /// Ends what stands on an assignment that is going away: active activations end, open
    /// requests are cancelled, each with its audit event.
    pub(crate) async fn end_activations_on(
        &self,
        tx: &mut Tx,
        assignment: AssignmentId,
        reason: EndReason,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let standing = tx.activations_on(assignment).await?;
        let ended = Ended {
            reason,
            action: AuditAction::EndedWithAssignment,
            by,
        };
        self.end_activations(tx, standing, ended, now).await
    }

    /// Ends these activations (cancelling those not started), each with its audit event; the
    /// transitions queue the downstream revokes.
    pub(crate) async fn end_activations(
        &self,
        tx: &mut Tx,
        activations: Vec<Activation>,
        Ended { reason, action, by }: Ended,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        for a in activations {
            let (to, ending) = if a.state == ActivationState::Active {
                let at = if a.ends_at < now { a.ends_at } else { now };
                (ActivationState::Ended, Some(Ending { at, reason, by }))
            } else {
                (ActivationState::Cancelled, None)
            };
            if !tx
                .transition_activation(a.id, a.state, to, ending, now)
                .await?
            {
                continue;
            }
            let event = AuditEvent::success(action, by)
                .about(a.user_id)
                .with_details(json!({
                    "request_id": a.id,
                    "role": a.role_name,
                    "previous_state": a.state.code(),
                    "reason": reason.code(),
                }));
            tx.append_audit(&event, now).await?;
        }
        Ok(())
    }
}

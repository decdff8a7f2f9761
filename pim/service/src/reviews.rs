//! Access reviews: creating them, the lifecycle loop (start, complete, apply), and reviewers'
//! decisions. Each step is one transaction whose state change is conditional, so two servers
//! never run a step twice.

use pim_core::activation::EndReason;
use pim_core::assignment::AssignmentKind;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::{Principal, RoleAdmin};
use pim_core::review::{
    ItemDecision, Outcome, Recommendation, ReviewSettings, ReviewStep, ScopeKinds, Subject,
    next_step, recommend, reviewers_for, settle,
};
use pim_core::role::{BuiltinRole, Tier};
use pim_core::text::parse_multi_line;
use pim_core::{Timestamp, UserId};
use pim_store::assignments::AssignmentFilter;
use pim_store::reviews::{NewItem, StoredItem, StoredReview};
use serde_json::json;

use crate::review_notices::Tally;
use crate::{Pim, ServiceError};

const MAX_ITEMS: i64 = 10_000;
const ACCEPTED_KEEP: &str = "Accepted the recommendation: in use recently.";
const ACCEPTED_REMOVE: &str = "Accepted the recommendation: not used in the last 30 days.";

impl Pim {
    /// Creates a review; its first instance starts when due work reaches `starts_at`.
    pub async fn create_review(
        &self,
        admin: &RoleAdmin,
        settings: ReviewSettings,
    ) -> Result<String, ServiceError> {
        let mut has_tier_zero = false;
        for role in &settings.scope.roles {
            let record = self
                .store()
                .find_role(*role)
                .await?
                .ok_or(ServiceError::NotFound)?;
            has_tier_zero |= record.info.tier == Tier::CRITICAL;
        }
        let settings = settings.validated(has_tier_zero)?;
        let now = self.now();
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.store().begin().await?;
        tx.insert_review(&id, &settings, admin.user_id, now).await?;
        let event = AuditEvent::success(AuditAction::ReviewCreated, Some(admin.user_id))
            .with_details(json!({ "review_id": id, "settings": settings }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        // A review that starts now opens at once rather than at the next due-work tick.
        self.advance_review(&id).await?;
        Ok(id)
    }

    /// Takes every step due for one review now (start; complete and apply).
    async fn advance_review(&self, id: &str) -> Result<usize, ServiceError> {
        let mut steps = 0;
        // A start, completion and apply can all be due at once (a clock far ahead).
        for _ in 0..4 {
            let current = self.reload(id).await?;
            if current.stopped && current.latest.is_none() {
                break;
            }
            if !self.step(&current).await? {
                break;
            }
            steps += 1;
        }
        Ok(steps)
    }

    /// Moves every review one step on where one is due; returns how many steps ran.
    pub async fn advance_reviews(&self) -> Result<usize, ServiceError> {
        let mut steps = 0;
        for review in self.store().reviews().await? {
            steps += self.advance_review(&review.id).await?;
        }
        Ok(steps)
    }

    async fn reload(&self, id: &str) -> Result<StoredReview, ServiceError> {
        self.store()
            .find_review(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    async fn step(&self, review: &StoredReview) -> Result<bool, ServiceError> {
        let now = self.now();
        let latest = review.latest.as_ref();
        match next_step(&review.settings, latest.map(|(_, s)| s), now) {
            None => Ok(false),
            Some(ReviewStep::Start { .. }) if review.stopped => Ok(false),
            Some(ReviewStep::Start { sequence, ends_at }) => {
                self.start_instance(review, sequence, ends_at, now).await
            }
            Some(ReviewStep::Complete) => {
                let (id, _) = latest.ok_or(ServiceError::NotFound)?;
                self.complete_instance(review, id, None, now).await
            }
            Some(ReviewStep::Apply) => {
                let (id, _) = latest.ok_or(ServiceError::NotFound)?;
                self.apply_instance(review, id, None, now).await
            }
        }
    }

    async fn start_instance(
        &self,
        review: &StoredReview,
        sequence: u32,
        ends_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        let items = self.plan_items(&review.settings, now).await?;
        let instance_id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.store().begin().await?;
        if !tx
            .insert_instance(&instance_id, &review.id, sequence, now, ends_at)
            .await?
        {
            return Ok(false);
        }
        for planned in &items {
            let item_id = uuid::Uuid::new_v4().to_string();
            tx.insert_item(NewItem {
                id: &item_id,
                instance_id: &instance_id,
                assignment_id: planned.assignment.id,
                user_id: planned.assignment.user_id,
                role_id: planned.assignment.role_id,
                kind: planned.assignment.kind,
                self_review: matches!(
                    review.settings.reviewers,
                    pim_core::review::ReviewerRule::SelfReview
                ),
                recommendation: planned.recommendation,
                evidence: &planned.evidence,
                reviewers: &planned.reviewers,
            })
            .await?;
        }
        self.notify_reviewers(&mut tx, review, &instance_id, ends_at, "started", now)
            .await?;
        let event = AuditEvent::success(AuditAction::ReviewStarted, None).with_details(json!({
            "review_id": review.id,
            "instance_id": instance_id,
            "sequence": sequence,
            "ends_at": ends_at,
            "items": items.len(),
        }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn plan_items(
        &self,
        settings: &ReviewSettings,
        now: Timestamp,
    ) -> Result<Vec<PlannedItem>, ServiceError> {
        let kind = match settings.scope.kinds {
            ScopeKinds::Eligible => Some(AssignmentKind::Eligible),
            ScopeKinds::Active => Some(AssignmentKind::Active),
            ScopeKinds::Both => None,
        };
        let mut planned = Vec::new();
        for role_id in &settings.scope.roles {
            let Some(role) = self.store().find_role(*role_id).await? else {
                continue;
            };
            let filter = AssignmentFilter {
                role: Some(*role_id),
                kind,
                ..AssignmentFilter::default()
            };
            let assignments = self
                .store()
                .list_assignments(&filter, now, MAX_ITEMS, 0)
                .await?;
            for assignment in assignments {
                let evidence = self
                    .store()
                    .review_evidence(
                        assignment.user_id,
                        assignment.role_id,
                        assignment.starts_at,
                        now,
                    )
                    .await?;
                if let Some(days) = settings.scope.inactive_days {
                    let since = now.plus_seconds(-i64::from(days) * 86_400);
                    let used = match assignment.kind {
                        AssignmentKind::Eligible => evidence.last_activation,
                        AssignmentKind::Active => evidence.last_sign_in,
                    };
                    if used.is_some_and(|t| t > since) {
                        continue;
                    }
                }
                let manager = self
                    .store()
                    .find_user(assignment.user_id)
                    .await?
                    .and_then(|u| u.manager_id);
                let subject = Subject {
                    user: assignment.user_id,
                    manager,
                };
                planned.push(PlannedItem {
                    reviewers: reviewers_for(&settings.reviewers, subject, &role.owners),
                    recommendation: recommend(assignment.kind, &evidence, now),
                    evidence,
                    assignment,
                });
            }
        }
        Ok(planned)
    }

    /// Ends an instance: unanswered items take the default decision. `by` is the administrator
    /// who stopped it early, `None` when its time ran out.
    async fn complete_instance(
        &self,
        review: &StoredReview,
        instance_id: &str,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        let mut tx = self.store().begin().await?;
        if !tx.complete_instance(instance_id, now).await? {
            return Ok(false);
        }
        let mut tally = Tally {
            keep: 0,
            remove: 0,
            answered: 0,
        };
        for item in tx.review_items(instance_id).await? {
            let (outcome, by_reviewer) = settle(
                item.decision,
                item.recommendation,
                review.settings.default_decision,
            );
            tx.settle_item(&item.id, outcome, by_reviewer).await?;
            match outcome {
                Outcome::Keep => tally.keep += 1,
                Outcome::Remove => tally.remove += 1,
            }
            tally.answered += usize::from(item.decision.is_some());
        }
        self.notify_review_completed(&mut tx, review, instance_id, &tally, now)
            .await?;
        let event = AuditEvent::success(AuditAction::ReviewCompleted, by).with_details(json!({
            "review_id": review.id,
            "instance_id": instance_id,
            "stopped_early": by.is_some(),
            "keep": tally.keep,
            "remove": tally.remove,
            "answered": tally.answered,
        }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes what a completed instance denied, ending activations that stand on it, each
    /// audited with the review. `by` is `None` for auto-apply.
    async fn apply_instance(
        &self,
        review: &StoredReview,
        instance_id: &str,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        let mut tx = self.store().begin().await?;
        if !tx.mark_applied(instance_id, by, now).await? {
            return Ok(false);
        }
        let ga = BuiltinRole::GlobalAdministrator.id();
        let mut removed = 0;
        for item in tx.review_items(instance_id).await? {
            if item.outcome != Some(Outcome::Remove) {
                continue;
            }
            let last_ga = item.role_id == ga
                && tx
                    .count_holders_without(ga, item.assignment_id, now)
                    .await?
                    == 0;
            let result = if last_ga {
                "kept: the last Global Administrator"
            } else if tx
                .close_assignment(item.assignment_id, now, by, "access review")
                .await?
            {
                self.end_activations_on(
                    &mut tx,
                    item.assignment_id,
                    EndReason::EligibilityRemoved,
                    by,
                    now,
                )
                .await?;
                let event = AuditEvent::success(AuditAction::ReviewRemovedAssignment, by)
                    .about(item.user_id)
                    .with_details(json!({
                        "review_id": review.id,
                        "instance_id": instance_id,
                        "item_id": item.id,
                        "assignment_id": item.assignment_id,
                        "role": item.role_name,
                        "kind": item.kind.code(),
                        "decided_by_reviewer": item.outcome_by_reviewer,
                        "reason": item.reason,
                    }));
                tx.append_audit(&event, now).await?;
                removed += 1;
                "removed"
            } else {
                "already ended"
            };
            tx.set_apply_result(&item.id, result).await?;
        }
        let event = AuditEvent::success(AuditAction::ReviewApplied, by).with_details(json!({
            "review_id": review.id,
            "instance_id": instance_id,
            "removed": removed,
        }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Applies a completed instance whose review does not apply by itself ("Apply").
    pub async fn apply_review_instance(
        &self,
        admin: &RoleAdmin,
        instance_id: &str,
    ) -> Result<(), ServiceError> {
        let review = self.review_of_instance(instance_id).await?;
        if self
            .apply_instance(&review, instance_id, Some(admin.user_id), self.now())
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::Conflict(
                "only a completed review that was not applied yet can be applied",
            ))
        }
    }

    /// Ends an instance before its time; unanswered items take the default decision.
    pub async fn stop_review_instance(
        &self,
        admin: &RoleAdmin,
        instance_id: &str,
    ) -> Result<(), ServiceError> {
        let review = self.review_of_instance(instance_id).await?;
        if self
            .complete_instance(&review, instance_id, Some(admin.user_id), self.now())
            .await?
        {
            // Auto-apply follows at once, as it would at the end.
            self.advance_review(&review.id).await?;
            Ok(())
        } else {
            Err(ServiceError::Conflict(
                "this review is no longer in progress",
            ))
        }
    }

    /// Ends a recurring review for good: no further instance starts. An instance in progress
    /// runs to its end (or "Stop now").
    pub async fn end_review_series(
        &self,
        admin: &RoleAdmin,
        review_id: &str,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !tx.end_review_series(review_id, now).await? {
            drop(tx);
            return Err(match self.store().find_review(review_id).await? {
                Some(_) => ServiceError::Conflict("this review has already ended"),
                None => ServiceError::NotFound,
            });
        }
        let event = AuditEvent::success(AuditAction::ReviewEnded, Some(admin.user_id))
            .with_details(json!({ "review_id": review_id }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn review_of_instance(&self, instance_id: &str) -> Result<StoredReview, ServiceError> {
        self.store()
            .review_of_latest_instance(instance_id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// The caller's open items, the reviewer inbox.
    pub async fn my_review_items(&self, who: &Principal) -> Result<Vec<StoredItem>, ServiceError> {
        Ok(self.store().open_review_items_for(who.user_id).await?)
    }

    /// "Accept recommendations": answers each of the caller's open items as recommended;
    /// returns how many were answered.
    pub async fn accept_review_recommendations(
        &self,
        who: &Principal,
    ) -> Result<usize, ServiceError> {
        let mut answered = 0;
        for item in self.my_review_items(who).await? {
            let (decision, reason) = match item.recommendation {
                Recommendation::Approve => (ItemDecision::Approve, ACCEPTED_KEEP),
                Recommendation::Deny => (ItemDecision::Deny, ACCEPTED_REMOVE),
            };
            match self
                .decide_review_item(who, &item.id, decision, reason)
                .await
            {
                Ok(()) => answered += 1,
                // Decided meanwhile, or a reason this review asks for that a bulk answer
                // cannot give: the item stays open for a one-by-one answer.
                Err(ServiceError::Conflict(_) | ServiceError::InvalidInput(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(answered)
    }

    /// Records the caller's answer on an item they review, while its instance runs.
    pub async fn decide_review_item(
        &self,
        who: &Principal,
        item_id: &str,
        decision: ItemDecision,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (review_id, settings) = tx
            .settings_of_item(item_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let reason_needed = decision == ItemDecision::Deny
            || (decision == ItemDecision::Approve && settings.require_reason_on_approve);
        let reason = parse_multi_line(reason, "Reason", usize::from(reason_needed) * 3, 500)?;
        if !tx
            .decide_item(item_id, who.user_id, decision, &reason, now)
            .await?
        {
            return Err(ServiceError::Conflict(
                "this item is not yours to review, or its review has ended",
            ));
        }
        let event = AuditEvent::success(AuditAction::ReviewDecided, Some(who.user_id))
            .with_details(json!({
                "review_id": review_id,
                "item_id": item_id,
                "decision": decision.code(),
                "reason": reason,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

struct PlannedItem {
    assignment: pim_core::assignment::Assignment,
    evidence: pim_core::review::ReviewEvidence,
    recommendation: pim_core::review::Recommendation,
    reviewers: Vec<UserId>,
}

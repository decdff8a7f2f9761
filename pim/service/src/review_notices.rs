//! What access reviews tell people through the outbox: the reviewers when an instance starts
//! and before it ends (once per configured reminder), the creator and report recipients when
//! it completes.

use pim_core::Timestamp;
use pim_core::notify::{Notice, NoticeKind};
use pim_store::Tx;
use pim_store::reviews::StoredReview;

use crate::notifications::Audience;
use crate::{Pim, ServiceError};

/// Counts for the completion report.
pub(crate) struct Tally {
    pub keep: usize,
    pub remove: usize,
    pub answered: usize,
}

impl Pim {
    fn review_notice(
        &self,
        kind: NoticeKind,
        review: &StoredReview,
        instance_id: &str,
        text: String,
        ends_at: Timestamp,
        now: Timestamp,
    ) -> Notice {
        Notice {
            kind,
            subject_id: instance_id.to_owned(),
            role: review.settings.name.clone(),
            tier: 0,
            person: String::new(),
            actor: None,
            text: Some(text),
            starts_at: None,
            ends_at: Some(ends_at),
            link: self.link("/reviews"),
            at: now,
        }
    }

    /// Tells each reviewer with open items in the instance how many wait for them. `label`
    /// tells reminders apart ("started", or the reminder's hours).
    pub(crate) async fn notify_reviewers(
        &self,
        tx: &mut Tx,
        review: &StoredReview,
        instance_id: &str,
        ends_at: Timestamp,
        label: &str,
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        let kind = if label == "started" {
            NoticeKind::ReviewStarted
        } else {
            NoticeKind::ReviewReminder
        };
        let mut queued = 0;
        for (reviewer, open) in tx.open_items_by_reviewer(instance_id).await? {
            let text = format!(
                "{open} assignment(s) wait for your review until {}.",
                ends_at.utc_text()
            );
            let notice = self.review_notice(kind, review, instance_id, text, ends_at, now);
            let audience = Audience {
                people: vec![reviewer],
                ..Audience::default()
            };
            let key = format!("review_{label}:{instance_id}");
            queued += self.notify(tx, &key, &notice, audience, now).await?;
        }
        Ok(queued)
    }

    /// The completion report, to the review's creator and its report recipients.
    pub(crate) async fn notify_review_completed(
        &self,
        tx: &mut Tx,
        review: &StoredReview,
        instance_id: &str,
        tally: &Tally,
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        let total = tally.keep + tally.remove;
        // Nothing to answer counts as complete.
        let rate = (tally.answered * 100).checked_div(total).unwrap_or(100);
        let text = format!(
            "{answered} of {total} answered ({rate} %); {keep} kept, {remove} to remove.",
            answered = tally.answered,
            keep = tally.keep,
            remove = tally.remove,
        );
        let notice = self.review_notice(
            NoticeKind::ReviewCompleted,
            review,
            instance_id,
            text,
            now,
            now,
        );
        let audience = Audience {
            people: vec![review.created_by],
            extra: review.settings.report_recipients.clone(),
            broadcast: false,
        };
        let key = format!("review_completed:{instance_id}");
        self.notify(tx, &key, &notice, audience, now).await
    }

    /// Reminders due at `now` for instances in progress; each goes out once per reviewer.
    pub(crate) async fn queue_review_reminders(
        &self,
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        let mut queued = 0;
        for review in self.store().reviews().await? {
            let Some((instance_id, latest)) = &review.latest else {
                continue;
            };
            if latest.state != pim_core::review::InstanceState::InProgress || now >= latest.ends_at
            {
                continue;
            }
            // Latest reminder first (settings keep them in descending hours).
            for hours in review.settings.reminder_hours.iter().rev() {
                let at = latest.ends_at.plus_seconds(-i64::from(*hours) * 3600);
                if now < at {
                    continue;
                }
                let mut tx = self.store().begin().await?;
                let label = format!("reminder_{hours}h");
                queued += self
                    .notify_reviewers(&mut tx, &review, instance_id, latest.ends_at, &label, now)
                    .await?;
                tx.commit().await?;
                // The latest reminder due covers the earlier ones.
                break;
            }
        }
        Ok(queued)
    }
}

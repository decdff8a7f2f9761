//! Reminders that fall due with time: an activation ending within 15 minutes, an
//! eligibility ending within 14 days and again within 1 day. The outbox's uniqueness on
//! (event, recipient, channel) makes each reminder go out once, however often this runs.

use pim_core::Timestamp;
use pim_core::notify::{Notice, NoticeKind};
use pim_core::time::{DAY, MINUTE};

use crate::notifications::Audience;
use crate::{Pim, ServiceError};

const ACTIVATION_WARNING: i64 = 15 * MINUTE;
const ELIGIBILITY_WARNINGS: [(i64, &str); 2] = [(14 * DAY, "14d"), (DAY, "1d")];
const BATCH: i64 = 500;

impl Pim {
    /// Queues the reminders due at `now`; returns how many were new.
    pub(crate) async fn queue_reminders(&self, now: Timestamp) -> Result<usize, ServiceError> {
        let store = self.store();
        if store.list_channels().await?.iter().all(|c| !c.enabled) {
            return Ok(0);
        }
        let ending = store
            .activations_ending_between(now, now.plus_seconds(ACTIVATION_WARNING), BATCH)
            .await?;
        let mut reminders = Vec::new();
        for a in &ending {
            let holder = store.find_user(a.user_id).await?;
            let name = holder.map_or_else(String::new, |u| u.display_name);
            let tier = store
                .find_role(a.role_id)
                .await?
                .map_or(0, |r| r.info.tier.level());
            let kind = NoticeKind::ActivationEndingSoon;
            let mut notice = self.request_notice(kind, a, &name, tier, now);
            notice.text = None;
            notice.link = self.link("/roles?tab=active");
            let key = format!("ending:{}:{}", a.id, a.ends_at.unix());
            reminders.push((key, notice, a.user_id));
        }
        for (ahead, label) in ELIGIBILITY_WARNINGS {
            let window = store
                .eligibilities_ending_between(now, now.plus_seconds(ahead), BATCH)
                .await?;
            for e in window {
                let notice = Notice {
                    kind: NoticeKind::EligibilityEndingSoon,
                    subject_id: e.id.to_string(),
                    role: e.role_name.clone(),
                    tier: e.tier.level(),
                    person: e.user_name.clone(),
                    actor: None,
                    text: None,
                    starts_at: None,
                    ends_at: e.ends_at,
                    link: self.link("/roles"),
                    at: now,
                };
                reminders.push((
                    format!("eligibility_ending:{}:{label}", e.id),
                    notice,
                    e.user_id,
                ));
            }
        }
        if reminders.is_empty() {
            return Ok(0);
        }
        let mut queued = 0;
        let mut tx = store.begin().await?;
        for (key, notice, person) in &reminders {
            let audience = Audience {
                people: vec![*person],
                extra: Vec::new(),
                broadcast: false,
            };
            queued += self.notify(&mut tx, key, notice, audience, now).await?;
        }
        tx.commit().await?;
        Ok(queued)
    }
}

//! The weekly digest: on Monday from 08:00 UTC, Security and Global Administrators get the
//! week's alerts, activity, approval latency and the seed's targets by e-mail.

use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::insights::{digest_due, digest_lines, digest_week};
use pim_core::notify::{Notice, NoticeKind};
use serde_json::json;

use crate::notifications::Audience;
use crate::{Pim, ServiceError};

const KIND: &str = "weekly_digest";

impl Pim {
    /// Queues this ISO week's digest once it is due, once across every server: the week is
    /// recorded with the notices and the audit event in one transaction. Nothing is queued
    /// while no channel is enabled. Returns whether this call queued it.
    pub async fn queue_weekly_digest(&self) -> Result<bool, ServiceError> {
        let now = self.now();
        if now < digest_due(now) {
            return Ok(false);
        }
        let week = digest_week(now);
        let key = format!("{KIND}:{week}");
        let store = self.store();
        if store.was_announced(&key).await?
            || !store.list_channels().await?.iter().any(|c| c.enabled)
        {
            return Ok(false);
        }
        let report = self.insights_report().await?;
        let alerts = self.current_alerts().await?.alerts;
        let pending = store.workflow_figures(now).await?.pending_requests;
        let lines = digest_lines(&report, &alerts, pending);

        let mut tx = store.begin().await?;
        if !tx.record_raised_alert(&key, KIND, &week, now).await? {
            return Ok(false);
        }
        let notice = Notice {
            kind: NoticeKind::WeeklyDigest,
            subject_id: key.clone(),
            role: week.clone(),
            tier: 0,
            person: String::new(),
            actor: None,
            text: Some(lines.join("\n")),
            starts_at: None,
            ends_at: None,
            link: self.link("/insights"),
            at: now,
        };
        let audience = Audience::security_team(&mut tx, false, now).await?;
        let recipients = self.notify(&mut tx, &key, &notice, audience, now).await?;
        let event = AuditEvent::success(AuditAction::DigestSent, None)
            .with_details(json!({ "week": week, "messages": recipients, "lines": lines }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        self.wake_delivery();
        Ok(true)
    }
}

//! Who hears about what. Messages are written to the outbox inside the transaction of the
//! change they report, so a message exists exactly when its change committed; the server's
//! delivery loop sends them.

use pim_core::activation::Activation;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::notify::{ChannelConfig, Notice, NoticeKind};
use pim_core::notify_rules::{MatrixEvent, RecipientClass};
use pim_core::policy::RolePolicy;
use pim_core::principal::Principal;
use pim_core::role::{BuiltinRole, Permission};
use pim_core::text::parse_single_line;
use pim_core::{Timestamp, UserId};
use pim_store::Tx;
use pim_store::notifications::NewNotification;
pub use pim_store::notifications::{Channel, OutboxItem};
use serde_json::json;

use crate::approvals::{DEFAULT_APPROVER_ROLES, current_approvers};
use crate::{Pim, ServiceError};

/// Who receives a notice: these people and `extra` addresses by e-mail, and every chat and
/// webhook channel when `broadcast`.
#[derive(Debug, Default)]
pub(crate) struct Audience {
    pub people: Vec<UserId>,
    pub extra: Vec<String>,
    pub broadcast: bool,
}

impl Audience {
    /// Everyone who holds (or may activate) Security Administrator or Global Administrator:
    /// who hears of security alerts and gets the weekly digest.
    pub(crate) async fn security_team(
        tx: &mut Tx,
        broadcast: bool,
        now: Timestamp,
    ) -> Result<Self, ServiceError> {
        let roles = [
            BuiltinRole::SecurityAdministrator.id(),
            BuiltinRole::GlobalAdministrator.id(),
        ];
        Ok(Self {
            people: tx.approvers(&[], roles, now).await?,
            extra: Vec::new(),
            broadcast,
        })
    }
}

/// Whom a role's notification matrix names for `event`, among `classes` (the classes that
/// hear about this `kind` of notice: a request waiting for approval goes to approvers, the
/// activation itself to administrators and the requester).
#[derive(Clone, Copy)]
pub(crate) struct MatrixAudience<'a> {
    pub policy: &'a RolePolicy,
    pub event: MatrixEvent,
    pub classes: &'a [RecipientClass],
    pub kind: NoticeKind,
    pub assignee: UserId,
}

/// What Settings → Notifications shows: channels without their secrets, and the outbox's
/// recent trouble.
#[derive(Debug, Clone)]
pub struct NotificationSettings {
    pub channels: Vec<Channel>,
    pub failed: Vec<OutboxItem>,
    pub pending: Vec<OutboxItem>,
}

impl Pim {
    /// A notice about one activation request, linking to its page.
    pub(crate) fn request_notice(
        &self,
        kind: NoticeKind,
        request: &Activation,
        person: &str,
        tier: u8,
        now: Timestamp,
    ) -> Notice {
        Notice {
            kind,
            subject_id: request.id.to_string(),
            role: request.role_name.clone(),
            tier,
            person: person.to_owned(),
            actor: None,
            text: (!request.justification.is_empty()).then(|| request.justification.clone()),
            starts_at: Some(request.starts_at),
            ends_at: Some(request.ends_at),
            link: self.link(&format!("/approvals/{}", request.id)),
            at: now,
        }
    }

    /// Puts `notice` in the outbox for `audience`, once per (event, recipient, channel);
    /// returns how many messages were new.
    pub(crate) async fn notify(
        &self,
        tx: &mut Tx,
        event_key: &str,
        notice: &Notice,
        audience: Audience,
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        let channels = tx.enabled_channels().await?;
        if channels.is_empty() {
            return Ok(0);
        }
        self.enqueue(tx, &channels, event_key, notice, audience, now)
            .await
    }

    /// [`Pim::notify`] for the audience a role's notification matrix names, which is worked
    /// out only when some channel is enabled: most activations then cost no audience query.
    pub(crate) async fn notify_matrix(
        &self,
        tx: &mut Tx,
        event_key: &str,
        notice: &Notice,
        matrix: MatrixAudience<'_>,
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        let channels = tx.enabled_channels().await?;
        if channels.is_empty() {
            return Ok(0);
        }
        let audience = self.matrix_audience(tx, &matrix).await?;
        self.enqueue(tx, &channels, event_key, notice, audience, now)
            .await
    }

    async fn enqueue(
        &self,
        tx: &mut Tx,
        channels: &[Channel],
        event_key: &str,
        notice: &Notice,
        audience: Audience,
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        let mut queued = 0;
        let json = serde_json::to_string(notice).map_err(anyhow::Error::from)?;
        let mut emails = Vec::new();
        if channels.iter().any(|c| c.config.kind() == "email") {
            for person in &audience.people {
                if let Some(user) = tx.find_user(*person).await?
                    && user.is_active()
                {
                    emails.push(user.email);
                }
            }
            emails.extend(audience.extra);
            emails.sort();
            emails.dedup();
        }
        for channel in channels {
            let recipients: Vec<&str> = match (&channel.config, audience.broadcast) {
                (ChannelConfig::Email { .. }, _) => emails.iter().map(String::as_str).collect(),
                (_, true) => vec![""],
                (_, false) => Vec::new(),
            };
            for recipient in recipients {
                let message = NewNotification {
                    event_key,
                    channel_id: &channel.id,
                    recipient,
                    notice_json: &json,
                };
                queued += usize::from(tx.enqueue_notification(message, now).await?);
            }
        }
        Ok(queued)
    }

    /// The audience a role's notification matrix names.
    async fn matrix_audience(
        &self,
        tx: &mut Tx,
        matrix: &MatrixAudience<'_>,
    ) -> Result<Audience, ServiceError> {
        let MatrixAudience {
            policy,
            event,
            classes,
            kind,
            assignee,
        } = *matrix;
        let now = self.now();
        let rules = policy.notifications.event(event);
        let mut audience = Audience::default();
        for class in classes {
            let rule = rules.rule(*class);
            if !rule.wants(kind) {
                continue;
            }
            audience.extra.extend(rule.extra.iter().cloned());
            if !rule.default_recipients {
                continue;
            }
            match class {
                RecipientClass::Admins => {
                    let admins = tx.approvers(&[], DEFAULT_APPROVER_ROLES, now).await?;
                    audience.people.extend(admins);
                    audience.broadcast = true;
                }
                RecipientClass::Assignee => audience.people.push(assignee),
                RecipientClass::Approvers => {
                    let approvers = current_approvers(tx, policy, now).await?;
                    audience
                        .people
                        .extend(approvers.into_iter().filter(|a| *a != assignee));
                    audience.broadcast = true;
                }
            }
        }
        audience.people.sort_by_key(ToString::to_string);
        audience.people.dedup();
        Ok(audience)
    }

    /// Channels and the outbox's failures and backlog.
    pub async fn notification_settings(
        &self,
        who: &Principal,
    ) -> Result<NotificationSettings, ServiceError> {
        if !(who.can(Permission::ManageSecurity) || who.can(Permission::ReadAudit)) {
            return Err(ServiceError::Forbidden);
        }
        let store = self.store();
        let channels = store
            .list_channels()
            .await?
            .into_iter()
            .map(|c| Channel {
                config: c.config.redacted(),
                ..c
            })
            .collect();
        Ok(NotificationSettings {
            channels,
            failed: store.notifications_in("failed", 50).await?,
            pending: store.notifications_in("pending", 50).await?,
        })
    }

    /// Adds a channel after checking its settings.
    pub async fn create_channel(
        &self,
        who: &Principal,
        name: &str,
        config: ChannelConfig,
    ) -> Result<String, ServiceError> {
        let admin = require_security_admin(who)?;
        let name = parse_single_line(name, "channel name", 2, 80)?;
        let config = config.validated()?;
        if matches!(config, ChannelConfig::Email { .. })
            && self
                .store()
                .list_channels()
                .await?
                .iter()
                .any(|c| c.config.kind() == "email")
        {
            return Err(ServiceError::Conflict(
                "an e-mail relay is configured already; Stint sends all e-mail through one",
            ));
        }
        let now = self.now();
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.store().begin().await?;
        tx.create_channel(&id, &name, &config, admin, now).await?;
        let event = AuditEvent::success(AuditAction::ChannelCreated, Some(admin))
            .with_details(json!({ "channel_id": id, "name": name, "config": config.redacted() }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_channel_enabled(
        &self,
        who: &Principal,
        id: &str,
        enabled: bool,
    ) -> Result<(), ServiceError> {
        let admin = require_security_admin(who)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !tx.set_channel_enabled(id, enabled).await? {
            return Err(ServiceError::NotFound);
        }
        let event = AuditEvent::success(AuditAction::ChannelUpdated, Some(admin))
            .with_details(json!({ "channel_id": id, "enabled": enabled }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a test message on one channel (e-mail goes to the caller's own address).
    pub async fn send_test(&self, who: &Principal, id: &str) -> Result<(), ServiceError> {
        let admin = require_security_admin(who)?;
        let channel = self
            .store()
            .find_channel(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let me = self
            .store()
            .find_user(admin)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let now = self.now();
        let test_id = uuid::Uuid::new_v4().to_string();
        let notice = Notice {
            kind: NoticeKind::Test,
            subject_id: test_id.clone(),
            role: String::new(),
            tier: 2,
            person: me.display_name.clone(),
            actor: Some(me.display_name),
            text: Some(format!("Test of the channel \"{}\".", channel.name)),
            starts_at: None,
            ends_at: None,
            link: self.link("/settings/notifications"),
            at: now,
        };
        let recipient = if channel.config.kind() == "email" {
            me.email
        } else {
            String::new()
        };
        let json = serde_json::to_string(&notice).map_err(anyhow::Error::from)?;
        let mut tx = self.store().begin().await?;
        let message = NewNotification {
            event_key: &format!("test:{test_id}"),
            channel_id: &channel.id,
            recipient: &recipient,
            notice_json: &json,
        };
        tx.enqueue_notification(message, now).await?;
        tx.commit().await?;
        self.wake_delivery();
        Ok(())
    }
}

pub(crate) fn require_security_admin(who: &Principal) -> Result<UserId, ServiceError> {
    if who.can(Permission::ManageSecurity) {
        Ok(who.user_id)
    } else {
        Err(ServiceError::Forbidden)
    }
}

//! Settings → Notifications: channels (SMTP relay, Teams, Slack, signed webhook), "send test",
//! and what the outbox could not deliver.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use pim_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::fields::FormFields;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{pim, principal};

/// A channel as the page shows it: no password, no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub target: String,
    pub enabled: bool,
}

/// One outbox message as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxView {
    pub channel: String,
    pub recipient: String,
    pub event: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettingsView {
    pub channels: Vec<ChannelView>,
    pub failed: Vec<OutboxView>,
    pub pending: Vec<OutboxView>,
    pub can_manage: bool,
}

#[cfg(feature = "ssr")]
mod convert {
    use pim_core::notify::ChannelConfig;
    use pim_service::notifications::{Channel, OutboxItem};

    use super::{ChannelView, OutboxView};

    pub fn channel(c: &Channel) -> ChannelView {
        let target = match &c.config {
            ChannelConfig::Email { host, port, .. } => format!("{host}:{port}"),
            ChannelConfig::Teams { url }
            | ChannelConfig::Slack { url }
            | ChannelConfig::Webhook { url, .. } => url.clone(),
        };
        ChannelView {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: c.config.kind().to_owned(),
            target,
            enabled: c.enabled,
        }
    }

    pub fn outbox(item: OutboxItem, channels: &[Channel]) -> OutboxView {
        let event = item
            .event_key
            .split(':')
            .next()
            .unwrap_or_default()
            .replace('_', " ");
        OutboxView {
            channel: channels
                .iter()
                .find(|c| c.id == item.channel_id)
                .map_or_else(String::new, |c| c.name.clone()),
            recipient: item.recipient,
            event,
            attempts: item.attempts,
            last_error: item.last_error,
            created_at: pim_core::Timestamp::from_unix(item.created_at),
        }
    }
}

/// The channel described by the form's fields for its kind.
#[cfg(feature = "ssr")]
fn channel_config(fields: &FormFields) -> Result<pim_core::notify::ChannelConfig, AppError> {
    use pim_core::notify::{ChannelConfig, SmtpSecurity};
    use pim_service::ServiceError;
    let text = |name: &str| fields.text(name).to_owned();
    Ok(match fields.text("kind") {
        "email" => ChannelConfig::Email {
            host: text("host"),
            port: u16::try_from(fields.number("port", "port").map_err(ServiceError::from)?)
                .map_err(|_| {
                    ServiceError::from(pim_core::ParseError::Invalid {
                        field: "port",
                        reason: "must be between 1 and 65535",
                    })
                })?,
            security: if fields.text("security") == "plain" {
                SmtpSecurity::Plain
            } else {
                SmtpSecurity::StartTls
            },
            username: text("username"),
            password: text("password"),
            from: text("from"),
        },
        "teams" => ChannelConfig::Teams { url: text("url") },
        "slack" => ChannelConfig::Slack { url: text("url") },
        "webhook" => ChannelConfig::Webhook {
            url: text("url"),
            secret: text("secret"),
        },
        _ => {
            return Err(ServiceError::from(pim_core::ParseError::Invalid {
                field: "kind",
                reason: "must be e-mail, Teams, Slack or webhook",
            })
            .into());
        }
    })
}

/// **Permissions**: an active Security Administrator or Global Administrator; Security
/// Readers see it read-only.
#[server(prefix = "/api", endpoint = "notifications/settings")]
pub async fn load_notification_settings() -> Result<NotificationSettingsView, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let settings = pim.notification_settings(&me).await?;
    let all = &settings.channels;
    Ok(NotificationSettingsView {
        channels: settings.channels.iter().map(convert::channel).collect(),
        failed: settings
            .failed
            .into_iter()
            .map(|i| convert::outbox(i, all))
            .collect(),
        pending: settings
            .pending
            .into_iter()
            .map(|i| convert::outbox(i, all))
            .collect(),
        can_manage: me.can(pim_core::role::Permission::ManageSecurity),
    })
}

/// **Permissions**: an active Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "notifications/channels/create", input = Json)]
pub async fn create_channel(fields: FormFields) -> Result<String, AppError> {
    let me = principal().await?;
    let config = channel_config(&fields)?;
    Ok(pim()?
        .create_channel(&me, fields.text("name"), config)
        .await?)
}

/// **Permissions**: an active Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "notifications/channels/enable")]
pub async fn set_channel_enabled(id: String, enabled: bool) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?.set_channel_enabled(&me, &id, enabled).await?;
    Ok(())
}

/// Queues a test message on one channel; e-mail goes to the caller.
///
/// **Permissions**: an active Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "notifications/channels/test")]
pub async fn send_test(id: String) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?.send_test(&me, &id).await?;
    Ok(())
}

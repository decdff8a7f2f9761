//! One message on one channel: SMTP, a Teams or Slack incoming webhook, or a signed webhook.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use pim_core::Timestamp;
use pim_core::notify::{ChannelConfig, Notice, SmtpSecurity, webhook_signature};

/// The header carrying a webhook's HMAC signature (see [`webhook_signature`]).
pub const SIGNATURE_HEADER: &str = "Stint-Signature";

/// Sends `notice` as message `id` to `recipient` (an e-mail address; empty for chat and
/// webhook channels). The error says what went wrong, for Settings → Notifications.
pub async fn send(
    http: &reqwest::Client,
    channel: &ChannelConfig,
    id: &str,
    recipient: &str,
    notice: &Notice,
    now: Timestamp,
) -> Result<(), String> {
    match channel {
        ChannelConfig::Email {
            host,
            port,
            security,
            username,
            password,
            from,
        } => {
            let relay = Relay {
                host,
                port: *port,
                security: *security,
                username,
                password,
            };
            send_email(&relay, from, recipient, notice).await
        }
        ChannelConfig::Teams { url } => post(http, url, &notice.teams_payload(), id, None).await,
        ChannelConfig::Slack { url } => post(http, url, &notice.slack_payload(), id, None).await,
        ChannelConfig::Webhook { url, secret } => {
            let body = notice.webhook_payload(id);
            post(http, url, &body, id, Some((secret, now))).await
        }
    }
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
    id: &str,
    signing: Option<(&str, Timestamp)>,
) -> Result<(), String> {
    let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let mut request = http
        .post(url)
        .header("content-type", "application/json")
        .header("idempotency-key", id);
    if let Some((secret, now)) = signing {
        request = request.header(
            SIGNATURE_HEADER,
            webhook_signature(secret, now.unix(), &bytes),
        );
    }
    let response = request
        .body(bytes)
        .send()
        .await
        .map_err(|e| format!("could not reach the receiver: {e}"))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {status}"))
    }
}

struct Relay<'a> {
    host: &'a str,
    port: u16,
    security: SmtpSecurity,
    username: &'a str,
    password: &'a str,
}

async fn send_email(
    relay: &Relay<'_>,
    from: &str,
    to: &str,
    notice: &Notice,
) -> Result<(), String> {
    let message = Message::builder()
        .from(from.parse().map_err(|e| format!("sender address: {e}"))?)
        .to(to.parse().map_err(|e| format!("recipient address: {e}"))?)
        .subject(notice.headline())
        .header(ContentType::TEXT_PLAIN)
        .body(notice.plain_text())
        .map_err(|e| format!("could not build the message: {e}"))?;
    let builder = match relay.security {
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(relay.host)
            .map_err(|e| format!("SMTP relay: {e}"))?,
        SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(relay.host),
    };
    let mut builder = builder
        .port(relay.port)
        .timeout(Some(Duration::from_secs(20)));
    if !relay.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            relay.username.to_owned(),
            relay.password.to_owned(),
        ));
    }
    builder
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP: {e}"))
}

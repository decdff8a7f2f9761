//! Signed `role.granted` and `role.revoked` events POSTed to an application that keeps its own
//! permissions. The body is signed like Stint's notification webhooks (`Stint-Signature:
//! t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`), and `Idempotency-Key` is the
//! activation id and the event, the same on every retry, so a receiver that saw it already
//! can answer 2xx and do nothing.

use std::time::Duration;

use async_trait::async_trait;
use pim_core::connector::{DbName, ProvisionAction};
use pim_core::notify::{ChannelConfig, webhook_signature};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Downstream, DownstreamError, ProvisionRequest};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Stint-Signature";
const TIMEOUT: Duration = Duration::from_secs(10);

/// What is sealed for a webhook connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSettings {
    pub url: String,
    pub secret: String,
}

impl WebhookSettings {
    /// Checks the URL (https, or http for a receiver on a trusted network) and that the
    /// signing secret has at least 16 characters, as for notification webhooks.
    pub fn validated(self) -> Result<Self, pim_core::ParseError> {
        match (ChannelConfig::Webhook {
            url: self.url,
            secret: self.secret,
        })
        .validated()?
        {
            ChannelConfig::Webhook { url, secret } => Ok(Self { url, secret }),
            _ => unreachable!("a webhook validates to a webhook"),
        }
    }

    /// The receiver's scheme, host and port, for pages: never the path, which may hold a key.
    #[must_use]
    pub fn origin(&self) -> String {
        url::Url::parse(&self.url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| "webhook".into())
    }
}

pub struct WebhookReceiver {
    settings: WebhookSettings,
    http: reqwest::Client,
}

impl WebhookReceiver {
    pub fn new(sealed_json: &str) -> Result<Self, DownstreamError> {
        let settings: WebhookSettings = serde_json::from_str(sealed_json)
            .map_err(|_| DownstreamError::Unexpected("the webhook settings do not read".into()))?;
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| DownstreamError::Receiver(format!("no HTTP client: {e}")))?;
        Ok(Self { settings, http })
    }
}

/// The event a receiver gets.
fn body(request: &ProvisionRequest<'_>, key: &str) -> serde_json::Value {
    let event = match request.action {
        ProvisionAction::Grant => "role.granted",
        ProvisionAction::Revoke => "role.revoked",
    };
    json!({
        "event": event,
        "idempotency_key": key,
        "activation_id": request.activation_id,
        "user": { "email": request.email, "login": request.login.as_str() },
        "role": { "id": request.role_id, "name": request.role },
        "ends_at": request.ends_at.unix(),
        "sent_at": request.now.unix(),
    })
}

#[async_trait]
impl Downstream for WebhookReceiver {
    async fn check(&self) -> Result<(), DownstreamError> {
        Ok(())
    }

    async fn apply(&self, request: &ProvisionRequest<'_>) -> Result<(), DownstreamError> {
        let key = format!("{}:{}", request.activation_id, request.action.code());
        let bytes = serde_json::to_vec(&body(request, &key))
            .map_err(|e| DownstreamError::Unexpected(e.to_string()))?;
        let signature = webhook_signature(&self.settings.secret, request.now.unix(), &bytes);
        let response = self
            .http
            .post(&self.settings.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &key)
            .header(SIGNATURE_HEADER, signature)
            .body(bytes)
            .send()
            .await
            // Without the URL: it may carry a key, and this text is shown on pages.
            .map_err(|e| {
                DownstreamError::Receiver(format!(
                    "could not reach the receiver: {}",
                    e.without_url()
                ))
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(DownstreamError::Receiver(format!(
                "the receiver answered {status}"
            )))
        }
    }

    async fn members(&self) -> Result<Option<Vec<DbName>>, DownstreamError> {
        Ok(None)
    }
}

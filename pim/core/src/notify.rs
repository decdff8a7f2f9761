//! Notifications: what happened, to whom, and how each channel shows it.
//!
//! Every message carries the request id and a deep link into the portal; approving happens
//! only there. User text (justifications, reasons) is plain text everywhere: escaped for
//! Slack's and Teams' markup, carried as data in webhooks, never interpreted.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::ParseError;
use crate::text::parse_single_line;
use crate::time::{Timestamp, humanize_seconds};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A request waits for the recipient's approval.
    ApprovalNeeded,
    /// A role became active (at once, or when its approval quorum was reached).
    Activated,
    Denied,
    /// The requester withdrew, an administrator cancelled, or it lapsed undecided.
    RequestClosed,
    /// An active role ends within 15 minutes.
    ActivationEndingSoon,
    /// An eligibility ends within 14 days, or within 1 day.
    EligibilityEndingSoon,
    /// An administrator's change that affects themselves waits for another administrator.
    ChangeAwaitsApproval,
    /// A second administrator approved (and so applied) the proposer's change.
    ChangeApplied,
    /// A second administrator rejected the proposer's change.
    ChangeRejected,
    /// Someone was made eligible for a role.
    AssignedEligible,
    /// Someone was assigned a role active.
    AssignedActive,
    /// An access review opened with items for the recipient (`role` holds the review's name).
    ReviewStarted,
    /// The recipient still has items open in a review that ends soon.
    ReviewReminder,
    /// A review's instance completed: the report for its creator and report recipients.
    ReviewCompleted,
    /// Someone signed in with a break-glass key: a critical alert to every administrator and
    /// every channel (`person` is the emergency account, `role` the key).
    BreakGlassUsed,
    /// A high-severity finding appeared on Insights → Alerts (`role` holds the alert's
    /// title, `person` the item, `text` what to do).
    AlertRaised,
    /// Monday's summary for Security and Global Administrators (`role` holds the ISO week,
    /// `text` the digest's lines).
    WeeklyDigest,
    /// "Send test" in Settings → Notifications.
    Test,
}

impl NoticeKind {
    /// Messages that ask the recipient to do something; "critical only" keeps just these.
    #[must_use]
    pub const fn needs_action(self) -> bool {
        matches!(
            self,
            Self::ApprovalNeeded
                | Self::ChangeAwaitsApproval
                | Self::ActivationEndingSoon
                | Self::EligibilityEndingSoon
                | Self::ReviewStarted
                | Self::ReviewReminder
                | Self::BreakGlassUsed
                | Self::AlertRaised
        )
    }

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::ApprovalNeeded => "approval_needed",
            Self::Activated => "activated",
            Self::Denied => "denied",
            Self::RequestClosed => "request_closed",
            Self::ActivationEndingSoon => "activation_ending_soon",
            Self::EligibilityEndingSoon => "eligibility_ending_soon",
            Self::ChangeAwaitsApproval => "change_awaits_approval",
            Self::ChangeApplied => "change_applied",
            Self::ChangeRejected => "change_rejected",
            Self::AssignedEligible => "assigned_eligible",
            Self::AssignedActive => "assigned_active",
            Self::ReviewStarted => "review_started",
            Self::ReviewReminder => "review_reminder",
            Self::ReviewCompleted => "review_completed",
            Self::BreakGlassUsed => "break_glass_used",
            Self::AlertRaised => "alert_raised",
            Self::WeeklyDigest => "weekly_digest",
            Self::Test => "test",
        }
    }
}

/// One event as every channel renders it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The activation request (or assignment, for eligibility notices) it concerns.
    pub subject_id: String,
    pub role: String,
    pub tier: u8,
    /// The person the request or eligibility belongs to.
    pub person: String,
    /// Who acted, when someone else than `person` did (an approver, an administrator).
    pub actor: Option<String>,
    /// The justification or reason, exactly as typed.
    pub text: Option<String>,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    /// Where in the portal to look (and, for approvers, to decide).
    pub link: String,
    pub at: Timestamp,
}

impl Notice {
    /// One line, for an e-mail subject or a chat title.
    #[must_use]
    pub fn headline(&self) -> String {
        let (role, person) = (&self.role, &self.person);
        match self.kind {
            NoticeKind::ApprovalNeeded => format!("Approval needed: {person} asks for {role}"),
            NoticeKind::Activated => format!("{role} is active for {person}"),
            NoticeKind::Denied => format!("{person}'s request for {role} was denied"),
            NoticeKind::RequestClosed => format!("{person}'s request for {role} is closed"),
            NoticeKind::ActivationEndingSoon => format!("{role} ends soon for {person}"),
            NoticeKind::EligibilityEndingSoon => {
                format!("{person}'s eligibility for {role} ends soon")
            }
            NoticeKind::ChangeApplied => format!("{person}'s change was approved and applied"),
            NoticeKind::ChangeRejected => format!("{person}'s change was rejected"),
            NoticeKind::ChangeAwaitsApproval => {
                format!("Second administrator needed: {person} proposes a change that affects them")
            }
            NoticeKind::AssignedEligible => format!("{person} is now eligible for {role}"),
            NoticeKind::AssignedActive => format!("{role} was assigned active to {person}"),
            NoticeKind::ReviewStarted => format!("Access review to do: {role}"),
            NoticeKind::ReviewReminder => format!("Access review ends soon: {role}"),
            NoticeKind::ReviewCompleted => format!("Access review completed: {role}"),
            NoticeKind::BreakGlassUsed => {
                format!("EMERGENCY ACCESS USED: {person} signed in with a break-glass key")
            }
            NoticeKind::AlertRaised => format!("Security alert: {role}: {person}"),
            NoticeKind::WeeklyDigest => format!("Stint weekly digest, {role}"),
            NoticeKind::Test => "Stint test message".to_owned(),
        }
    }

    /// The whole message as plain text: facts first, user text last and labelled.
    #[must_use]
    pub fn plain_text(&self) -> String {
        let mut lines = vec![self.headline(), String::new()];
        if !matches!(
            self.kind,
            NoticeKind::Test
                | NoticeKind::ChangeAwaitsApproval
                | NoticeKind::ChangeApplied
                | NoticeKind::ChangeRejected
                | NoticeKind::ReviewStarted
                | NoticeKind::ReviewReminder
                | NoticeKind::ReviewCompleted
                | NoticeKind::AlertRaised
                | NoticeKind::WeeklyDigest
        ) {
            lines.push(format!("Role: {} (tier {})", self.role, self.tier));
            lines.push(format!("Person: {}", self.person));
        }
        if let Some(actor) = &self.actor {
            lines.push(format!("By: {actor}"));
        }
        if let (Some(start), Some(end)) = (self.starts_at, self.ends_at) {
            lines.push(format!(
                "Window: {} for {}",
                start.utc_text(),
                humanize_seconds(start.seconds_until(end))
            ));
        } else if let Some(end) = self.ends_at {
            lines.push(format!("Ends: {}", end.utc_text()));
        }
        match &self.text {
            // The digest's lines are Stint's own, not text someone typed.
            Some(text) if self.kind == NoticeKind::WeeklyDigest => lines.push(text.clone()),
            Some(text) => lines.push(format!("Text: {text}")),
            None => {}
        }
        lines.push(format!("Reference: {}", self.subject_id));
        lines.push(format!("Open in Stint: {}", self.link));
        if matches!(
            self.kind,
            NoticeKind::ApprovalNeeded | NoticeKind::ChangeAwaitsApproval
        ) {
            lines.push(String::new());
            lines.push(
                "Decide in Stint with your passkey; replying to this message does nothing.".into(),
            );
        }
        lines.join("\n")
    }

    /// A Slack incoming-webhook body: plain-text blocks (never parsed as mrkdwn) and an
    /// escaped fallback.
    #[must_use]
    pub fn slack_payload(&self) -> serde_json::Value {
        serde_json::json!({
            "text": slack_escape(&self.headline()),
            "blocks": [
                { "type": "header", "text": { "type": "plain_text", "text": clip(&self.headline(), 150) } },
                { "type": "section", "text": { "type": "plain_text", "text": clip(&self.plain_text(), 3000) } },
            ],
        })
    }

    /// A Microsoft Teams incoming-webhook body: an Adaptive Card whose text has every
    /// markdown character escaped, and one button into the portal.
    #[must_use]
    pub fn teams_payload(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        { "type": "TextBlock", "weight": "Bolder", "wrap": true, "text": markdown_escape(&self.headline()) },
                        { "type": "TextBlock", "wrap": true, "text": markdown_escape(&self.plain_text()) },
                    ],
                    "actions": [{ "type": "Action.OpenUrl", "title": "Open in Stint", "url": self.link }],
                },
            }],
        })
    }

    /// The generic webhook body: the event as data.
    #[must_use]
    pub fn webhook_payload(&self, id: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id,
            "event": self.kind.code(),
            "headline": self.headline(),
            "notice": self,
        })
    }
}

/// Where messages go and how to reach it. Secrets stay on the server: pages get a
/// [`ChannelConfig::redacted`] copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelConfig {
    /// An SMTP relay; messages go to each person's own address.
    Email {
        host: String,
        port: u16,
        security: SmtpSecurity,
        username: String,
        password: String,
        from: String,
    },
    Teams {
        url: String,
    },
    Slack {
        url: String,
    },
    /// A generic webhook: JSON body signed with HMAC-SHA256 over "timestamp.body".
    Webhook {
        url: String,
        secret: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Upgrade with STARTTLS before anything else is sent (refuses relays that cannot).
    StartTls,
    /// No encryption: only for a relay on the same host or network.
    Plain,
}

const REDACTED: &str = "••••••";

impl ChannelConfig {
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Email { .. } => "email",
            Self::Teams { .. } => "teams",
            Self::Slack { .. } => "slack",
            Self::Webhook { .. } => "webhook",
        }
    }

    /// Checks every field; returns the config with text fields trimmed.
    pub fn validated(self) -> Result<Self, ParseError> {
        let url = |u: &str| -> Result<String, ParseError> {
            let u = parse_single_line(u, "URL", 8, 2000)?;
            if u.starts_with("https://") || u.starts_with("http://") {
                Ok(u)
            } else {
                Err(ParseError::Invalid {
                    field: "URL",
                    reason: "must start with https:// (or http:// for a local receiver)",
                })
            }
        };
        Ok(match self {
            Self::Email {
                host,
                port,
                security,
                username,
                password,
                from,
            } => {
                let from = parse_single_line(&from, "sender address", 3, 254)?;
                if !from.contains('@') {
                    return Err(ParseError::Invalid {
                        field: "sender address",
                        reason: "must be an e-mail address",
                    });
                }
                if port == 0 {
                    return Err(ParseError::Invalid {
                        field: "port",
                        reason: "must be between 1 and 65535",
                    });
                }
                Self::Email {
                    host: parse_single_line(&host, "SMTP host", 1, 253)?,
                    port,
                    security,
                    username: parse_single_line(&username, "username", 0, 254)?,
                    password,
                    from,
                }
            }
            Self::Teams { url: u } => Self::Teams { url: url(&u)? },
            Self::Slack { url: u } => Self::Slack { url: url(&u)? },
            Self::Webhook { url: u, secret } => {
                if secret.chars().count() < 16 {
                    return Err(ParseError::TooShort {
                        field: "signing secret",
                        min: 16,
                    });
                }
                Self::Webhook {
                    url: url(&u)?,
                    secret,
                }
            }
        })
    }

    /// A copy without passwords and secrets, for pages.
    #[must_use]
    pub fn redacted(&self) -> Self {
        let mut copy = self.clone();
        match &mut copy {
            Self::Email { password, .. } if !password.is_empty() => *password = REDACTED.into(),
            Self::Webhook { secret, .. } => *secret = REDACTED.into(),
            _ => {}
        }
        copy
    }
}

/// The `Stint-Signature` header of a webhook: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
/// "t.body">`. Receivers recompute it and reject stale timestamps.
#[must_use]
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(webhook_mac(secret, timestamp, body))
    )
}

/// Checks a `Stint-Signature` header in constant time.
#[must_use]
pub fn verify_webhook_signature(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut timestamp = None;
    let mut mac = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => mac = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(timestamp), Some(mac)) = (timestamp, mac) else {
        return false;
    };
    let mut check =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    check.update(format!("{timestamp}.").as_bytes());
    check.update(body);
    check.verify_slice(&mac).is_ok()
}

fn webhook_mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Slack's three control characters, as its formatting guide asks.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Backslash-escapes every character Teams' markdown subset could interpret.
fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_{}[]()<>#+-.!|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;

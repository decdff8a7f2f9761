//! The policy form's fields turned into a [`RolePolicy`]; every value is checked here or by
//! `RolePolicy::validate`.

use pim_core::ParseError;
use pim_core::notify_rules::{MatrixEvent, RecipientClass, matrix_field};
use pim_core::policy::{AllowedHours, AuthenticatorClass, PolicyError, RolePolicy};
use pim_core::time::{DAY, HOUR, MINUTE};
use pim_service::{Pim, ServiceError};

use super::fields::FormFields;
use crate::error::AppError;

fn invalid(field: &'static str, reason: &'static str) -> AppError {
    ServiceError::from(ParseError::Invalid { field, reason }).into()
}

fn number(fields: &FormFields, name: &str, field: &'static str) -> Result<i64, AppError> {
    fields
        .number(name, field)
        .map_err(|e| ServiceError::from(e).into())
}

fn optional(fields: &FormFields, name: &str) -> Option<String> {
    let text = fields.text(name).trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// "HH:MM" to minutes after midnight.
fn minutes_of(text: &str, field: &'static str) -> Result<u16, AppError> {
    let (h, m) = text
        .trim()
        .split_once(':')
        .ok_or_else(|| invalid(field, "must be a time like 08:00"))?;
    let (h, m): (u16, u16) = (
        h.parse()
            .map_err(|_| invalid(field, "must be a time like 08:00"))?,
        m.parse()
            .map_err(|_| invalid(field, "must be a time like 08:00"))?,
    );
    if h > 24 || m > 59 || (h == 24 && m > 0) {
        return Err(invalid(field, "must be a time like 08:00"));
    }
    Ok(h * 60 + m)
}

pub async fn parse(pim: &Pim, fields: &FormFields) -> Result<RolePolicy, AppError> {
    let mut policy = RolePolicy::default();
    let a = &mut policy.activation;
    a.max_duration_seconds = number(fields, "max_duration_minutes", "maximum duration")? * MINUTE;
    a.require_step_up = fields.flag("require_step_up");
    a.require_justification = fields.flag("require_justification");
    a.justification_pattern = optional(fields, "justification_pattern");
    a.justification_hint = optional(fields, "justification_hint");
    a.require_ticket = fields.flag("require_ticket");
    a.require_approval = fields.flag("require_approval");
    a.quorum = u8::try_from(number(fields, "quorum", "quorum")?)
        .map_err(|_| invalid("quorum", "must be between 1 and 10"))?;
    a.pending_expiry_seconds = number(fields, "pending_expiry_hours", "pending expiry")? * HOUR;
    a.earliest_deactivation_seconds = number(
        fields,
        "earliest_deactivation_minutes",
        "earliest deactivation",
    )? * MINUTE;
    for email in fields.lines("approvers") {
        let user = pim
            .store()
            .find_user_by_email(&email.to_lowercase())
            .await
            .map_err(ServiceError::from)?
            .ok_or_else(|| invalid("approvers", "name someone who has a Stint account"))?;
        a.approvers.push(user.id);
    }
    let s = &mut policy.assignment;
    s.allow_permanent_eligible = fields.flag("allow_permanent_eligible");
    s.max_eligible_seconds =
        number(fields, "max_eligible_days", "maximum eligible duration")? * DAY;
    s.allow_permanent_active = fields.flag("allow_permanent_active");
    s.max_active_seconds = number(fields, "max_active_days", "maximum active duration")? * DAY;
    s.require_admin_justification = fields.flag("require_admin_justification");
    s.require_admin_step_up = fields.flag("require_admin_step_up");
    let c = &mut policy.conditions;
    for line in fields.lines("allowed_networks") {
        c.allowed_networks.push(line.parse().map_err(|_| {
            invalid(
                "allowed networks",
                "must be networks like 10.0.0.0/8, one per line",
            )
        })?);
    }
    if fields.flag("hours_enabled") {
        let mut days = [false; 7];
        for (i, day) in days.iter_mut().enumerate() {
            *day = fields.flag(&format!("day{i}"));
        }
        c.allowed_hours = Some(AllowedHours {
            days,
            from_minute: minutes_of(fields.text("hours_from"), "allowed hours start")?,
            to_minute: minutes_of(fields.text("hours_to"), "allowed hours end")?,
        });
    }
    c.min_authenticator = if fields.text("min_authenticator") == "attested_hardware_key" {
        AuthenticatorClass::AttestedHardwareKey
    } else {
        AuthenticatorClass::AnyPasskey
    };
    for event in MatrixEvent::ALL {
        for class in RecipientClass::ALL {
            let name = |part: &str| matrix_field(event, class, part);
            let rule = policy.notifications.event_mut(event).rule_mut(class);
            rule.default_recipients = fields.flag(&name("on"));
            rule.critical_only = fields.flag(&name("critical"));
            rule.extra = fields
                .text(&name("extra"))
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect();
        }
    }
    policy.notifications = policy
        .notifications
        .normalized()
        .map_err(|e| ServiceError::from(PolicyError::from(e)))?;
    Ok(policy)
}

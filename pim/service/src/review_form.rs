//! The review form as people fill it in (text fields, e-mail addresses, a start date), turned
//! into [`ReviewSettings`] with a clear error for each field.

use pim_core::ParseError;
use pim_core::principal::RoleAdmin;
use pim_core::review::{DefaultDecision, RecurrenceEnd, ReviewScope, ReviewSettings, ReviewerRule};
use pim_core::role::Tier;
use pim_core::{RoleId, Timestamp, UserId};
use serde::de::DeserializeOwned;

use crate::{Pim, ServiceError};

/// Every field as text, as a browser form sends it.
#[derive(Debug, Clone, Default)]
pub struct ReviewForm {
    pub name: String,
    pub description: String,
    pub roles: Vec<String>,
    /// `eligible`, `active` or `both`.
    pub kinds: String,
    /// Empty, or a number of days.
    pub inactive_days: String,
    /// `manager`, `role_owners`, `named` or `self_review`.
    pub reviewers: String,
    /// The fallback reviewer (manager, role owners) or the named reviewers, one e-mail a line.
    pub reviewer_emails: String,
    /// `YYYY-MM-DD` (UTC); today or empty starts at once.
    pub starts_on: String,
    pub duration_days: String,
    /// Hours before the end, separated by commas or spaces; empty for the defaults that fit.
    pub reminder_hours: String,
    pub recurrence: String,
    /// `never`, `on_date` or `after_occurrences`.
    pub end: String,
    pub end_date: String,
    pub end_count: String,
    /// Empty for the default (remove for tier 0, otherwise no change).
    pub default_decision: String,
    pub require_reason_on_approve: bool,
    pub auto_apply: bool,
    /// One e-mail address a line.
    pub report_recipients: String,
}

pub(crate) fn invalid(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::InvalidInput(ParseError::Invalid { field, reason })
}

fn code<T: DeserializeOwned>(
    text: &str,
    field: &'static str,
    reason: &'static str,
) -> Result<T, ServiceError> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_owned()))
        .map_err(|_| invalid(field, reason))
}

fn number(text: &str, field: &'static str) -> Result<u32, ServiceError> {
    text.trim()
        .parse()
        .map_err(|_| invalid(field, "must be a whole number"))
}

/// `48, 12` or `48 12`: whole hours before the end.
fn reminders(text: &str) -> Result<Vec<u32>, ServiceError> {
    text.split([',', ' '])
        .filter(|h| !h.is_empty())
        .map(|h| {
            h.trim_end_matches('h')
                .parse()
                .map_err(|_| invalid("Reminders", "whole hours before the end, like 48, 12"))
        })
        .collect()
}

/// Midnight UTC of a `YYYY-MM-DD` date.
pub(crate) fn date(text: &str, field: &'static str) -> Result<Timestamp, ServiceError> {
    let bad = || invalid(field, "must be a date like 2030-01-31");
    let mut parts = text.trim().splitn(3, '-').map(str::parse::<i64>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let day = u8::try_from(d).map_err(|_| bad())?;
    let year = i32::try_from(y).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(year, month, day).map_err(|_| bad())?;
    Ok(Timestamp::from_unix(
        date.midnight().assume_utc().unix_timestamp(),
    ))
}

impl Pim {
    async fn user_by_email(&self, email: &str) -> Result<UserId, ServiceError> {
        self.store()
            .find_user_by_email(&email.trim().to_lowercase())
            .await?
            .map(|u| u.id)
            .ok_or_else(|| invalid("Reviewer", "no person with this e-mail address"))
    }

    /// Creates a review from the form; see [`Pim::create_review`].
    pub async fn create_review_from_form(
        &self,
        admin: &RoleAdmin,
        form: &ReviewForm,
    ) -> Result<String, ServiceError> {
        let mut roles = Vec::new();
        let mut has_tier_zero = false;
        for id in &form.roles {
            let id = RoleId::parse(id)?;
            let role = self
                .store()
                .find_role(id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            has_tier_zero |= role.info.tier == Tier::CRITICAL;
            if !roles.contains(&id) {
                roles.push(id);
            }
        }
        let emails: Vec<&str> = form
            .reviewer_emails
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let first_email = || {
            emails
                .first()
                .copied()
                .ok_or_else(|| invalid("Reviewer", "name a fallback reviewer by e-mail"))
        };
        let reviewers = match form.reviewers.trim() {
            "manager" => ReviewerRule::Manager {
                fallback: self.user_by_email(first_email()?).await?,
            },
            "role_owners" => ReviewerRule::RoleOwners {
                fallback: self.user_by_email(first_email()?).await?,
            },
            "named" => {
                let mut users = Vec::new();
                for email in &emails {
                    users.push(self.user_by_email(email).await?);
                }
                ReviewerRule::Named { users }
            }
            "self_review" => ReviewerRule::SelfReview,
            _ => return Err(invalid("Reviewers", "choose who reviews")),
        };
        let now = self.now();
        let duration_days = number(&form.duration_days, "Duration")?;
        let starts_at = if form.starts_on.trim().is_empty() {
            now
        } else {
            date(&form.starts_on, "Start")?.max(now)
        };
        let end = match form.end.trim() {
            "never" | "" => RecurrenceEnd::Never,
            "on_date" => RecurrenceEnd::OnDate {
                date: date(&form.end_date, "End date")?,
            },
            "after_occurrences" => RecurrenceEnd::AfterOccurrences {
                count: number(&form.end_count, "Number of occurrences")?,
            },
            _ => {
                return Err(invalid(
                    "End",
                    "choose never, a date or a number of occurrences",
                ));
            }
        };
        let default_decision = if form.default_decision.trim().is_empty() {
            DefaultDecision::default_for(has_tier_zero)
        } else {
            code(&form.default_decision, "Default decision", "unknown choice")?
        };
        let settings = ReviewSettings {
            name: form.name.clone(),
            description: form.description.clone(),
            scope: ReviewScope {
                roles,
                kinds: code(
                    &form.kinds,
                    "Assignments",
                    "choose eligible, active or both",
                )?,
                inactive_days: match form.inactive_days.trim() {
                    "" => None,
                    days => Some(number(days, "Not used for")?),
                },
            },
            reviewers,
            starts_at,
            duration_days,
            recurrence: code(&form.recurrence, "Recurrence", "unknown recurrence")?,
            end,
            reminder_hours: match form.reminder_hours.trim() {
                "" => ReviewSettings::default_reminders_for(duration_days),
                hours => reminders(hours)?,
            },
            default_decision,
            require_reason_on_approve: form.require_reason_on_approve,
            auto_apply: form.auto_apply,
            report_recipients: form
                .report_recipients
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        self.create_review(admin, settings).await
    }
}

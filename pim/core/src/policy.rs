//! Role policy: what activating, assigning and holding a role takes (PIM.md, "Role policy").
//!
//! A policy is stored as JSON; fields added later take their defaults, so old rows stay
//! readable. [`RolePolicy::validate`] refuses impossible combinations with a reason a person
//! can act on.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::UserId;
use crate::notify_rules::{MatrixError, NotificationMatrix};
use crate::role::Tier;
use crate::time::{DAY, HOUR, MINUTE, humanize_seconds};

pub const MIN_ACTIVATION_SECONDS: i64 = 5 * MINUTE;
pub const MAX_ACTIVATION_SECONDS: i64 = 24 * HOUR;
pub const JUSTIFICATION_MIN_CHARS: usize = 10;
pub const JUSTIFICATION_MAX_CHARS: usize = 1000;
const MONTH: i64 = 30 * DAY;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RolePolicy {
    pub activation: ActivationRules,
    pub assignment: AssignmentRules,
    pub conditions: Conditions,
    pub notifications: NotificationMatrix,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActivationRules {
    pub max_duration_seconds: i64,
    pub require_step_up: bool,
    pub require_justification: bool,
    /// A regular expression the whole justification must match, e.g. a change number.
    pub justification_pattern: Option<String>,
    /// Shown next to the field and in the error when the pattern does not match.
    pub justification_hint: Option<String>,
    pub require_ticket: bool,
    pub require_approval: bool,
    /// Named approvers; empty means the holders of Privileged Role Administrator and Global
    /// Administrator.
    pub approvers: Vec<UserId>,
    /// Distinct approvers needed.
    pub quorum: u8,
    pub pending_expiry_seconds: i64,
    pub earliest_deactivation_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssignmentRules {
    pub allow_permanent_eligible: bool,
    pub max_eligible_seconds: i64,
    pub allow_permanent_active: bool,
    pub max_active_seconds: i64,
    pub require_admin_justification: bool,
    pub require_admin_step_up: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Conditions {
    /// Networks activation requests may come from; empty means any.
    pub allowed_networks: Vec<IpNet>,
    /// When activation is allowed; `None` means any time.
    pub allowed_hours: Option<AllowedHours>,
    pub min_authenticator: AuthenticatorClass,
}

/// Days and a time window (UTC) in which activation is allowed. A window whose end is before
/// its start runs over midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedHours {
    /// Monday first.
    pub days: [bool; 7],
    pub from_minute: u16,
    pub to_minute: u16,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthenticatorClass {
    #[default]
    AnyPasskey,
    AttestedHardwareKey,
}

impl Default for ActivationRules {
    fn default() -> Self {
        Self {
            max_duration_seconds: 8 * HOUR,
            require_step_up: true,
            require_justification: true,
            justification_pattern: None,
            justification_hint: None,
            require_ticket: false,
            require_approval: false,
            approvers: Vec::new(),
            quorum: 1,
            pending_expiry_seconds: 24 * HOUR,
            earliest_deactivation_seconds: 5 * MINUTE,
        }
    }
}

impl Default for AssignmentRules {
    fn default() -> Self {
        Self {
            allow_permanent_eligible: false,
            max_eligible_seconds: 12 * MONTH,
            allow_permanent_active: false,
            max_active_seconds: 6 * MONTH,
            require_admin_justification: true,
            require_admin_step_up: true,
        }
    }
}

impl Default for RolePolicy {
    fn default() -> Self {
        Self::default_for(Tier::STANDARD, false)
    }
}

impl RolePolicy {
    /// PIM.md's defaults. Built-in tier-0 roles start without approval so that a fresh
    /// installation with one person cannot lock itself out; custom tier-0 roles need it.
    #[must_use]
    pub fn default_for(tier: Tier, builtin: bool) -> Self {
        let critical = tier == Tier::CRITICAL;
        Self {
            activation: ActivationRules {
                max_duration_seconds: if critical { 4 * HOUR } else { 8 * HOUR },
                require_approval: critical && !builtin,
                ..ActivationRules::default()
            },
            assignment: AssignmentRules::default(),
            conditions: Conditions::default(),
            notifications: NotificationMatrix::default(),
        }
    }

    /// Checks every setting and combination for a role of `tier`.
    pub fn validate(&self, tier: Tier) -> Result<(), PolicyError> {
        let a = &self.activation;
        if !(MIN_ACTIVATION_SECONDS..=MAX_ACTIVATION_SECONDS).contains(&a.max_duration_seconds) {
            return Err(PolicyError::MaxDurationOutOfRange);
        }
        if tier == Tier::CRITICAL && !a.require_step_up {
            return Err(PolicyError::StepUpRequiredForTierZero);
        }
        if self.conditions.min_authenticator == AuthenticatorClass::AttestedHardwareKey
            && !a.require_step_up
        {
            return Err(PolicyError::HardwareKeyNeedsStepUp);
        }
        validate_pattern(
            a.justification_pattern.as_deref(),
            a.justification_hint.as_deref(),
        )?;
        if a.justification_pattern.is_some() && !a.require_justification {
            return Err(PolicyError::PatternWithoutJustification);
        }
        if !(1..=10).contains(&a.quorum) {
            return Err(PolicyError::QuorumOutOfRange);
        }
        if a.require_approval
            && !a.approvers.is_empty()
            && a.approvers.len() < usize::from(a.quorum)
        {
            return Err(PolicyError::QuorumAboveApprovers {
                quorum: a.quorum,
                approvers: a.approvers.len(),
            });
        }
        if !(5 * MINUTE..=14 * DAY).contains(&a.pending_expiry_seconds) {
            return Err(PolicyError::PendingExpiryOutOfRange);
        }
        if !(0..=a.max_duration_seconds).contains(&a.earliest_deactivation_seconds) {
            return Err(PolicyError::EarliestDeactivationAboveMax);
        }
        let s = &self.assignment;
        if !(DAY..=60 * MONTH).contains(&s.max_eligible_seconds) {
            return Err(PolicyError::MaxEligibleOutOfRange);
        }
        if !(HOUR..=12 * MONTH).contains(&s.max_active_seconds) {
            return Err(PolicyError::MaxActiveOutOfRange);
        }
        if tier == Tier::CRITICAL && s.allow_permanent_active {
            return Err(PolicyError::PermanentActiveOnTierZero);
        }
        if let Some(hours) = &self.conditions.allowed_hours {
            hours.validate()?;
        }
        self.notifications.clone().normalized()?;
        Ok(())
    }
}

/// Patterns are compiled with a size limit, so a hostile pattern cannot exhaust memory.
fn compile_pattern(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(256 * 1024)
        .build()
}

fn validate_pattern(pattern: Option<&str>, hint: Option<&str>) -> Result<(), PolicyError> {
    if let Some(pattern) = pattern {
        if pattern.chars().count() > 200 || compile_pattern(pattern).is_err() {
            return Err(PolicyError::BadPattern);
        }
        if hint.is_none_or(|h| h.trim().is_empty()) {
            return Err(PolicyError::PatternWithoutHint);
        }
    }
    if hint.is_some_and(|h| h.chars().count() > 200) {
        return Err(PolicyError::HintTooLong);
    }
    Ok(())
}

/// True when `text` matches the policy's whole-text pattern (or there is none).
#[must_use]
pub fn justification_matches(pattern: Option<&str>, text: &str) -> bool {
    pattern.is_none_or(|p| compile_pattern(p).is_ok_and(|re| re.is_match(text)))
}

impl AllowedHours {
    fn validate(&self) -> Result<(), PolicyError> {
        if !self.days.iter().any(|d| *d) {
            return Err(PolicyError::NoAllowedDay);
        }
        if self.from_minute >= 1440 || self.to_minute > 1440 || self.from_minute == self.to_minute {
            return Err(PolicyError::BadHours);
        }
        Ok(())
    }

    /// Whether `unix_seconds` (UTC) falls inside the window. A window over midnight belongs
    /// to the day it starts on.
    #[must_use]
    pub fn allows(&self, unix_seconds: i64) -> bool {
        let day_index = unix_seconds.div_euclid(DAY);
        let minute = u16::try_from(unix_seconds.rem_euclid(DAY) / MINUTE).unwrap_or(0);
        // 1970-01-01 was a Thursday (index 3, Monday first).
        let weekday = |d: i64| usize::try_from((d + 3).rem_euclid(7)).unwrap_or(0);
        let (from, to) = (self.from_minute, self.to_minute);
        if from < to {
            self.days[weekday(day_index)] && (from..to).contains(&minute)
        } else {
            (minute >= from && self.days[weekday(day_index)])
                || (minute < to && self.days[weekday(day_index - 1)])
        }
    }

    #[must_use]
    pub fn describe(&self) -> String {
        const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let days: Vec<&str> = NAMES
            .iter()
            .zip(self.days)
            .filter_map(|(n, on)| on.then_some(*n))
            .collect();
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        format!(
            "{} {}–{} UTC",
            days.join(", "),
            hm(self.from_minute),
            hm(self.to_minute)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    #[error(
        "the maximum activation duration must be between {} and {}",
        humanize_seconds(MIN_ACTIVATION_SECONDS),
        humanize_seconds(MAX_ACTIVATION_SECONDS)
    )]
    MaxDurationOutOfRange,
    #[error("a tier-0 role always requires a passkey step-up to activate")]
    StepUpRequiredForTierZero,
    #[error("requiring a hardware key needs the passkey step-up to be on")]
    HardwareKeyNeedsStepUp,
    #[error(
        "the justification pattern is not a valid regular expression of at most 200 characters"
    )]
    BadPattern,
    #[error("a justification pattern needs a hint that tells people what to write")]
    PatternWithoutHint,
    #[error("the justification hint must be at most 200 characters")]
    HintTooLong,
    #[error("a justification pattern needs the justification to be required")]
    PatternWithoutJustification,
    #[error("the approval quorum must be between 1 and 10")]
    QuorumOutOfRange,
    #[error("a quorum of {quorum} needs at least {quorum} named approvers; {approvers} are named")]
    QuorumAboveApprovers { quorum: u8, approvers: usize },
    #[error("pending requests must expire after between 5 min and 14 days")]
    PendingExpiryOutOfRange,
    #[error("the earliest self-deactivation cannot be later than the maximum duration")]
    EarliestDeactivationAboveMax,
    #[error("the maximum eligible assignment must be between 1 day and 5 years")]
    MaxEligibleOutOfRange,
    #[error("the maximum active assignment must be between 1 h and 12 months")]
    MaxActiveOutOfRange,
    #[error(
        "tier-0 roles cannot be assigned permanently active; only break-glass accounts hold one"
    )]
    PermanentActiveOnTierZero,
    #[error("allowed hours need at least one day")]
    NoAllowedDay,
    #[error("allowed hours need a start and an end that differ, within the day")]
    BadHours,
    #[error(transparent)]
    Notifications(#[from] MatrixError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(tier: Tier, edit: impl FnOnce(&mut RolePolicy)) -> Result<(), PolicyError> {
        let mut policy = RolePolicy::default_for(tier, false);
        edit(&mut policy);
        policy.validate(tier)
    }

    #[test]
    fn every_default_policy_is_valid() {
        for tier in [Tier::CRITICAL, Tier::HIGH, Tier::STANDARD] {
            for builtin in [true, false] {
                assert_eq!(
                    RolePolicy::default_for(tier, builtin).validate(tier),
                    Ok(())
                );
            }
        }
    }

    #[test]
    fn tier_zero_defaults_follow_the_seed() {
        let custom = RolePolicy::default_for(Tier::CRITICAL, false);
        assert_eq!(custom.activation.max_duration_seconds, 4 * HOUR);
        assert!(custom.activation.require_approval);
        let builtin = RolePolicy::default_for(Tier::CRITICAL, true);
        assert!(
            !builtin.activation.require_approval,
            "bootstrap must not lock out"
        );
        assert_eq!(
            RolePolicy::default_for(Tier::HIGH, false)
                .activation
                .max_duration_seconds,
            8 * HOUR
        );
    }

    #[test]
    fn impossible_combinations_are_refused_with_their_reason() {
        use PolicyError::*;
        type Edit = Box<dyn FnOnce(&mut RolePolicy)>;
        let cases: Vec<(Tier, Edit, PolicyError)> = vec![
            (
                Tier::CRITICAL,
                Box::new(|p| p.activation.require_step_up = false),
                StepUpRequiredForTierZero,
            ),
            (
                Tier::HIGH,
                Box::new(|p| p.activation.max_duration_seconds = 4 * MINUTE),
                MaxDurationOutOfRange,
            ),
            (
                Tier::HIGH,
                Box::new(|p| p.activation.max_duration_seconds = 25 * HOUR),
                MaxDurationOutOfRange,
            ),
            (
                Tier::HIGH,
                Box::new(|p| {
                    p.activation.require_step_up = false;
                    p.conditions.min_authenticator = AuthenticatorClass::AttestedHardwareKey;
                }),
                HardwareKeyNeedsStepUp,
            ),
            (
                Tier::HIGH,
                Box::new(|p| {
                    p.activation.justification_pattern = Some("(".into());
                    p.activation.justification_hint = Some("x".into());
                }),
                BadPattern,
            ),
            (
                Tier::HIGH,
                Box::new(|p| p.activation.justification_pattern = Some("CHG\\d+.*".into())),
                PatternWithoutHint,
            ),
            (
                Tier::HIGH,
                Box::new(|p| p.activation.quorum = 0),
                QuorumOutOfRange,
            ),
            (
                Tier::HIGH,
                Box::new(|p| {
                    p.activation.require_approval = true;
                    p.activation.quorum = 2;
                    p.activation.approvers = vec![UserId::new_random()];
                }),
                QuorumAboveApprovers {
                    quorum: 2,
                    approvers: 1,
                },
            ),
            (
                Tier::HIGH,
                Box::new(|p| p.activation.earliest_deactivation_seconds = 9 * HOUR),
                EarliestDeactivationAboveMax,
            ),
            (
                Tier::HIGH,
                Box::new(|p| p.assignment.max_eligible_seconds = HOUR),
                MaxEligibleOutOfRange,
            ),
            (
                Tier::CRITICAL,
                Box::new(|p| p.assignment.allow_permanent_active = true),
                PermanentActiveOnTierZero,
            ),
            (
                Tier::HIGH,
                Box::new(|p| {
                    p.conditions.allowed_hours = Some(AllowedHours {
                        days: [false; 7],
                        from_minute: 0,
                        to_minute: 60,
                    })
                }),
                NoAllowedDay,
            ),
            (
                Tier::HIGH,
                Box::new(|p| {
                    p.conditions.allowed_hours = Some(AllowedHours {
                        days: [true; 7],
                        from_minute: 60,
                        to_minute: 60,
                    })
                }),
                BadHours,
            ),
        ];
        for (tier, edit, expected) in cases {
            assert_eq!(valid(tier, edit), Err(expected));
        }
    }

    #[test]
    fn step_up_may_be_turned_off_below_tier_zero() {
        assert_eq!(
            valid(Tier::STANDARD, |p| p.activation.require_step_up = false),
            Ok(())
        );
    }

    #[test]
    fn a_pattern_must_match_the_whole_justification() {
        let p = Some("CHG[0-9]{4}: .+");
        assert!(justification_matches(p, "CHG1234: rotate keys"));
        assert!(!justification_matches(p, "see CHG1234: rotate keys"));
        assert!(justification_matches(None, "anything"));
    }

    #[test]
    fn business_hours_allow_weekdays_inside_the_window_only() {
        let weekdays = AllowedHours {
            days: [true, true, true, true, true, false, false],
            from_minute: 8 * 60,
            to_minute: 18 * 60,
        };
        // 2026-11-30 is a Monday.
        let monday = 1_795_996_800;
        assert!(weekdays.allows(monday + 9 * HOUR));
        assert!(!weekdays.allows(monday + 18 * HOUR));
        assert!(!weekdays.allows(monday - DAY + 9 * HOUR), "Sunday");
    }

    #[test]
    fn a_night_window_belongs_to_the_day_it_starts_on() {
        let friday_nights = AllowedHours {
            days: [false, false, false, false, true, false, false],
            from_minute: 22 * 60,
            to_minute: 2 * 60,
        };
        let saturday = 1_795_996_800 - 2 * DAY;
        assert!(
            friday_nights.allows(saturday + HOUR),
            "01:00 Saturday is Friday night"
        );
        assert!(!friday_nights.allows(saturday + 23 * HOUR));
        assert_eq!(friday_nights.describe(), "Fri 22:00–02:00 UTC");
    }

    #[test]
    fn a_policy_stored_before_a_field_existed_reads_with_its_default() {
        let old = r#"{"activation":{"max_duration_seconds":3600}}"#;
        let p: RolePolicy = serde_json::from_str(old).unwrap_or_default();
        assert_eq!(p.activation.max_duration_seconds, 3600);
        assert!(p.activation.require_step_up);
    }
}

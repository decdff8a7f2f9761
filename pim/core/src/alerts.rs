//! Insights → Alerts: findings computed from the current assignments, policies and recent
//! activations, each with its severity, the items affected and where to fix it. Entra's list,
//! adapted; thresholds are settings a Security Administrator edits.

use serde::{Deserialize, Serialize};

use crate::assignment::AssignmentKind;
use crate::break_glass::{BreakGlassAccount, EmergencyUse, readiness_warnings};
use crate::connector::DriftFinding;
use crate::role::Tier;
use crate::time::DAY;
use crate::{AssignmentId, RoleId, Timestamp};

/// The thresholds, with Stint's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettings {
    /// An eligibility not activated for this many days is stale.
    pub stale_after_days: i64,
    /// More people than this holding a tier-0 role (eligible or active) is too many, when
    /// they are also more than `tier0_max_percent` of all people (so a team of three, all
    /// administrators, is not flagged).
    pub tier0_max_holders: i64,
    pub tier0_max_percent: i64,
    /// A role activated more often than this in the last 7 days.
    pub activations_per_week: i64,
    /// A ready break-glass key not validated for this many days is overdue for a drill.
    #[serde(default = "default_drill_days")]
    pub drill_overdue_days: i64,
    /// Business hours, Monday to Friday, in this IANA time zone: activations requested
    /// outside them are an alert.
    #[serde(default = "default_time_zone")]
    pub business_time_zone: String,
    #[serde(default = "default_business_start")]
    pub business_start_hour: i64,
    #[serde(default = "default_business_end")]
    pub business_end_hour: i64,
    /// Public holidays ("2026-12-25", in the business time zone): every hour of them is
    /// outside business hours. Sorted, without repeats.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Findings of this severity or a higher one are announced to the security team as they
    /// appear; the others wait on the Alerts page.
    #[serde(default = "default_notify_from")]
    pub notify_from: Severity,
}

const fn default_notify_from() -> Severity {
    Severity::Medium
}

/// The most holidays the calendar keeps (a few years of them).
pub const MAX_HOLIDAYS: usize = 200;

/// Holidays as typed ("2026-12-25, 2027-01-01", commas, spaces or lines between), sorted
/// and without repeats; the reason when one is not a real date.
pub fn parse_holidays(text: &str) -> Result<Vec<String>, &'static str> {
    const REASON: &str = "dates as YYYY-MM-DD, separated by commas";
    let real_date = |d: &str| -> Option<String> {
        let mut parts = d.splitn(3, '-');
        let (y, m, day) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || day.len() != 2 {
            return None;
        }
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        time::Date::from_calendar_date(y.parse().ok()?, month, day.parse().ok()?).ok()?;
        Some(d.to_owned())
    };
    let mut dates = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|d| !d.is_empty())
        .map(|d| real_date(d).ok_or(REASON))
        .collect::<Result<Vec<_>, _>>()?;
    dates.sort();
    dates.dedup();
    if dates.len() > MAX_HOLIDAYS {
        return Err("at most 200 dates");
    }
    Ok(dates)
}

fn default_time_zone() -> String {
    "UTC".into()
}

const fn default_business_start() -> i64 {
    8
}

const fn default_business_end() -> i64 {
    18
}

fn default_drill_days() -> i64 {
    crate::break_glass::DEFAULT_DRILL_DAYS
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            stale_after_days: 90,
            tier0_max_holders: 5,
            tier0_max_percent: 10,
            activations_per_week: 50,
            drill_overdue_days: default_drill_days(),
            business_time_zone: default_time_zone(),
            business_start_hour: default_business_start(),
            business_end_hour: default_business_end(),
            holidays: Vec::new(),
            notify_from: default_notify_from(),
        }
    }
}

impl AlertSettings {
    /// The first setting out of range, named as the form names it.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(7..=730).contains(&self.stale_after_days) {
            return Err(("Stale after (days)", "between 7 and 730"));
        }
        if !(1..=1000).contains(&self.tier0_max_holders) {
            return Err(("Most tier-0 holders", "between 1 and 1000"));
        }
        if !(1..=100).contains(&self.tier0_max_percent) {
            return Err(("Most tier-0 holders (%)", "between 1 and 100"));
        }
        if !(1..=10_000).contains(&self.activations_per_week) {
            return Err(("Activations a week", "between 1 and 10000"));
        }
        if !(7..=365).contains(&self.drill_overdue_days) {
            return Err(("Break-glass drill every (days)", "between 7 and 365"));
        }
        if !(0..=23).contains(&self.business_start_hour) {
            return Err(("Business day starts (hour)", "between 0 and 23"));
        }
        if !(self.business_start_hour + 1..=24).contains(&self.business_end_hour) {
            return Err(("Business day ends (hour)", "after the start and at most 24"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Self; 3] = [Self::High, Self::Medium, Self::Low];

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::High => "High",
            Self::Medium => "Medium",
            Self::Low => "Low",
        }
    }

    /// The severity a form names by its label.
    #[must_use]
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.label() == label.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertKind {
    StepUpNotRequired,
    PermanentActive,
    StaleEligibility,
    TooManyTierZeroHolders,
    FrequentActivation,
    BreakGlassNotReady,
    BreakGlassDrillOverdue,
    BreakGlassUsed,
    UnusualJustification,
    RepeatedFailures,
    OutsideBusinessHours,
    AssignedOutsideStint,
}

impl AlertKind {
    /// A stable name, for audit events and notification keys.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::StepUpNotRequired => "step_up_not_required",
            Self::PermanentActive => "permanent_active",
            Self::StaleEligibility => "stale_eligibility",
            Self::TooManyTierZeroHolders => "too_many_tier_zero_holders",
            Self::FrequentActivation => "frequent_activation",
            Self::BreakGlassNotReady => "break_glass_not_ready",
            Self::BreakGlassDrillOverdue => "break_glass_drill_overdue",
            Self::BreakGlassUsed => "break_glass_used",
            Self::UnusualJustification => "unusual_justification",
            Self::RepeatedFailures => "repeated_failures",
            Self::OutsideBusinessHours => "outside_business_hours",
            Self::AssignedOutsideStint => "assigned_outside_stint",
        }
    }

    #[must_use]
    pub const fn title(self) -> &'static str {
        match self {
            Self::StepUpNotRequired => "Roles that don't require a passkey step-up to activate",
            Self::PermanentActive => "Permanent active assignments outside break-glass",
            Self::StaleEligibility => "Eligible but not activated",
            Self::TooManyTierZeroHolders => "Too many people hold tier-0 roles",
            Self::FrequentActivation => "Roles activated very often",
            Self::BreakGlassNotReady => "Emergency access is not dependable",
            Self::BreakGlassDrillOverdue => "Break-glass keys overdue for a drill",
            Self::BreakGlassUsed => "Emergency access was used",
            Self::UnusualJustification => "Unusual activation justifications",
            Self::RepeatedFailures => "Repeated failed activations or step-ups",
            Self::OutsideBusinessHours => "Activations outside business hours",
            Self::AssignedOutsideStint => "Downstream access assigned outside Stint",
        }
    }

    /// What to do about it, for the alert's text.
    #[must_use]
    pub const fn fix(self) -> &'static str {
        match self {
            Self::StepUpNotRequired => {
                "Turn on \"require step-up\" in each role's policy: without it a stolen session activates the role."
            }
            Self::PermanentActive => {
                "Convert them to eligible (Settings → Assignments): administrators should activate when they need the role."
            }
            Self::StaleEligibility => {
                "Remove eligibilities nobody uses, or start an access review of the role."
            }
            Self::TooManyTierZeroHolders => {
                "Review who holds tier-0 roles and move day-to-day work to lower-tier roles."
            }
            Self::FrequentActivation => {
                "Frequent activation may mean the role is too broad, or its maximum duration too short for the work."
            }
            Self::BreakGlassNotReady => {
                "Keep two break-glass accounts, each with two witnessed hardware keys stored apart (Settings → Break-glass)."
            }
            Self::UnusualJustification => {
                "Ask the people concerned what the access was for; require a ticket or a justification pattern in the role's policy."
            }
            Self::OutsideBusinessHours => {
                "Confirm each with the person; if on-call work is expected, narrow the role's allowed hours in its policy instead."
            }
            Self::RepeatedFailures => {
                "Check with the person: repeated failures can mean a lost key, a misconfigured policy, or someone probing with a stolen session."
            }
            Self::BreakGlassUsed => {
                "Confirm each use with the person who made it, read its justification and audit trail, and rotate anything the session touched."
            }
            Self::AssignedOutsideStint => {
                "Find out who granted it and remove it downstream; anyone who needs the access should be made eligible in Stint."
            }
            Self::BreakGlassDrillOverdue => {
                "Fetch each key from its safe and run \"Validate key\" (Settings → Break-glass), so you know it works before you need it."
            }
        }
    }
}

/// A role, as the alerts see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFacts {
    pub id: RoleId,
    pub name: String,
    pub tier: Tier,
    pub requires_step_up: bool,
    /// Activations started in the 7 days before `now`.
    pub activations_last_week: i64,
}

/// A current assignment, as the alerts see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentFacts {
    pub id: AssignmentId,
    pub person: String,
    pub role_id: RoleId,
    pub role: String,
    pub tier: Tier,
    pub kind: AssignmentKind,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub break_glass: bool,
    /// When this person last activated this role, if ever.
    pub last_activated: Option<Timestamp>,
}

/// One thing an alert points at, and the page where it is fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    pub label: String,
    pub link: String,
    /// What stays the same while this finding lasts, when the label holds a count that
    /// grows (failures today, activations this week): announced once per key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Affected {
    #[must_use]
    pub fn new(label: String, link: impl Into<String>) -> Self {
        Self {
            label,
            link: link.into(),
            key: None,
        }
    }

    /// Announced once per `key` rather than once per label.
    #[must_use]
    pub fn keyed(mut self, key: String) -> Self {
        self.key = Some(key);
        self
    }

    /// What identifies this finding for announcing it once.
    #[must_use]
    pub fn identity(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.label)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub severity: Severity,
    /// One sentence with the numbers.
    pub summary: String,
    pub affected: Vec<Affected>,
}

/// One finding of an alert, identified by its kind and the item it names: the same finding
/// seen again has the same fingerprint, so it is announced once.
#[must_use]
pub fn fingerprint(kind: AlertKind, label: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}\n{label}", kind.code()).as_bytes());
    hex::encode(&digest[..16])
}

/// The findings worth interrupting someone for: those of alerts at least as severe as
/// `from` (High is the most severe).
pub fn announced_findings(
    alerts: &[Alert],
    from: Severity,
) -> impl Iterator<Item = (&Alert, &Affected)> {
    alerts
        .iter()
        .filter(move |a| a.severity <= from)
        .flat_map(|a| a.affected.iter().map(move |item| (a, item)))
}

/// Every alert that holds at `now`, most severe first.
#[must_use]
pub fn evaluate(
    roles: &[RoleFacts],
    assignments: &[AssignmentFacts],
    people: i64,
    settings: &AlertSettings,
    now: Timestamp,
) -> Vec<Alert> {
    let mut alerts: Vec<Alert> = [
        step_up_not_required(roles),
        permanent_active(assignments),
        stale(assignments, settings, now),
        too_many_tier_zero(assignments, people, settings),
        frequent(roles, settings, now),
    ]
    .into_iter()
    .flatten()
    .collect();
    alerts.sort_by_key(|a| a.severity);
    alerts
}

/// The break-glass alerts: emergency access below the floor of two accounts with two ready
/// keys each, and ready keys whose last drill is older than the threshold.
#[must_use]
pub fn break_glass_alerts(
    accounts: &[BreakGlassAccount],
    settings: &AlertSettings,
    now: Timestamp,
) -> Vec<Alert> {
    const PAGE: &str = "/settings/break-glass";
    let mut alerts = Vec::new();
    let warnings = readiness_warnings(accounts);
    if !warnings.is_empty() {
        alerts.push(Alert {
            kind: AlertKind::BreakGlassNotReady,
            severity: Severity::High,
            summary: format!("{} gap(s) in emergency access.", warnings.len()),
            affected: warnings
                .into_iter()
                .map(|label| Affected::new(label, PAGE))
                .collect(),
        });
    }
    let overdue: Vec<Affected> = accounts
        .iter()
        .filter(|a| a.active)
        .flat_map(|a| a.keys.iter().map(move |k| (a, k)))
        .filter(|(_, k)| k.drill_overdue(now, settings.drill_overdue_days))
        .map(|(a, k)| {
            Affected::new(
                format!(
                    "{}: {} (last drill {})",
                    a.display_name,
                    k.label,
                    k.last_validated_at
                        .map_or_else(|| "never".into(), Timestamp::utc_text)
                ),
                PAGE,
            )
        })
        .collect();
    if !overdue.is_empty() {
        alerts.push(Alert {
            kind: AlertKind::BreakGlassDrillOverdue,
            severity: Severity::Medium,
            summary: format!(
                "{} key(s) not validated in {} days.",
                overdue.len(),
                settings.drill_overdue_days
            ),
            affected: overdue,
        });
    }
    alerts
}

/// How long a use of emergency access stays on the alerts page.
pub const EMERGENCY_USE_ALERT_DAYS: i64 = 30;

/// Every emergency sign-in of the last [`EMERGENCY_USE_ALERT_DAYS`] days, with why.
#[must_use]
pub fn emergency_use_alert(uses: &[EmergencyUse]) -> Option<Alert> {
    (!uses.is_empty()).then(|| Alert {
        kind: AlertKind::BreakGlassUsed,
        severity: Severity::High,
        summary: format!(
            "{} emergency sign-in(s) in the last {EMERGENCY_USE_ALERT_DAYS} days.",
            uses.len()
        ),
        affected: uses
            .iter()
            .map(|u| {
                Affected::new(
                    format!(
                        "{} with key {} at {}: {}",
                        u.account,
                        u.key_label,
                        u.started_at.utc_text(),
                        u.justification.as_deref().unwrap_or("no justification yet")
                    ),
                    "/audit?action=breakGlass.signedIn",
                )
            })
            .collect(),
    })
}

/// Members of downstream roles that no activation in Stint accounts for.
#[must_use]
pub fn drift_alert(findings: &[DriftFinding]) -> Option<Alert> {
    (!findings.is_empty()).then(|| Alert {
        kind: AlertKind::AssignedOutsideStint,
        severity: Severity::High,
        summary: format!(
            "{} downstream membership(s) that Stint did not grant.",
            findings.len()
        ),
        affected: findings
            .iter()
            .map(|f| {
                Affected::new(
                    format!(
                        "{} holds {} through {} (seen since {})",
                        f.member,
                        f.role,
                        f.connector,
                        f.first_seen_at.utc_text()
                    ),
                    "/settings/connectors",
                )
            })
            .collect(),
    })
}

fn role_link(role: RoleId) -> String {
    format!("/settings/roles/{role}")
}

fn step_up_not_required(roles: &[RoleFacts]) -> Option<Alert> {
    let found: Vec<&RoleFacts> = roles.iter().filter(|r| !r.requires_step_up).collect();
    let worst = found.iter().map(|r| r.tier.level()).min()?;
    Some(Alert {
        kind: AlertKind::StepUpNotRequired,
        severity: if worst <= Tier::HIGH.level() {
            Severity::High
        } else {
            Severity::Medium
        },
        summary: format!(
            "{} role(s) activate without a fresh passkey assertion.",
            found.len()
        ),
        affected: found
            .iter()
            .map(|r| {
                Affected::new(
                    format!("{} (tier {})", r.name, r.tier.level()),
                    role_link(r.id),
                )
            })
            .collect(),
    })
}

fn permanent_active(assignments: &[AssignmentFacts]) -> Option<Alert> {
    let found: Vec<&AssignmentFacts> = assignments
        .iter()
        .filter(|a| a.kind == AssignmentKind::Active && a.ends_at.is_none() && !a.break_glass)
        .collect();
    (!found.is_empty()).then(|| Alert {
        kind: AlertKind::PermanentActive,
        severity: Severity::High,
        summary: format!(
            "{} standing assignment(s) bypass just-in-time activation.",
            found.len()
        ),
        affected: found
            .iter()
            .map(|a| Affected::new(format!("{}: {}", a.person, a.role), "/settings/assignments"))
            .collect(),
    })
}

fn stale(
    assignments: &[AssignmentFacts],
    settings: &AlertSettings,
    now: Timestamp,
) -> Option<Alert> {
    let cutoff = now.plus_seconds(-settings.stale_after_days * DAY);
    let found: Vec<&AssignmentFacts> = assignments
        .iter()
        .filter(|a| a.kind == AssignmentKind::Eligible && a.starts_at <= cutoff)
        .filter(|a| a.last_activated.is_none_or(|t| t <= cutoff))
        .collect();
    (!found.is_empty()).then(|| Alert {
        kind: AlertKind::StaleEligibility,
        severity: if found.iter().any(|a| a.tier == Tier::CRITICAL) {
            Severity::Medium
        } else {
            Severity::Low
        },
        summary: format!(
            "{} eligibilit(ies) not activated in {} days.",
            found.len(),
            settings.stale_after_days
        ),
        affected: found
            .iter()
            .map(|a| {
                Affected::new(
                    format!(
                        "{}: {} (last activated {})",
                        a.person,
                        a.role,
                        a.last_activated
                            .map_or_else(|| "never".into(), Timestamp::utc_text)
                    ),
                    role_link(a.role_id),
                )
            })
            .collect(),
    })
}

fn too_many_tier_zero(
    assignments: &[AssignmentFacts],
    people: i64,
    settings: &AlertSettings,
) -> Option<Alert> {
    let mut holders: Vec<&str> = assignments
        .iter()
        .filter(|a| a.tier == Tier::CRITICAL && !a.break_glass)
        .map(|a| a.person.as_str())
        .collect();
    holders.sort_unstable();
    holders.dedup();
    let count = i64::try_from(holders.len()).unwrap_or(i64::MAX);
    let percent = if people > 0 { count * 100 / people } else { 0 };
    (count > settings.tier0_max_holders && percent > settings.tier0_max_percent).then(|| Alert {
        kind: AlertKind::TooManyTierZeroHolders,
        severity: Severity::High,
        summary: format!(
            "{count} people ({percent} % of {people}) hold a tier-0 role; the limits are {} people or {} %.",
            settings.tier0_max_holders, settings.tier0_max_percent
        ),
        affected: holders
            .iter()
            .map(|p| Affected::new((*p).to_owned(), "/settings/assignments"))
            .collect(),
    })
}

fn frequent(roles: &[RoleFacts], settings: &AlertSettings, now: Timestamp) -> Option<Alert> {
    let found: Vec<&RoleFacts> = roles
        .iter()
        .filter(|r| r.activations_last_week > settings.activations_per_week)
        .collect();
    (!found.is_empty()).then(|| Alert {
        kind: AlertKind::FrequentActivation,
        severity: Severity::Low,
        summary: format!(
            "{} role(s) activated more than {} times in the last 7 days.",
            found.len(),
            settings.activations_per_week
        ),
        affected: found
            .iter()
            .map(|r| {
                let label = format!("{}: {} activations", r.name, r.activations_last_week);
                // The count grows with every activation: announce a role once a week.
                Affected::new(label, role_link(r.id)).keyed(format!(
                    "{}\n{}",
                    r.id,
                    crate::insights::digest_week(now)
                ))
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_announced_from_the_chosen_severity_up() {
        let alert = |severity, label: &str| Alert {
            kind: AlertKind::StepUpNotRequired,
            severity,
            summary: String::new(),
            affected: vec![Affected::new(label.into(), "/")],
        };
        let alerts = [
            alert(Severity::High, "a"),
            alert(Severity::Medium, "b"),
            alert(Severity::Low, "c"),
        ];
        let labels = |from| {
            announced_findings(&alerts, from)
                .map(|(_, item)| item.label.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(labels(Severity::High), ["a"]);
        assert_eq!(labels(Severity::Medium), ["a", "b"]);
        assert_eq!(labels(Severity::Low), ["a", "b", "c"]);
        assert_eq!(AlertSettings::default().notify_from, Severity::Medium);
        assert_eq!(Severity::from_label(" Low "), Some(Severity::Low));
        assert_eq!(Severity::from_label("Critical"), None);
    }

    #[test]
    fn settings_saved_before_the_notify_choice_existed_read_as_medium() {
        let mut old = serde_json::to_value(AlertSettings::default()).unwrap();
        old.as_object_mut().unwrap().remove("notify_from");
        let read: AlertSettings = serde_json::from_value(old).unwrap();
        assert_eq!(read.notify_from, Severity::Medium);
    }

    const NOW: Timestamp = Timestamp::from_unix(1_800_000_000);

    fn role(name: &str, tier: Tier, requires_step_up: bool, week: i64) -> RoleFacts {
        RoleFacts {
            id: RoleId::new_random(),
            name: name.into(),
            tier,
            requires_step_up,
            activations_last_week: week,
        }
    }

    fn holding(person: &str, role: &RoleFacts, kind: AssignmentKind) -> AssignmentFacts {
        AssignmentFacts {
            id: AssignmentId::new_random(),
            person: person.into(),
            role_id: role.id,
            role: role.name.clone(),
            tier: role.tier,
            kind,
            starts_at: NOW.plus_seconds(-400 * DAY),
            ends_at: Some(NOW.plus_seconds(30 * DAY)),
            break_glass: false,
            last_activated: Some(NOW.plus_seconds(-DAY)),
        }
    }

    fn kinds(alerts: &[Alert]) -> Vec<AlertKind> {
        alerts.iter().map(|a| a.kind).collect()
    }

    fn drilled_key(label: &str, days_ago: i64) -> crate::break_glass::BreakGlassKey {
        crate::break_glass::BreakGlassKey {
            passkey_id: crate::PasskeyId::new_random(),
            label: label.into(),
            aaguid: "cb69481e-8ff7-4039-93ec-0a2729a154a8".into(),
            model: "Hardware key".into(),
            location: "Safe".into(),
            custodian: "Facilities".into(),
            enrolled_by: "Ada".into(),
            enrolled_at: NOW.plus_seconds(-400 * DAY),
            witnessed_by: Some("Lee".into()),
            witnessed_at: Some(NOW.plus_seconds(-400 * DAY)),
            last_validated_at: Some(NOW.plus_seconds(-days_ago * DAY)),
            last_used_at: None,
            disabled_at: None,
            disabled_reason: None,
        }
    }

    fn vault(name: &str, keys: Vec<crate::break_glass::BreakGlassKey>) -> BreakGlassAccount {
        BreakGlassAccount {
            user_id: crate::UserId::new_random(),
            display_name: name.into(),
            email: format!("{name}@example.org"),
            active: true,
            keys,
        }
    }

    #[test]
    fn break_glass_keys_past_their_drill_are_a_medium_alert_naming_each_key() {
        let accounts = [
            vault("Vault 1", vec![drilled_key("A", 10), drilled_key("B", 91)]),
            vault("Vault 2", vec![drilled_key("C", 90), drilled_key("D", 30)]),
        ];
        let alerts = break_glass_alerts(&accounts, &AlertSettings::default(), NOW);
        assert_eq!(kinds(&alerts), [AlertKind::BreakGlassDrillOverdue]);
        assert_eq!(alerts[0].severity, Severity::Medium);
        assert_eq!(alerts[0].affected.len(), 1);
        assert!(
            alerts[0].affected[0]
                .label
                .starts_with("Vault 1: B (last drill ")
        );
    }

    #[test]
    fn each_emergency_sign_in_is_a_high_alert_with_its_justification() {
        assert!(emergency_use_alert(&[]).is_none());
        let used = EmergencyUse {
            id: "u1".into(),
            account: "Vault 1".into(),
            key_label: "Key A".into(),
            ip: "10.0.0.1".into(),
            started_at: NOW,
            justification: None,
            justified_at: None,
        };
        let alert = emergency_use_alert(&[used]).unwrap();
        assert_eq!(alert.severity, Severity::High);
        assert!(alert.affected[0].label.ends_with(": no justification yet"));
    }

    #[test]
    fn one_break_glass_account_is_a_high_alert() {
        let accounts = [vault(
            "Vault 1",
            vec![drilled_key("A", 1), drilled_key("B", 1)],
        )];
        let alerts = break_glass_alerts(&accounts, &AlertSettings::default(), NOW);
        assert_eq!(kinds(&alerts), [AlertKind::BreakGlassNotReady]);
        assert_eq!(alerts[0].severity, Severity::High);
    }

    #[test]
    fn a_well_kept_installation_raises_no_alert() {
        let db = role("Database Administrator", Tier::HIGH, true, 3);
        let all = [holding("Ada", &db, AssignmentKind::Eligible)];
        let alerts = evaluate(&[db], &all, 20, &AlertSettings::default(), NOW);
        assert!(alerts.is_empty(), "{alerts:?}");
    }

    #[test]
    fn a_role_without_step_up_is_high_from_tier_one_and_medium_below() {
        let low = role("Wiki editor", Tier::STANDARD, false, 0);
        let alerts = evaluate(
            std::slice::from_ref(&low),
            &[],
            10,
            &AlertSettings::default(),
            NOW,
        );
        assert_eq!(alerts[0].kind, AlertKind::StepUpNotRequired);
        assert_eq!(alerts[0].severity, Severity::Medium);
        let high = role("Payments operator", Tier::HIGH, false, 0);
        let alerts = evaluate(&[low, high], &[], 10, &AlertSettings::default(), NOW);
        assert_eq!(alerts[0].severity, Severity::High);
        assert_eq!(alerts[0].affected.len(), 2);
        assert_eq!(alerts[0].affected[1].label, "Payments operator (tier 1)");
    }

    #[test]
    fn standing_access_is_an_alert_except_for_break_glass_accounts() {
        let ga = role("Global Administrator", Tier::CRITICAL, true, 0);
        let mut standing = holding("Sam", &ga, AssignmentKind::Active);
        standing.ends_at = None;
        let mut emergency = standing.clone();
        emergency.person = "Emergency 1".into();
        emergency.break_glass = true;
        let alerts = evaluate(
            &[ga],
            &[standing, emergency],
            100,
            &AlertSettings::default(),
            NOW,
        );
        assert_eq!(kinds(&alerts), vec![AlertKind::PermanentActive]);
        assert_eq!(alerts[0].affected[0].label, "Sam: Global Administrator");
    }

    #[test]
    fn an_eligibility_unused_for_the_threshold_is_stale_and_a_new_one_is_not() {
        let db = role("Database Administrator", Tier::HIGH, true, 0);
        let mut unused = holding("Lee", &db, AssignmentKind::Eligible);
        unused.last_activated = Some(NOW.plus_seconds(-91 * DAY));
        let mut never = holding("Kai", &db, AssignmentKind::Eligible);
        never.last_activated = None;
        let mut fresh = never.clone();
        fresh.person = "New".into();
        fresh.starts_at = NOW.plus_seconds(-10 * DAY);
        let alerts = evaluate(
            &[db],
            &[unused, never, fresh],
            100,
            &AlertSettings::default(),
            NOW,
        );
        assert_eq!(kinds(&alerts), vec![AlertKind::StaleEligibility]);
        let labels: Vec<&str> = alerts[0]
            .affected
            .iter()
            .map(|a| a.label.as_str())
            .collect();
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert!(labels[1].ends_with("(last activated never)"), "{labels:?}");
        let lenient = AlertSettings {
            stale_after_days: 120,
            ..AlertSettings::default()
        };
        let db = role("Database Administrator", Tier::HIGH, true, 0);
        let mut unused = holding("Lee", &db, AssignmentKind::Eligible);
        unused.last_activated = Some(NOW.plus_seconds(-91 * DAY));
        assert!(evaluate(&[db], &[unused], 100, &lenient, NOW).is_empty());
    }

    #[test]
    fn tier_zero_holders_count_once_each_and_alert_over_both_limits() {
        let ga = role("Global Administrator", Tier::CRITICAL, true, 0);
        let sec = role("Security Administrator", Tier::CRITICAL, true, 0);
        let people: Vec<AssignmentFacts> = ["A", "B", "C"]
            .iter()
            .flat_map(|p| {
                [
                    holding(p, &ga, AssignmentKind::Eligible),
                    holding(p, &sec, AssignmentKind::Eligible),
                ]
            })
            .collect();
        let roles = [ga, sec];
        let settings = AlertSettings::default();
        assert!(
            evaluate(&roles, &people, 4, &settings, NOW).is_empty(),
            "3 of 4 people, but only 3: a small team"
        );
        let strict = AlertSettings {
            tier0_max_holders: 2,
            ..settings
        };
        let alerts = evaluate(&roles, &people, 20, &strict, NOW);
        assert_eq!(kinds(&alerts), vec![AlertKind::TooManyTierZeroHolders]);
        assert!(
            alerts[0].summary.starts_with("3 people (15 % of 20)"),
            "{}",
            alerts[0].summary
        );
        assert_eq!(alerts[0].affected.len(), 3);
        assert!(
            evaluate(&roles, &people, 100, &strict, NOW).is_empty(),
            "3 % of a large organisation"
        );
    }

    #[test]
    fn a_role_activated_more_than_the_weekly_limit_is_reported_last_as_low() {
        let busy = role("On-call", Tier::STANDARD, true, 51);
        let open = role("Wiki editor", Tier::HIGH, false, 0);
        let alerts = evaluate(&[busy, open], &[], 10, &AlertSettings::default(), NOW);
        assert_eq!(
            kinds(&alerts),
            vec![AlertKind::StepUpNotRequired, AlertKind::FrequentActivation]
        );
        assert_eq!(alerts[1].affected[0].label, "On-call: 51 activations");
    }

    #[test]
    fn settings_out_of_range_name_their_field() {
        let bad = AlertSettings {
            tier0_max_percent: 0,
            ..AlertSettings::default()
        };
        assert_eq!(bad.validate().unwrap_err().0, "Most tier-0 holders (%)");
        assert!(AlertSettings::default().validate().is_ok());
    }
}

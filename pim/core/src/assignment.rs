//! Assignments: who is eligible for, or holds, which role, from when until when.

use serde::{Deserialize, Serialize};

use crate::role::Tier;
use crate::{AssignmentId, ParseError, RoleId, Timestamp, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentKind {
    /// May activate the role just in time.
    Eligible,
    /// Holds the role for the whole assignment (break-glass, bootstrap).
    Active,
}

impl AssignmentKind {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Eligible => "eligible",
            Self::Active => "active",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "eligible" => Ok(Self::Eligible),
            "active" => Ok(Self::Active),
            _ => Err(ParseError::Invalid {
                field: "assignment type",
                reason: "must be eligible or active",
            }),
        }
    }
}

/// An assignment in effect, with the names a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: AssignmentId,
    pub user_id: UserId,
    pub user_name: String,
    pub user_email: String,
    pub role_id: RoleId,
    pub role_name: String,
    pub tier: Tier,
    pub kind: AssignmentKind,
    pub starts_at: Timestamp,
    /// `None` = permanent.
    pub ends_at: Option<Timestamp>,
    pub justification: String,
}

impl Assignment {
    #[must_use]
    pub fn is_in_effect(&self, now: Timestamp) -> bool {
        self.starts_at <= now && self.ends_at.is_none_or(|end| now < end)
    }
}

/// Why an administrator's assignment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentDenial {
    #[error("this role's policy does not allow permanent {0} assignments; set an end date")]
    PermanentNotAllowed(&'static str),
    #[error("this role allows {kind} assignments of at most {}; choose an earlier end", crate::time::humanize_seconds(*max))]
    TooLong { kind: &'static str, max: i64 },
    #[error("the end must be after the start")]
    EndBeforeStart,
    #[error("the start must not be in the past or more than a year ahead")]
    StartOutOfRange,
    #[error(transparent)]
    Justification(#[from] ParseError),
}

/// An assignment that passed the policy: what to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentPlan {
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub justification: String,
}

/// Checks an administrator's assignment of `kind` against the role's assignment rules.
pub fn plan_assignment(
    rules: &crate::policy::AssignmentRules,
    kind: AssignmentKind,
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    justification: &str,
    now: Timestamp,
) -> Result<AssignmentPlan, AssignmentDenial> {
    use crate::time::{DAY, MINUTE};
    let starts_at = match starts_at {
        None => now,
        Some(at) if at >= now.plus_seconds(-5 * MINUTE) && at <= now.plus_seconds(365 * DAY) => {
            at.max(now)
        }
        Some(_) => return Err(AssignmentDenial::StartOutOfRange),
    };
    let (allow_permanent, max) = match kind {
        AssignmentKind::Eligible => (rules.allow_permanent_eligible, rules.max_eligible_seconds),
        AssignmentKind::Active => (rules.allow_permanent_active, rules.max_active_seconds),
    };
    match ends_at {
        None if !allow_permanent => return Err(AssignmentDenial::PermanentNotAllowed(kind.code())),
        Some(end) if end <= starts_at => return Err(AssignmentDenial::EndBeforeStart),
        Some(end) if starts_at.seconds_until(end) > max => {
            return Err(AssignmentDenial::TooLong {
                kind: kind.code(),
                max,
            });
        }
        _ => {}
    }
    let min = if rules.require_admin_justification {
        10
    } else {
        0
    };
    let justification = if min == 0 && justification.trim().is_empty() {
        String::new()
    } else {
        crate::text::parse_multi_line(justification, "justification", min.max(1), 1000)?
    };
    Ok(AssignmentPlan {
        starts_at,
        ends_at,
        justification,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::AssignmentRules;
    use crate::time::DAY;

    const NOW: Timestamp = Timestamp::from_unix(1_795_996_800);
    const WHY: &str = "Joins the on-call rota";

    #[test]
    fn an_eligible_assignment_within_twelve_months_is_accepted() {
        let end = Some(NOW.plus_seconds(300 * DAY));
        let plan = plan_assignment(
            &AssignmentRules::default(),
            AssignmentKind::Eligible,
            None,
            end,
            WHY,
            NOW,
        );
        assert_eq!(plan.map(|p| (p.starts_at, p.ends_at)), Ok((NOW, end)));
    }

    #[test]
    fn assignments_over_the_policy_are_refused_not_shortened() {
        let rules = AssignmentRules::default();
        let cases = [
            (
                AssignmentKind::Eligible,
                None,
                AssignmentDenial::PermanentNotAllowed("eligible"),
            ),
            (
                AssignmentKind::Active,
                None,
                AssignmentDenial::PermanentNotAllowed("active"),
            ),
            (
                AssignmentKind::Eligible,
                Some(NOW.plus_seconds(400 * DAY)),
                AssignmentDenial::TooLong {
                    kind: "eligible",
                    max: 360 * DAY,
                },
            ),
            (
                AssignmentKind::Active,
                Some(NOW.plus_seconds(200 * DAY)),
                AssignmentDenial::TooLong {
                    kind: "active",
                    max: 180 * DAY,
                },
            ),
            (
                AssignmentKind::Active,
                Some(NOW),
                AssignmentDenial::EndBeforeStart,
            ),
        ];
        for (kind, end, expected) in cases {
            assert_eq!(
                plan_assignment(&rules, kind, None, end, WHY, NOW),
                Err(expected)
            );
        }
    }

    #[test]
    fn a_permanent_eligibility_is_allowed_when_the_policy_says_so() {
        let rules = AssignmentRules {
            allow_permanent_eligible: true,
            ..AssignmentRules::default()
        };
        let plan = plan_assignment(&rules, AssignmentKind::Eligible, None, None, WHY, NOW);
        assert_eq!(plan.map(|p| p.ends_at), Ok(None));
    }

    #[test]
    fn an_assignment_needs_a_justification_by_default() {
        let got = plan_assignment(
            &AssignmentRules::default(),
            AssignmentKind::Eligible,
            None,
            Some(NOW.plus_seconds(DAY)),
            "",
            NOW,
        );
        assert!(matches!(got, Err(AssignmentDenial::Justification(_))));
    }
}

//! Detection rules over recent activity, raised as Insights alerts: justifications that say
//! nothing (too short, only filler words, the same text again and again) and one person
//! failing activations or step-ups repeatedly.

use std::collections::HashMap;

use crate::Timestamp;
use crate::alerts::{Affected, Alert, AlertKind, Severity};
use crate::time::DAY;

/// Justifications shorter than this (in characters) say too little.
pub const SHORT_JUSTIFICATION: usize = 15;
/// The same person giving the same text this many times is copy-paste, not a reason.
pub const REPEATED_JUSTIFICATION: usize = 3;
/// Failed activations and step-ups by one person in a day that look like probing.
pub const FAILURES_PER_DAY: usize = 5;
/// Words that are no reason at all when a justification consists of nothing else.
pub const FILLER_WORDS: &[&str] = &[
    "test", "testing", "asdf", "qwerty", "n/a", "na", "none", "nothing", "xxx", "todo", "tbd",
    "fix", "work", "stuff", "admin", "access", "because", "needed", "need", "it", "please",
];

/// An activation request as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFacts {
    pub person: String,
    pub role: String,
    pub justification: String,
    pub requested_at: Timestamp,
}

/// A failed activation or step-up, by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureFacts {
    pub person: String,
    pub action: String,
}

/// Why a justification is unusual, if it is; `repeats` is how often this person gave it.
#[must_use]
pub fn unusual_reason(justification: &str, repeats: usize) -> Option<&'static str> {
    let text = justification.trim();
    if text.chars().count() < SHORT_JUSTIFICATION {
        return Some("too short");
    }
    let only_filler = text
        .split(|c: char| !c.is_alphanumeric() && c != '/')
        .filter(|w| !w.is_empty())
        .all(|w| FILLER_WORDS.contains(&w.to_lowercase().as_str()));
    if only_filler {
        return Some("only filler words");
    }
    (repeats >= REPEATED_JUSTIFICATION).then_some("repeated verbatim")
}

/// Requests whose justification is unusual, one line each (repeats collapsed).
#[must_use]
pub fn unusual_justifications(requests: &[RequestFacts]) -> Option<Alert> {
    // Per person and text: how often, and the latest time it was given.
    let mut counts: HashMap<(&str, &str), (usize, Timestamp)> = HashMap::new();
    for r in requests {
        let seen = counts
            .entry((r.person.as_str(), r.justification.trim()))
            .or_insert((0, r.requested_at));
        seen.0 += 1;
        seen.1 = seen.1.max(r.requested_at);
    }
    let mut seen = std::collections::HashSet::new();
    let affected: Vec<Affected> = requests
        .iter()
        .filter_map(|r| {
            let key = (r.person.as_str(), r.justification.trim());
            let (repeats, latest) = counts.get(&key).copied().unwrap_or((0, r.requested_at));
            let reason = unusual_reason(&r.justification, repeats)?;
            let times = if repeats > 1 {
                format!(", {repeats} times")
            } else {
                String::new()
            };
            let label = format!(
                "{} for {} ({reason}{times}): \"{}\"",
                r.person, r.role, key.1
            );
            // Every new request with such a text is announced, the same text a week later too.
            let identity = format!("{label}\n{latest}");
            seen.insert(key)
                .then(|| Affected::new(label, "/audit?action=role.selfActivate").keyed(identity))
        })
        .collect();
    (!affected.is_empty()).then(|| Alert {
        kind: AlertKind::UnusualJustification,
        severity: Severity::Medium,
        summary: format!(
            "{} activation justification(s) in the last 7 days say little or nothing.",
            affected.len()
        ),
        affected,
    })
}

/// People with at least [`FAILURES_PER_DAY`] failed activations or step-ups in the last day.
#[must_use]
pub fn repeated_failures(failures: &[FailureFacts], now: Timestamp) -> Option<Alert> {
    let mut per_person: HashMap<&str, usize> = HashMap::new();
    for f in failures {
        *per_person.entry(f.person.as_str()).or_default() += 1;
    }
    let mut people: Vec<(&str, usize)> = per_person
        .into_iter()
        .filter(|(_, n)| *n >= FAILURES_PER_DAY)
        .collect();
    people.sort_unstable();
    (!people.is_empty()).then(|| Alert {
        kind: AlertKind::RepeatedFailures,
        severity: Severity::High,
        summary: format!(
            "{} person(s) failed {FAILURES_PER_DAY} or more activations or step-ups in the last day.",
            people.len()
        ),
        affected: people
            .into_iter()
            .map(|(person, n)| {
                // The count grows with every failure: announce a person once a day.
                Affected::new(format!("{person}: {n} failures"), "/audit?outcome=failure")
                    .keyed(format!("{person}\nday {}", now.unix().div_euclid(DAY)))
            })
            .collect(),
    })
}

/// A request's local time in the business-hours time zone: ISO weekday (Monday = 1) and hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRequest {
    pub person: String,
    pub role: String,
    pub weekday: u8,
    pub hour: i64,
    /// How the local time reads, e.g. "Sat 2026-11-28 03:12 Europe/Berlin".
    pub local_text: String,
    /// The local date, "2026-11-28", to match against the holiday calendar.
    pub date: String,
}

/// Monday to Friday, from `start` (inclusive) to `end` (exclusive) o'clock.
#[must_use]
pub fn within_business_hours(weekday: u8, hour: i64, start: i64, end: i64) -> bool {
    (1..=5).contains(&weekday) && (start..end).contains(&hour)
}

/// Requests made outside business hours.
#[must_use]
pub fn outside_business_hours(
    requests: &[LocalRequest],
    start: i64,
    end: i64,
    holidays: &[String],
) -> Option<Alert> {
    let affected: Vec<Affected> = requests
        .iter()
        .filter(|r| {
            !within_business_hours(r.weekday, r.hour, start, end) || holidays.contains(&r.date)
        })
        .map(|r| {
            Affected::new(
                format!("{} for {} at {}", r.person, r.role, r.local_text),
                "/audit?action=role.selfActivate",
            )
        })
        .collect();
    (!affected.is_empty()).then(|| Alert {
        kind: AlertKind::OutsideBusinessHours,
        severity: Severity::Low,
        summary: format!(
            "{} activation request(s) in the last 7 days outside {start:02}:00–{end:02}:00, Monday to Friday{}.",
            affected.len(),
            if holidays.is_empty() { "" } else { ", or on a holiday" }
        ),
        affected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(person: &str, justification: &str) -> RequestFacts {
        RequestFacts {
            person: person.into(),
            role: "Database Administrator".into(),
            justification: justification.into(),
            requested_at: Timestamp::from_unix(1_800_000_000),
        }
    }

    #[test]
    fn a_short_or_filler_only_justification_is_unusual() {
        assert_eq!(unusual_reason("Fix the outage", 1), Some("too short"));
        assert_eq!(
            unusual_reason("test test testing n/a, please", 1),
            Some("only filler words")
        );
        assert_eq!(
            unusual_reason("Rotate the replication password (INC-4711)", 1),
            None
        );
    }

    #[test]
    fn the_same_text_three_times_from_one_person_is_unusual_and_listed_once() {
        let text = "Routine maintenance of the primary database";
        let requests = [
            request("Ada", text),
            request("Ada", text),
            request("Lee", text),
            request("Ada", text),
        ];
        let alert = unusual_justifications(&requests).unwrap();
        assert_eq!(alert.affected.len(), 1, "{:?}", alert.affected);
        assert!(
            alert.affected[0]
                .label
                .starts_with("Ada for Database Administrator (repeated verbatim, 3 times)")
        );
        assert!(unusual_justifications(&requests[..2]).is_none());
    }

    #[test]
    fn a_request_at_night_or_on_a_weekend_is_outside_business_hours() {
        assert!(within_business_hours(1, 8, 8, 18));
        assert!(within_business_hours(5, 17, 8, 18));
        assert!(!within_business_hours(5, 18, 8, 18));
        assert!(!within_business_hours(3, 7, 8, 18));
        assert!(!within_business_hours(6, 11, 8, 18));
        let at = |weekday, hour| LocalRequest {
            person: "Ada".into(),
            role: "On-call".into(),
            weekday,
            hour,
            local_text: format!("day {weekday} {hour}:00"),
            date: format!("2026-12-2{weekday}"),
        };
        let alert = outside_business_hours(&[at(2, 10), at(7, 3)], 8, 18, &[]).unwrap();
        assert_eq!(alert.affected.len(), 1);
        assert_eq!(alert.affected[0].label, "Ada for On-call at day 7 3:00");
        assert!(
            alert.summary.ends_with("Monday to Friday."),
            "{}",
            alert.summary
        );
    }

    #[test]
    fn every_hour_of_a_holiday_is_outside_business_hours() {
        let christmas = LocalRequest {
            person: "Ada".into(),
            role: "On-call".into(),
            weekday: 5,
            hour: 10,
            local_text: "Fri 2026-12-25 10:00 UTC".into(),
            date: "2026-12-25".into(),
        };
        let requests = [christmas];
        assert!(outside_business_hours(&requests, 8, 18, &["2026-12-24".into()]).is_none());
        let alert = outside_business_hours(&requests, 8, 18, &["2026-12-25".into()]).unwrap();
        assert_eq!(alert.affected.len(), 1);
        assert!(
            alert.summary.ends_with("or on a holiday."),
            "{}",
            alert.summary
        );
    }

    #[test]
    fn holidays_are_real_dates_kept_sorted_once() {
        use crate::alerts::parse_holidays;
        assert_eq!(
            parse_holidays("2027-01-01, 2026-12-25\n2026-12-25").unwrap(),
            ["2026-12-25", "2027-01-01"]
        );
        assert_eq!(parse_holidays("  ").unwrap(), Vec::<String>::new());
        assert!(parse_holidays("2026-02-30").is_err());
        assert!(parse_holidays("25.12.2026").is_err());
    }

    #[test]
    fn five_failures_in_a_day_by_one_person_is_a_high_alert() {
        let failure = |person: &str| FailureFacts {
            person: person.into(),
            action: "auth.step_up.failed".into(),
        };
        let mut failures: Vec<_> = (0..4).map(|_| failure("Mallory")).collect();
        failures.push(failure("Ada"));
        let now = Timestamp::from_unix(1_800_000_000);
        assert!(repeated_failures(&failures, now).is_none());
        failures.push(failure("Mallory"));
        let alert = repeated_failures(&failures, now).unwrap();
        assert_eq!(alert.severity, Severity::High);
        assert_eq!(alert.affected[0].label, "Mallory: 5 failures");
    }

    #[test]
    fn a_growing_failure_count_keeps_its_identity_for_the_day_and_not_longer() {
        let failures = |n| {
            (0..n)
                .map(|_| FailureFacts {
                    person: "Mallory".into(),
                    action: "auth.step_up.failed".into(),
                })
                .collect::<Vec<_>>()
        };
        let morning = Timestamp::from_unix(1_800_000_000 - 1_800_000_000 % DAY + 3600);
        let identity = |n, at| {
            let alert = repeated_failures(&failures(n), at).unwrap();
            alert.affected[0].identity().to_owned()
        };
        assert_eq!(
            identity(5, morning),
            identity(9, morning.plus_seconds(20 * 3600))
        );
        assert_ne!(identity(5, morning), identity(5, morning.plus_seconds(DAY)));
    }

    #[test]
    fn each_new_unusual_request_is_a_new_finding_even_with_the_same_text() {
        let at = |seconds| RequestFacts {
            requested_at: Timestamp::from_unix(seconds),
            ..request("Ada", "fix")
        };
        let identity = |requests: &[RequestFacts]| {
            let alert = unusual_justifications(requests).unwrap();
            assert_eq!(alert.affected.len(), 1);
            alert.affected[0].identity().to_owned()
        };
        let first = identity(&[at(1_000)]);
        assert_ne!(first, identity(&[at(1_000), at(2_000)]), "a second one");
        assert_ne!(
            first,
            identity(&[at(900_000)]),
            "the same text a week later"
        );
    }
}

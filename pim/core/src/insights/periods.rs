//! The periods a chart groups by: rolling weeks that end now, and calendar months (UTC).

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::review::Completion;
use crate::time::DAY;

/// `start <= t < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Period {
    #[must_use]
    pub fn holds(self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

/// `weeks` seven-day periods, oldest first; the last ends just after `now`, so an event at
/// `now` is counted.
#[must_use]
pub fn weeks_ending(now: Timestamp, weeks: u32) -> Vec<Period> {
    let end = now.plus_seconds(1);
    (0..weeks)
        .rev()
        .map(|back| {
            let back = i64::from(back);
            Period {
                start: end.plus_seconds(-(back + 1) * 7 * DAY),
                end: end.plus_seconds(-back * 7 * DAY),
            }
        })
        .collect()
}

/// Review completion over the instances that ended in one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthCompletion {
    /// The first instant of the month, UTC.
    pub month: Timestamp,
    pub completion: Completion,
}

/// The last `months` calendar months up to and including `now`'s, oldest first, each with
/// the summed completion of the instances (`(ends_at, completion)`) that ended in it by `now`.
/// A running instance is left out: its rate is not final.
#[must_use]
pub fn completion_by_month(
    instances: &[(Timestamp, Completion)],
    now: Timestamp,
    months: u32,
) -> Vec<MonthCompletion> {
    let starts = month_starts(now, months);
    starts
        .iter()
        .enumerate()
        .map(|(i, &month)| {
            let period = Period {
                start: month,
                end: starts.get(i + 1).copied().unwrap_or(now.plus_seconds(1)),
            };
            let ended = instances
                .iter()
                .filter(|(ends_at, _)| *ends_at <= now && period.holds(*ends_at))
                .map(|(_, c)| *c);
            MonthCompletion {
                month,
                completion: Completion::sum(ended),
            }
        })
        .collect()
}

/// First instants of the last `months` calendar months, oldest first.
fn month_starts(now: Timestamp, months: u32) -> Vec<Timestamp> {
    let Ok(today) = time::OffsetDateTime::from_unix_timestamp(now.unix()) else {
        return Vec::new();
    };
    let (mut year, mut month) = (today.year(), today.month());
    let mut starts = Vec::new();
    for _ in 0..months {
        if let Ok(date) = time::Date::from_calendar_date(year, month, 1) {
            starts.push(Timestamp::from_unix(
                date.midnight().assume_utc().unix_timestamp(),
            ));
        }
        if month == time::Month::January {
            year -= 1;
        }
        month = month.previous();
    }
    starts.reverse();
    starts
}

//! When each instance of a recurring review is scheduled to start.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use super::ReviewSettings;
use crate::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recurrence {
    OneTime,
    Weekly,
    Monthly,
    Quarterly,
    SemiAnnual,
    Annual,
}

impl Recurrence {
    /// The shortest gap between two starts, in days: an instance may last at most this long.
    #[must_use]
    pub const fn shortest_gap_days(self) -> Option<u32> {
        match self {
            Self::OneTime => None,
            Self::Weekly => Some(7),
            Self::Monthly => Some(28),
            Self::Quarterly => Some(89),
            Self::SemiAnnual => Some(181),
            Self::Annual => Some(365),
        }
    }

    const fn months(self) -> Option<u32> {
        match self {
            Self::Monthly => Some(1),
            Self::Quarterly => Some(3),
            Self::SemiAnnual => Some(6),
            Self::Annual => Some(12),
            Self::OneTime | Self::Weekly => None,
        }
    }
}

/// When a recurring review stops creating instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum RecurrenceEnd {
    Never,
    /// No instance starts after this instant.
    OnDate {
        date: Timestamp,
    },
    /// This many instances in all.
    AfterOccurrences {
        count: u32,
    },
}

/// The scheduled start of instance `sequence` (0 is the first), or `None` when the review has
/// no such instance. Monthly steps keep the day of the month, or the month's last day when it
/// is shorter (31 January, 28 February, 31 March).
#[must_use]
pub fn occurrence_start(settings: &ReviewSettings, sequence: u32) -> Option<Timestamp> {
    let first = settings.starts_at;
    let at = if sequence == 0 {
        first
    } else {
        match settings.recurrence {
            Recurrence::OneTime => return None,
            Recurrence::Weekly => first.plus_seconds(i64::from(sequence) * 7 * 86_400),
            other => add_months(first, other.months()? * sequence)?,
        }
    };
    let within_end = match settings.end {
        RecurrenceEnd::Never => true,
        RecurrenceEnd::OnDate { date } => at <= date,
        RecurrenceEnd::AfterOccurrences { count } => sequence < count,
    };
    within_end.then_some(at)
}

fn add_months(at: Timestamp, months: u32) -> Option<Timestamp> {
    let dt = OffsetDateTime::from_unix_timestamp(at.unix()).ok()?;
    let index =
        dt.year() * 12 + i32::from(u8::from(dt.month())) - 1 + i32::try_from(months).ok()?;
    let (year, month) = (
        index.div_euclid(12),
        Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?,
    );
    let day = dt.day().min(month.length(year));
    let date = Date::from_calendar_date(year, month, day).ok()?;
    Some(Timestamp::from_unix(dt.replace_date(date).unix_timestamp()))
}

//! Time as a value. The crate never asks what time it is; callers pass `now`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Seconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

impl Timestamp {
    #[must_use]
    pub const fn from_unix(seconds: i64) -> Self {
        Self(seconds)
    }

    #[must_use]
    pub const fn unix(self) -> i64 {
        self.0
    }

    #[must_use]
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds))
    }

    /// "2026-11-28 14:05 UTC", for text read by people in many time zones (messages, audit
    /// summaries), so it says which.
    #[must_use]
    pub fn utc_text(self) -> String {
        let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
        time::OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|dt| dt.format(&format).ok())
            .unwrap_or_else(|| self.0.to_string())
    }

    /// "2026-11-28T14:05:09Z": RFC 3339 in UTC, for machines (exports, syslog, SIEMs).
    #[must_use]
    pub fn rfc3339(self) -> String {
        time::OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|dt| {
                dt.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| self.0.to_string())
    }

    /// "Nov 28": a day on a chart axis, UTC.
    #[must_use]
    pub fn short_date(self) -> String {
        let format = time::macros::format_description!("[month repr:short] [day padding:none]");
        self.format_utc(format)
    }

    /// "Nov 2026": a calendar month, UTC.
    #[must_use]
    pub fn month_text(self) -> String {
        let format = time::macros::format_description!("[month repr:short] [year]");
        self.format_utc(format)
    }

    fn format_utc(self, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
        time::OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|dt| dt.format(format).ok())
            .unwrap_or_else(|| self.0.to_string())
    }

    /// Seconds from `self` until `later`; negative when `later` is in the past.
    #[must_use]
    pub const fn seconds_until(self, later: Timestamp) -> i64 {
        later.0.saturating_sub(self.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A remaining duration as people read it: "3 h 20 min", "2 d 4 h", "45 s".
#[must_use]
pub fn humanize_seconds(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes) = (s / DAY, (s % DAY) / HOUR, (s % HOUR) / MINUTE);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_speak() {
        assert_eq!(humanize_seconds(3 * HOUR + 20 * MINUTE), "3 h 20 min");
        assert_eq!(humanize_seconds(2 * DAY + 4 * HOUR + 5), "2 d 4 h");
        assert_eq!(humanize_seconds(45), "45 s");
        assert_eq!(humanize_seconds(HOUR), "1 h");
    }

    #[test]
    fn a_past_instant_reads_as_zero() {
        assert_eq!(humanize_seconds(-30), "0 s");
    }

    #[test]
    fn machines_get_rfc_3339_in_utc() {
        assert_eq!(
            Timestamp::from_unix(1_800_000_000).rfc3339(),
            "2027-01-15T08:00:00Z"
        );
    }

    #[test]
    fn chart_axes_name_days_and_months_in_utc() {
        let t = Timestamp::from_unix(1_800_000_000);
        assert_eq!(t.short_date(), "Jan 15");
        assert_eq!(t.month_text(), "Jan 2027");
    }
}

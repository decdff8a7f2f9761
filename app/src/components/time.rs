//! Times and durations as people read them.

use leptos::prelude::*;
use pim_core::Timestamp;
use pim_core::time::humanize_seconds;

/// "3 h 20 min left", counted down live once hydrated, and correct without JavaScript.
#[component]
pub fn TimeLeft(ends_at: Option<Timestamp>, server_now: Timestamp) -> impl IntoView {
    let Some(end) = ends_at else {
        return view! { <span>"permanent"</span> }.into_any();
    };
    let elapsed = RwSignal::new(0i64);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || elapsed.update(|s| *s += 30),
            std::time::Duration::from_secs(30),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    let label = move || {
        let left = server_now.seconds_until(end) - elapsed.get();
        format!("{} left", humanize_seconds(left))
    };
    view! { <span title=format!("ends {}", format_date(end))>{label}</span> }.into_any()
}

/// A date and time in UTC, e.g. "2026-11-28 14:05 UTC".
#[must_use]
pub fn format_date(t: Timestamp) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(t.unix())
        .ok()
        .and_then(|dt| dt.format(&format).ok())
        .unwrap_or_else(|| t.unix().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unix_time_is_shown_as_a_utc_date() {
        assert_eq!(format_date(Timestamp::from_unix(0)), "1970-01-01 00:00 UTC");
        assert_eq!(
            format_date(Timestamp::from_unix(1_795_874_700)),
            "2026-11-28 14:05 UTC"
        );
    }
}

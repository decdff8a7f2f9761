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

/// A date and time in the viewer's time zone once the page is hydrated; UTC before that (so
/// the server-rendered page is correct without JavaScript) and on hover.
#[component]
pub fn DateTime(at: Timestamp) -> impl IntoView {
    let utc = format_date(at);
    let text = RwSignal::new(utc.clone());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(local) = local_date(at) {
            text.set(local);
        }
    });
    view! { <time datetime=iso_date(at) title=utc>{move || text.get()}</time> }
}

fn iso_date(t: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(t.unix())
        .ok()
        .and_then(|dt| {
            dt.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The browser's own formatting, in its locale and time zone.
#[cfg(feature = "hydrate")]
fn local_date(t: Timestamp) -> Option<String> {
    use wasm_bindgen::JsValue;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into()).ok()?;
    js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into()).ok()?;
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options);
    // Seconds to milliseconds; exact in an f64 for any date Stint stores.
    #[allow(clippy::cast_precision_loss)]
    let date = js_sys::Date::new(&JsValue::from_f64(t.unix() as f64 * 1000.0));
    format
        .format()
        .call1(&JsValue::NULL, &date)
        .ok()?
        .as_string()
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

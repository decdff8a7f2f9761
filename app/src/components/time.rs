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

/// RFC 3339 in UTC, e.g. "2026-11-28T14:05:00Z".
#[cfg(not(feature = "hydrate"))]
fn iso_date(t: Timestamp) -> String {
    t.rfc3339()
}

/// RFC 3339 in UTC, from the browser's own `Date`, so that the WASM carries no calendar code.
/// `toISOString` adds milliseconds, which Stint never stores.
#[cfg(feature = "hydrate")]
fn iso_date(t: Timestamp) -> String {
    let date = js_date(t);
    if date.get_time().is_nan() {
        return t.unix().to_string();
    }
    let iso = String::from(date.to_iso_string());
    iso.get(..19)
        .map_or_else(|| t.unix().to_string(), |seconds| format!("{seconds}Z"))
}

#[cfg(feature = "hydrate")]
fn js_date(t: Timestamp) -> js_sys::Date {
    // Seconds to milliseconds; exact in an f64 for any date Stint stores.
    #[allow(clippy::cast_precision_loss)]
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.unix() as f64 * 1000.0))
}

/// The browser's own formatting, in its locale and time zone.
#[cfg(feature = "hydrate")]
fn local_date(t: Timestamp) -> Option<String> {
    use wasm_bindgen::JsValue;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into()).ok()?;
    js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into()).ok()?;
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options);
    format
        .format()
        .call1(&JsValue::NULL, &js_date(t))
        .ok()?
        .as_string()
}

/// A date and time in UTC, e.g. "2026-11-28 14:05 UTC". The server and the browser must
/// write the same text (end-to-end test `lazy-pages`), each with its own calendar code.
#[must_use]
#[cfg(not(feature = "hydrate"))]
pub fn format_date(t: Timestamp) -> String {
    t.utc_text()
}

/// A date and time in UTC, e.g. "2026-11-28 14:05 UTC", cut from the browser's RFC 3339.
#[must_use]
#[cfg(feature = "hydrate")]
pub fn format_date(t: Timestamp) -> String {
    let iso = iso_date(t);
    match (iso.get(..10), iso.get(11..16)) {
        (Some(day), Some(minute)) => format!("{day} {minute} UTC"),
        _ => iso,
    }
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

    #[test]
    fn a_machine_readable_date_is_rfc_3339_in_utc() {
        assert_eq!(
            iso_date(Timestamp::from_unix(1_795_874_700)),
            "2026-11-28T14:05:00Z"
        );
    }
}

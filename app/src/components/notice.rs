//! The outcome of an action, announced to screen readers.

use leptos::prelude::*;

/// `Ok` shows a success message, `Err` an error; nothing until something happened.
#[component]
pub fn Outcome(status: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    move || {
        status.get().map(|r| match r {
            Ok(m) => view! { <p class="notice success" role="status">{m}</p> }.into_any(),
            Err(m) => view! { <p class="notice error" role="alert">{m}</p> }.into_any(),
        })
    }
}

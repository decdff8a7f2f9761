//! The browser entry point: hydrate the server-rendered page. Nothing else lives here.
#![forbid(unsafe_code)]
// Leptos views are nested types; the release build of the largest pages needs more depth
// than the default 128.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    // Pages are lazily loaded routes: hydration first fetches the current page's area, so it
    // is a future (which starts Leptos' executor itself).
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // A marker for people's tools and the end-to-end tests: the page now runs its code.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

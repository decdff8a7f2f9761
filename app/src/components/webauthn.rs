//! Calls into the browser's WebAuthn API. Only the hydrated client can run a ceremony; during
//! server rendering these functions are never called.

/// Asks the authenticator to create a credential; returns the credential as JSON.
pub async fn create_credential(options_json: String) -> Result<String, String> {
    #[cfg(feature = "hydrate")]
    {
        js::create_credential(options_json)
            .await
            .map(|v| v.as_string().unwrap_or_default())
            .map_err(describe)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = options_json;
        Err(NEEDS_BROWSER.to_owned())
    }
}

/// Asks the authenticator for an assertion; returns it as JSON.
pub async fn get_credential(options_json: String) -> Result<String, String> {
    #[cfg(feature = "hydrate")]
    {
        js::get_credential(options_json)
            .await
            .map(|v| v.as_string().unwrap_or_default())
            .map_err(describe)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = options_json;
        Err(NEEDS_BROWSER.to_owned())
    }
}

#[cfg(not(feature = "hydrate"))]
const NEEDS_BROWSER: &str = "Passkeys need JavaScript in a browser.";

#[cfg(feature = "hydrate")]
fn describe(err: wasm_bindgen::JsValue) -> String {
    let name = js_sys::Reflect::get(&err, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" => "The passkey prompt was cancelled or timed out. Try again.".into(),
        "InvalidStateError" => "This authenticator is already registered for your account.".into(),
        "SecurityError" => "Passkeys only work on Stint's configured address.".into(),
        _ => "Your browser could not use a passkey here.".into(),
    }
}

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/webauthn.js")]
    extern "C" {
        #[wasm_bindgen(catch, js_name = createCredential)]
        pub async fn create_credential(options: String) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_name = getCredential)]
        pub async fn get_credential(options: String) -> Result<JsValue, JsValue>;
    }
}

/// Leaves the single-page app for `path`, so the server renders it with the new session.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window().location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Performs a step-up when the server asked for one: returns the ceremony id and the
/// assertion, or two empty strings when the policy needs none.
pub async fn answer_step_up(
    ceremony: Option<crate::api::CeremonyView>,
) -> Result<(String, String), String> {
    match ceremony {
        None => Ok((String::new(), String::new())),
        Some(c) => Ok((c.id, get_credential(c.options_json).await?)),
    }
}

/// A privileged action in two calls: `start` checks it and may ask for a step-up, the
/// authenticator answers, `finish` does it with that answer. Errors come back as their message.
pub async fn with_step_up<T, Fin>(
    start: impl Future<Output = Result<Option<crate::api::CeremonyView>, crate::error::AppError>>,
    finish: impl FnOnce(String, String) -> Fin,
) -> Result<T, String>
where
    Fin: Future<Output = Result<T, crate::error::AppError>>,
{
    let ceremony = start.await.map_err(|e| e.message)?;
    let (ceremony_id, credential) = answer_step_up(ceremony).await?;
    finish(ceremony_id, credential).await.map_err(|e| e.message)
}

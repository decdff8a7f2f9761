use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::api::auth::{finish_sign_in, start_sign_in};
use crate::components::webauthn::{get_credential, go_to};

async fn sign_in(email: Option<String>) -> Result<(), String> {
    let ceremony = start_sign_in(email).await.map_err(|e| e.message)?;
    let credential = get_credential(ceremony.options_json).await?;
    finish_sign_in(ceremony.id, credential)
        .await
        .map_err(|e| e.message)
}

/// Sign-in with a discoverable passkey, or name-first as a fallback.
#[component]
pub fn SignInPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let run = move |email: Option<String>| {
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            match sign_in(email).await {
                Ok(()) => go_to("/"),
                Err(message) => {
                    status.set(Some(message));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <Title text="Sign in · Stint" />
        <h1>"Sign in"</h1>
        <section class="panel">
            <p>"Use the passkey on this device or your security key."</p>
            <button type="button" class="button" disabled=move || busy.get() on:click=move |_| run(None)>
                "Sign in with a passkey"
            </button>
        </section>
        <section class="panel">
            <h2>"Or enter your e-mail first"</h2>
            <form on:submit=move |ev| {
                ev.prevent_default();
                run(Some(email.get_untracked()));
            }>
                <label for="email">"E-mail"</label>
                <input id="email" name="email" type="email" autocomplete="username webauthn" bind:value=email required />
                <button type="submit" class="button secondary" disabled=move || busy.get()>"Continue"</button>
            </form>
        </section>
        <p class="notice error" role="alert" hidden=move || status.get().is_none()>
            {move || status.get().unwrap_or_default()}
        </p>
        <p class="hint">"Locked out in an emergency? "<a href="/emergency">"Emergency access"</a></p>
    }
}

//! Emergency access: sign in with a break-glass key when nothing else works.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::api::emergency::{finish_emergency_sign_in, start_emergency_sign_in};
use crate::components::webauthn::{get_credential, go_to};

async fn sign_in() -> Result<(), String> {
    let ceremony = start_emergency_sign_in().await.map_err(|e| e.message)?;
    let credential = get_credential(ceremony.options_json).await?;
    finish_emergency_sign_in(ceremony.id, credential)
        .await
        .map_err(|e| e.message)
}

#[component]
pub fn EmergencyPage() -> impl IntoView {
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let run = move |_| {
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            match sign_in().await {
                Ok(()) => go_to("/"),
                Err(message) => {
                    status.set(Some(message));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <Title text="Emergency access · Stint" />
        <h1>"Emergency access"</h1>
        <section class="panel emergency-gate">
            <p>
                "For when nobody can administer Stint any other way. Sign in with a break-glass "
                "account's hardware key, fetched from its safe."
            </p>
            <p>
                <strong>"Every administrator is alerted at once"</strong>
                ", the use is audited, and you will be asked why before you can do anything."
            </p>
            <button type="button" class="button danger" disabled=move || busy.get() on:click=run>
                "Sign in with a break-glass key"
            </button>
        </section>
        <p class="notice error" role="alert" hidden=move || status.get().is_none()>
            {move || status.get().unwrap_or_default()}
        </p>
    }
}

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::auth::{enrollment_info, finish_enrollment, start_enrollment};
use crate::components::webauthn::{create_credential, go_to};
use crate::pages::LoadError;

async fn enroll(token: String, label: String) -> Result<(), String> {
    let ceremony = start_enrollment(token.clone())
        .await
        .map_err(|e| e.message)?;
    let credential = create_credential(ceremony.options_json).await?;
    finish_enrollment(token, ceremony.id, label, credential)
        .await
        .map_err(|e| e.message)
}

/// Registers a first passkey from a one-time link.
#[component]
pub fn EnrollPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = crate::codec::resource(token, enrollment_info);
    let label = RwSignal::new("My passkey".to_owned());
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        status.set(None);
        let (token, label) = (token(), label.get_untracked());
        spawn_local(async move {
            match enroll(token, label).await {
                Ok(()) => go_to("/"),
                Err(message) => {
                    status.set(Some(message));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <Title text="Set up your passkey · Stint" />
        <h1>"Set up your passkey"</h1>
        <Transition fallback=|| view! { <p>"Checking your link…"</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok((name, email)) => view! {
                        <p>"Welcome, " <strong>{name}</strong> " (" {email} "). Stint signs you in with a passkey: no password to remember or phish."</p>
                        <form class="panel" on:submit=submit>
                            <label for="label">"Name this passkey"</label>
                            <input id="label" name="label" bind:value=label maxlength="64" required />
                            <button type="submit" class="button" disabled=move || busy.get()>"Create passkey"</button>
                        </form>
                    }.into_any(),
                    Err(error) => view! {
                        <LoadError error />
                        <p>"Ask an administrator for a new enrollment link."</p>
                    }.into_any(),
                }
            })}
        </Transition>
        <p class="notice error" role="alert" hidden=move || status.get().is_none()>
            {move || status.get().unwrap_or_default()}
        </p>
    }
}

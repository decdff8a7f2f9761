use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use pim_core::user::PasskeySummary;

use crate::api::account::{
    RenamePasskey, finish_add_passkey, finish_remove_passkey, my_passkeys, start_add_passkey,
    start_remove_passkey,
};
use crate::components::time::DateTime;
use crate::components::webauthn::{create_credential, get_credential};
use crate::pages::LoadError;

async fn add(label: String) -> Result<(), String> {
    let ceremony = start_add_passkey().await.map_err(|e| e.message)?;
    let credential = create_credential(ceremony.options_json).await?;
    finish_add_passkey(ceremony.id, label, credential)
        .await
        .map_err(|e| e.message)
}

async fn remove(id: String) -> Result<(), String> {
    let ceremony = start_remove_passkey(id.clone())
        .await
        .map_err(|e| e.message)?;
    let credential = get_credential(ceremony.options_json).await?;
    finish_remove_passkey(id, ceremony.id, credential)
        .await
        .map_err(|e| e.message)
}

/// My account: passkeys (list, add, rename, remove with a step-up; never the last one).
#[component]
pub fn AccountPage() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let rename = ServerAction::<RenamePasskey>::new();
    let passkeys = crate::codec::resource(
        move || (changed.get(), rename.version().get()),
        |_| my_passkeys(),
    );
    let label = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let finish = move |result: Result<(), String>| {
        busy.set(false);
        match result {
            Ok(()) => {
                status.set(None);
                changed.update(|n| *n += 1);
            }
            Err(message) => status.set(Some(message)),
        }
    };
    let on_add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let label = label.get_untracked();
        spawn_local(async move { finish(add(label).await) });
    };
    let on_remove = move |id: String| {
        busy.set(true);
        spawn_local(async move { finish(remove(id).await) });
    };
    view! {
        <Title text="My account · Stint" />
        <h1>"My account"</h1>
        <h2>"Passkeys"</h2>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match passkeys.await {
                    Ok(keys) => {
                        let only_one = keys.len() <= 1;
                        view! {
                            <table class="list">
                                <thead><tr><th>"Name"</th><th>"Added"</th><th>"Last used"</th><th>"Actions"</th></tr></thead>
                                <tbody>
                                    {keys.into_iter().map(|k| view! { <PasskeyRow key=k only_one rename on_remove busy /> }).collect_view()}
                                </tbody>
                            </table>
                            <Show when=move || only_one>
                                <p class="hint">"Add a second passkey so you can still sign in if you lose this one."</p>
                            </Show>
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <form class="panel" on:submit=on_add>
            <label for="new-label">"Name for the new passkey"</label>
            <input id="new-label" name="label" bind:value=label maxlength="64" required placeholder="e.g. Phone" />
            <button type="submit" class="button" disabled=move || busy.get()>"Add a passkey"</button>
        </form>
        <p class="notice error" role="alert" hidden=move || status.get().is_none()>
            {move || status.get().unwrap_or_default()}
        </p>
    }
}

#[component]
fn PasskeyRow(
    key: PasskeySummary,
    only_one: bool,
    rename: ServerAction<RenamePasskey>,
    on_remove: impl Fn(String) + Clone + Send + Sync + 'static,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let id = key.id.to_string();
    let remove_id = id.clone();
    let label = key.label.clone();
    let remove_label = format!("Remove {}", key.label);
    let input_id = format!("rename-{}", key.id);
    view! {
        <tr>
            <td>{key.label.clone()}</td>
            <td><DateTime at=key.created_at /></td>
            <td>{key.last_used_at.map(crate::components::time::format_date).unwrap_or_else(|| "never".into())}</td>
            <td class="actions">
                <ActionForm action=rename attr:class="inline">
                    <input type="hidden" name="passkey_id" value=id />
                    <label class="sr-only" for=input_id.clone()>{format!("New name for {label}")}</label>
                    <input id=input_id name="label" value=key.label.clone() maxlength="64" required />
                    <button type="submit" class="button secondary">"Rename"</button>
                </ActionForm>
                <button
                    type="button"
                    class="button danger"
                    disabled=move || only_one || busy.get()
                    title=if only_one { "Your only passkey cannot be removed" } else { "Confirm with a passkey to remove" }
                    aria-label=remove_label
                    on:click=move |_| on_remove(remove_id.clone())
                >
                    "Remove"
                </button>
            </td>
        </tr>
    }
}

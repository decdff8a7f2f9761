use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use pim_core::my_roles::EligibleRole;
use pim_core::time::humanize_seconds;

use crate::api::fields::{FormFields, from_submit};
use crate::api::my_roles::{finish_activation, load_my_roles, start_activation};
use crate::components::badges::{RequirementBadges, TierBadge};
use crate::components::webauthn::{answer_step_up, go_to};
use crate::pages::LoadError;

const PRESET_MINUTES: [i64; 6] = [30, 60, 120, 240, 480, 1440];

/// Activate one eligible role: duration, justification, ticket and start, then a passkey
/// step-up bound to exactly this request.
#[component]
pub fn ActivatePage() -> impl IntoView {
    let params = use_params_map();
    let role_id = move || params.read().get("id").unwrap_or_default();
    let roles = crate::codec::resource(|| (), |_| load_my_roles());
    view! {
        <Title text="Activate a role · Stint" />
        <p><a href="/roles">"← My roles"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match roles.await {
                    Ok(mine) => {
                        let id = role_id();
                        match mine.eligible.into_iter().find(|e| e.role.id.to_string() == id) {
                            Some(e) => view! { <ActivationForm e /> }.into_any(),
                            None => view! {
                                <p class="notice error" role="alert">"You are not eligible for this role. Ask a Privileged Role Administrator if you need it."</p>
                            }.into_any(),
                        }
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Turns the local start time the person picked into Unix seconds (only the browser knows
/// its time zone).
fn with_start_time(mut fields: FormFields) -> FormFields {
    let later = fields.0.iter().any(|(n, _)| n == "start_later");
    let local = fields
        .0
        .iter()
        .find(|(n, _)| n == "start_local")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    fields
        .0
        .retain(|(n, _)| n != "start_local" && n != "start_later");
    let unix = if later && !local.is_empty() {
        local_to_unix(&local)
    } else {
        0
    };
    fields.0.push(("scheduled_start".into(), unix.to_string()));
    fields
}

fn local_to_unix(local: &str) -> i64 {
    #[cfg(feature = "hydrate")]
    {
        let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(local)).get_time();
        if ms.is_finite() {
            // Whole seconds of a date picker value; the cast cannot overflow.
            #[allow(clippy::cast_possible_truncation)]
            return (ms / 1000.0) as i64;
        }
        -1
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = local;
        -1
    }
}

#[component]
fn ActivationForm(e: EligibleRole) -> impl IntoView {
    let r = e.requirements.clone();
    let max_minutes = r.max_duration_seconds / 60;
    let minutes = RwSignal::new(max_minutes.min(60).to_string());
    let start_later = RwSignal::new(false);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let role_id = e.role.id.to_string();
    let presets: Vec<i64> = PRESET_MINUTES
        .into_iter()
        .filter(|m| *m <= max_minutes)
        .collect();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = with_start_time(from_submit(&ev));
        let role_id = role_id.clone();
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            let result = async {
                let start = start_activation(role_id.clone(), fields.clone())
                    .await
                    .map_err(|e| e.message)?;
                let (cid, cred) = answer_step_up(start.step_up).await?;
                finish_activation(role_id, start.request_id, fields, cid, cred)
                    .await
                    .map_err(|e| e.message)
            }
            .await;
            busy.set(false);
            match result {
                Ok(state) if state == "Active" => go_to("/roles?tab=active"),
                Ok(_) => go_to("/requests"),
                Err(message) => status.set(Some(message)),
            }
        });
    };
    let hint = r.justification_hint.clone().unwrap_or_else(|| {
        "What will you do, and why now? e.g. \"Reset MFA for a locked-out user, ticket INC-1042\"".into()
    });
    view! {
        <h1>{format!("Activate {}", e.role.name)}</h1>
        <TierBadge tier=e.role.tier />
        <RequirementBadges requirements=r.clone() />
        <form class="panel" on:submit=on_submit>
            <fieldset class="presets">
                <legend>"Duration"</legend>
                {presets.into_iter().map(|m| view! {
                    <button type="button" class="button secondary" on:click=move |_| minutes.set(m.to_string())>{humanize_seconds(m * 60)}</button>
                }).collect_view()}
            </fieldset>
            <label for="duration_minutes">{format!("Minutes (5 to {max_minutes})")}</label>
            <input id="duration_minutes" name="duration_minutes" type="number" min="5" max=max_minutes.to_string() required bind:value=minutes />
            <label for="justification">{if r.justification { "Justification (required)" } else { "Justification (optional)" }}</label>
            <p class="hint" id="justification-hint">{hint}</p>
            <textarea id="justification" name="justification" aria-describedby="justification-hint" minlength=if r.justification { "10" } else { "0" } maxlength="1000" required=r.justification></textarea>
            <label for="ticket_system">{if r.ticket { "Ticket system (required)" } else { "Ticket system (optional)" }}</label>
            <input id="ticket_system" name="ticket_system" maxlength="64" required=r.ticket placeholder="e.g. Jira" />
            <label for="ticket_number">"Ticket number"</label>
            <input id="ticket_number" name="ticket_number" maxlength="64" required=r.ticket placeholder="e.g. OPS-1234" />
            <label class="check"><input type="checkbox" name="start_later" bind:checked=start_later />" Start later (up to 14 days ahead)"</label>
            <Show when=move || start_later.get()>
                <label for="start_local">"Start at (your local time)"</label>
                <input id="start_local" name="start_local" type="datetime-local" required />
            </Show>
            <button type="submit" class="button" disabled=move || busy.get()>
                {if r.step_up { "Activate with passkey" } else { "Activate" }}
            </button>
            <p class="notice error" role="alert" hidden=move || status.get().is_none()>{move || status.get().unwrap_or_default()}</p>
        </form>
    }
}

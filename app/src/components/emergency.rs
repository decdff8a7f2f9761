//! Emergency access in the page shell: the banner everyone sees while an emergency session may
//! be open, and the question an emergency session must answer before anything else.

use leptos::prelude::*;
use pim_core::break_glass::EmergencyUse;

use crate::api::emergency::justify_emergency;
use crate::api::me::EmergencyBannerView;
use crate::components::time::format_date;
use crate::components::webauthn::go_to;

#[component]
pub fn EmergencyBanner(uses: Vec<EmergencyBannerView>) -> impl IntoView {
    uses.into_iter()
        .map(|u| {
            let why = if u.justified {
                "Its justification is recorded in the audit log."
            } else {
                "No justification recorded yet."
            };
            view! {
                <div class="notice error emergency" role="alert">
                    <strong>"Emergency access in use. "</strong>
                    {format!(
                        "{} signed in with break-glass key \"{}\" at {}. ",
                        u.account, u.key_label, format_date(u.started_at)
                    )}
                    {why}
                </div>
            }
        })
        .collect_view()
}

#[component]
pub fn JustifyEmergency(pending: EmergencyUse) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let justification = text.get_untracked();
        leptos::task::spawn_local(async move {
            match justify_emergency(justification).await {
                Ok(()) => go_to("/"),
                Err(e) => status.set(Some(e.message)),
            }
        });
    };
    view! {
        <section class="panel emergency-gate" aria-label="Why emergency access">
            <h1>"Why did you use emergency access?"</h1>
            <p>
                {format!("You signed in as {} with break-glass key \"{}\". ", pending.account, pending.key_label)}
                "Every administrator has been alerted. Record why before you do anything else; it goes to the audit log."
            </p>
            <form class="form" on:submit=on_submit>
                <label for="emergency-why">"Justification"</label>
                <textarea id="emergency-why" name="justification" rows="4" minlength="20" maxlength="2000" required
                    bind:value=text placeholder="What happened, what you will do, and the incident number"></textarea>
                <button type="submit" class="button">"Record and continue"</button>
            </form>
            <p class="notice error" role="alert" hidden=move || status.get().is_none()>
                {move || status.get().unwrap_or_default()}
            </p>
        </section>
    }
}

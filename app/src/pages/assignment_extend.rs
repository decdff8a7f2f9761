//! Settings → Assignments → Extend: a new last day (or permanent, where the role allows it)
//! with a justification and the step-up the role's policy asks for. Extending one's own
//! assignment waits for a second administrator.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use pim_core::assignment::AssignmentKind;
use pim_core::time::humanize_seconds;

use crate::api::assignments::{
    ExtensionView, finish_extend_assignment, get_assignment, start_extend_assignment,
};
use crate::api::fields::from_submit;
use crate::components::badges::TierBadge;
use crate::components::notice::Outcome;
use crate::components::time::format_date;
use crate::components::webauthn::with_step_up;
use crate::pages::LoadError;

#[component]
pub fn ExtendAssignmentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = crate::codec::resource(id, get_assignment);
    view! {
        <Title text="Extend an assignment · Stint" />
        <p><a href="/settings/assignments">"← Assignments"</a></p>
        <h1>"Extend an assignment"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <ExtendForm view /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ExtendForm(view: ExtensionView) -> impl IntoView {
    let a = view.assignment;
    let (max, allow_permanent) = match a.kind {
        AssignmentKind::Eligible => (
            view.rules.max_eligible_seconds,
            view.rules.allow_permanent_eligible,
        ),
        AssignmentKind::Active => (
            view.rules.max_active_seconds,
            view.rules.allow_permanent_active,
        ),
    };
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let permanent = RwSignal::new(false);
    let id = a.id.to_string();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = from_submit(&ev);
        let id = id.clone();
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            let start = start_extend_assignment(id.clone(), fields.clone());
            let result =
                with_step_up(start, |c, a| finish_extend_assignment(id, fields, c, a)).await;
            busy.set(false);
            status.set(Some(result));
        });
    };
    let ends = a
        .ends_at
        .map_or_else(|| "permanent".to_owned(), format_date);
    let kind = match a.kind {
        AssignmentKind::Eligible => "Eligible",
        AssignmentKind::Active => "Active",
    };
    let latest = format_date(view.now.plus_seconds(max));
    view! {
        <dl class="facts">
            <dt>"Person"</dt><dd>{a.user_name.clone()}" · "{a.user_email.clone()}</dd>
            <dt>"Role"</dt><dd>{a.role_name.clone()}" "<TierBadge tier=a.tier /></dd>
            <dt>"Type"</dt><dd>{kind}</dd>
            <dt>"Ends now"</dt><dd>{ends}</dd>
        </dl>
        <form class="panel" on:submit=on_submit>
            <p class="hint">{format!("The role allows at most {} from today (until {latest}).", humanize_seconds(max))}</p>
            {allow_permanent.then(|| view! {
                <label class="check"><input type="checkbox" name="permanent" bind:checked=permanent />" Permanent"</label>
            })}
            <Show when=move || !permanent.get()>
                <label for="extend-end">"New last day (UTC)"</label>
                <input id="extend-end" name="end_date" type="date" required />
            </Show>
            <label for="extend-why">"Justification"</label>
            <textarea id="extend-why" name="justification" maxlength="1000" placeholder="Why does this person need the role for longer?"></textarea>
            <button type="submit" class="button" disabled=move || busy.get()>"Extend with passkey"</button>
            <Outcome status />
        </form>
    }
}

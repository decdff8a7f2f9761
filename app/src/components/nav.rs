//! The navigation: only what the signed-in person may use, their name and active roles.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::auth::SignOut;
use crate::api::me::MeView;
use crate::components::emergency::{EmergencyBanner, JustifyEmergency};
use crate::components::time::TimeLeft;

#[component]
pub fn Nav(me: Option<MeView>) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let Some(me) = me else {
        return view! {
            <nav class="nav" aria-label="Main">
                <a class="brand" href="/">"Stint"</a>
                <A href="/signin">"Sign in"</A>
            </nav>
        }
        .into_any();
    };
    let now = me.now;
    let banner = view! { <EmergencyBanner uses=me.emergencies.clone() /> };
    if let Some(pending) = me.justification_needed.clone() {
        return view! {
            {banner}
            <nav class="nav" aria-label="Main">
                <a class="brand" href="/">"Stint"</a>
                <span class="spacer"></span>
                <span class="who">{me.display_name.clone()}</span>
                <SignOutForm sign_out />
            </nav>
            <JustifyEmergency pending />
        }
        .into_any();
    }
    view! {
        {banner}
        <nav class="nav" aria-label="Main">
            <a class="brand" href="/">"Stint"</a>
            <A href="/">"Home"</A>
            <A href="/roles">"My roles"</A>
            <A href="/requests">"My requests"</A>
            <A href="/approvals">
                "Approvals"
                <Show when=move || { me.pending_approvals > 0 }>
                    " "<span class="count" aria-label=format!("{} waiting", me.pending_approvals)>{me.pending_approvals}</span>
                </Show>
            </A>
            <A href="/reviews">"Reviews"</A>
            <A href="/account">"My account"</A>
            <A href="/audit/mine">"My audit"</A>
            <Show when=move || me.can_manage_roles>
                <A href="/settings/roles">"Roles"</A>
                <A href="/settings/assignments">"Assignments"</A>
            </Show>
            <Show when=move || me.can_read_reviews>
                <A href="/settings/reviews">"Access reviews"</A>
            </Show>
            <Show when=move || me.can_read_audit>
                <A href="/audit" exact=true>"Audit"</A>
                <A href="/insights" exact=true>"Insights"</A>
                <A href="/insights/alerts">"Alerts"</A>
            </Show>
            <Show when=move || me.can_manage_users>
                <A href="/settings/users">"Users"</A>
            </Show>
            <Show when=move || me.can_manage_security>
                <A href="/settings/notifications">"Notifications"</A>
            </Show>
            <Show when=move || me.can_manage_security || me.can_read_audit>
                <A href="/settings/break-glass">"Break-glass"</A>
                <A href="/settings/connectors">"Connectors"</A>
                <A href="/settings/api-tokens">"API tokens"</A>
            </Show>
            <span class="spacer"></span>
            <span class="who">{me.display_name.clone()}</span>
            <SignOutForm sign_out />
        </nav>
        <Show when={
            let empty = me.roles.is_empty();
            move || !empty
        }>
            <ul class="active-roles" aria-label="Your active roles">
                {me
                    .roles
                    .iter()
                    .map(|r| {
                        view! {
                            <li>
                                <strong>{r.name.clone()}</strong>
                                " · "
                                <TimeLeft ends_at=r.ends_at server_now=now />
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </Show>
    }
    .into_any()
}

#[component]
fn SignOutForm(sign_out: ServerAction<SignOut>) -> impl IntoView {
    view! {
        <ActionForm action=sign_out attr:class="inline">
            <button type="submit" class="link">"Sign out"</button>
        </ActionForm>
    }
}

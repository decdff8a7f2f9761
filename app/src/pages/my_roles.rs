use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use pim_core::Timestamp;
use pim_core::activation::Activation;
use pim_core::my_roles::{ActiveItem, EligibleRole, MyRoles};

use crate::api::fields::from_submit;
use crate::api::my_roles::{Deactivate, finish_extension, load_my_roles, start_extension};
use crate::components::badges::{RequirementBadges, TierBadge};
use crate::components::downstream::Downstream;
use crate::components::time::{DateTime, TimeLeft, format_date};
use crate::components::webauthn::{go_to, with_step_up};
use crate::pages::LoadError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Eligible,
    Active,
    Expired,
}

impl Tab {
    fn from_query(q: Option<String>) -> Self {
        match q.as_deref() {
            Some("active") => Self::Active,
            Some("expired") => Self::Expired,
            _ => Self::Eligible,
        }
    }
}

/// My roles: what I may activate, what I hold now, and what ended in the last 90 days.
#[component]
pub fn MyRolesPage() -> impl IntoView {
    let query = use_query_map();
    let tab = move || Tab::from_query(query.read().get("tab"));
    let deactivate = ServerAction::<Deactivate>::new();
    let roles = crate::codec::resource(move || deactivate.version().get(), |_| load_my_roles());
    // A full reload after a deactivation, so the navigation's role list is fresh too.
    Effect::new(move |_| {
        if let Some(Ok(())) = deactivate.value().get() {
            go_to("/roles?tab=expired");
        }
    });
    let tab_link = move |t: Tab, href: &'static str, label: &'static str| {
        view! {
            <a href=href role="tab" aria-selected=move || (tab() == t).to_string() class:current=move || tab() == t>{label}</a>
        }
    };
    view! {
        <Title text="My roles · Stint" />
        <h1>"My roles"</h1>
        <nav class="tabs" role="tablist" aria-label="My roles">
            {tab_link(Tab::Eligible, "/roles", "Eligible")}
            {tab_link(Tab::Active, "/roles?tab=active", "Active")}
            {tab_link(Tab::Expired, "/roles?tab=expired", "Expired")}
        </nav>
        {move || deactivate.value().get().and_then(Result::err).map(|e| view! {
            <p class="notice error" role="alert">{e.message}</p>
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match roles.await {
                    Ok(mine) => match tab() {
                        Tab::Eligible => view! { <EligibleList mine /> }.into_any(),
                        Tab::Active => view! { <ActiveList mine deactivate /> }.into_any(),
                        Tab::Expired => view! { <ExpiredList mine /> }.into_any(),
                    },
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn EligibleList(mine: MyRoles) -> impl IntoView {
    if mine.eligible.is_empty() {
        return view! {
            <p class="empty">"You are not eligible for any role. Ask a Privileged Role Administrator to make you eligible for the role you need."</p>
        }
        .into_any();
    }
    let now = mine.now;
    view! {
        <ul class="cards">
            {mine.eligible.into_iter().map(|e| view! { <EligibleCard e now /> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn EligibleCard(e: EligibleRole, now: Timestamp) -> impl IntoView {
    let until = e.ends_at.map_or_else(
        || "Eligible permanently".to_owned(),
        |end| format!("Eligible until {}", format_date(end)),
    );
    let action = match &e.open_request {
        Some(open) if open.is_in_effect(now) => view! {
            <p><strong>"Active"</strong>" · "<TimeLeft ends_at=Some(open.ends_at) server_now=now /></p>
        }
        .into_any(),
        Some(open) => view! { <p><strong>{open.state.label()}</strong>" · "<a href="/requests">"My requests"</a></p> }.into_any(),
        None if e.starts_at > now => view! { <p class="hint">{format!("Eligible from {}", format_date(e.starts_at))}</p> }.into_any(),
        None => view! {
            <a class="button" href=format!("/roles/{}/activate", e.role.id) aria-label=format!("Activate {}", e.role.name)>"Activate"</a>
        }
        .into_any(),
    };
    view! {
        <li class="card">
            <h2 class="card-title">{e.role.name.clone()}</h2>
            <TierBadge tier=e.role.tier />
            <p class="hint">{e.role.description.clone()}</p>
            <RequirementBadges requirements=e.requirements.clone() />
            <p class="hint">{until}</p>
            {action}
        </li>
    }
}

#[component]
fn ActiveList(mine: MyRoles, deactivate: ServerAction<Deactivate>) -> impl IntoView {
    if mine.active.is_empty() {
        return view! {
            <p class="empty">"You hold no role right now. Activate one from the Eligible tab when you need it."</p>
        }
        .into_any();
    }
    let now = mine.now;
    view! {
        <ul class="cards">
            {mine.active.into_iter().map(|item| view! { <ActiveCard item now deactivate /> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ActiveCard(
    item: ActiveItem,
    now: Timestamp,
    deactivate: ServerAction<Deactivate>,
) -> impl IntoView {
    let name = item.role.name.clone();
    let Some(activation) = item.activation.clone() else {
        return view! {
            <li class="card">
                <h2 class="card-title">{name}</h2>
                <p>"Assigned active · " <TimeLeft ends_at=item.ends_at server_now=now /></p>
            </li>
        }
        .into_any();
    };
    let too_early = item.deactivate_from.is_some_and(|from| now < from);
    let early_hint = item
        .deactivate_from
        .filter(|_| too_early)
        .map(|from| format!("You can deactivate from {}", format_date(from)));
    let id = activation.id.to_string();
    let hidden_id = id.clone();
    let title = early_hint.clone().unwrap_or_default();
    view! {
        <li class="card">
            <h2 class="card-title">{name.clone()}</h2>
            <p><strong>"Active"</strong>" · "<TimeLeft ends_at=Some(activation.ends_at) server_now=now /></p>
            <p class="hint">{format!("Since {}", format_date(activation.starts_at))}</p>
            <Downstream lines=item.downstream.clone() />
            <ActionForm action=deactivate attr:class="inline">
                <input type="hidden" name="activation_id" value=hidden_id />
                <button type="submit" class="button danger" disabled=too_early title=title aria-label=format!("Deactivate {name}")>"Deactivate"</button>
            </ActionForm>
            {early_hint.map(|h| view! { <p class="hint">{h}</p> })}
            <ExtendForm id max_seconds=item.max_duration_seconds justification_required=item.justification_required />
        </li>
    }
    .into_any()
}

/// Extend: a new duration from now, up to the policy's maximum, with its own step-up.
#[component]
fn ExtendForm(id: String, max_seconds: i64, justification_required: bool) -> impl IntoView {
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let max_minutes = max_seconds / 60;
    let input_id = format!("extend-{id}");
    let why_id = format!("extend-why-{id}");
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = from_submit(&ev);
        let id = id.clone();
        busy.set(true);
        spawn_local(async move {
            let start = start_extension(id.clone(), fields.clone());
            let result = with_step_up(start, |c, a| finish_extension(id, fields, c, a)).await;
            busy.set(false);
            match result {
                Ok(()) => go_to("/roles?tab=active"),
                Err(message) => status.set(Some(message)),
            }
        });
    };
    view! {
        <details>
            <summary>"Extend"</summary>
            <form class="panel" on:submit=on_submit>
                <label for=input_id.clone()>{format!("New duration from now, in minutes (at most {max_minutes})")}</label>
                <input id=input_id name="duration_minutes" type="number" min="5" max=max_minutes.to_string() required />
                <label for=why_id.clone()>"Why do you need longer?"</label>
                <textarea id=why_id name="justification" maxlength="1000" required=justification_required></textarea>
                <button type="submit" class="button secondary" disabled=move || busy.get()>"Extend with passkey"</button>
                <p class="notice error" role="alert" hidden=move || status.get().is_none()>{move || status.get().unwrap_or_default()}</p>
            </form>
        </details>
    }
}

#[component]
fn ExpiredList(mine: MyRoles) -> impl IntoView {
    if mine.expired.is_empty() {
        return view! { <p class="empty">"Nothing ended in the last 90 days."</p> }.into_any();
    }
    view! {
        <table class="list">
            <thead><tr><th>"Role"</th><th>"Started"</th><th>"Ended"</th><th>"How"</th></tr></thead>
            <tbody>
                {mine.expired.into_iter().map(|a: Activation| {
                    let ended = a.ended_at.unwrap_or(a.ends_at);
                    let how = a.end_reason.clone().unwrap_or_else(|| "expired".into()).replace('_', " ");
                    view! {
                        <tr>
                            <td>{a.role_name}</td>
                            <td><DateTime at=a.starts_at /></td>
                            <td><DateTime at=ended /></td>
                            <td>{how}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

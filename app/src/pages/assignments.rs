use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use pim_core::Timestamp;
use pim_core::assignment::{Assignment, AssignmentKind};

use crate::api::assignments::{
    ConvertPermanent, RemoveAssignment, finish_assign, list_assignments, start_assign,
};
use crate::api::fields::from_submit;
use crate::api::roles::list_roles;
use crate::components::badges::TierBadge;
use crate::components::notice::Outcome;
use crate::components::time::format_date;
use crate::components::webauthn::with_step_up;
use crate::pages::LoadError;

/// Settings → Assignments: who is eligible for or holds which role; add, remove, convert.
#[component]
pub fn AssignmentsPage() -> impl IntoView {
    let query = use_query_map();
    let role_filter = move || query.read().get("role").unwrap_or_default();
    let kind_filter = move || query.read().get("kind").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0)
    };
    let added = RwSignal::new(0u32);
    let remove = ServerAction::<RemoveAssignment>::new();
    let convert = ServerAction::<ConvertPermanent>::new();
    let list = crate::codec::resource(
        move || {
            (
                role_filter(),
                kind_filter(),
                page(),
                added.get(),
                remove.version().get(),
                convert.version().get(),
            )
        },
        |(role, kind, page, ..)| list_assignments(role, kind, page),
    );
    let roles = crate::codec::resource(|| (), |_| list_roles());
    view! {
        <Title text="Assignments · Stint" />
        <h1>"Assignments"</h1>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let roles = roles.await.unwrap_or_default();
                let role_options = roles.iter().map(|r| (r.info.id.to_string(), r.info.name.clone())).collect::<Vec<_>>();
                let filter_options = role_options.clone();
                view! {
                    <form method="get" class="search" role="search">
                        <label for="role-filter">"Show role"</label>
                        <select id="role-filter" name="role">
                            <option value="">"All roles"</option>
                            {filter_options.into_iter().map(|(id, name)| view! { <option value=id.clone() selected=role_filter() == id>{name}</option> }).collect_view()}
                        </select>
                        <label for="kind-filter">"Show type"</label>
                        <select id="kind-filter" name="kind">
                            <option value="">"Eligible and active"</option>
                            <option value="eligible" selected=kind_filter() == "eligible">"Eligible"</option>
                            <option value="active" selected=kind_filter() == "active">"Active"</option>
                        </select>
                        <button type="submit" class="button secondary">"Filter"</button>
                    </form>
                    <AddAssignment role_options added />
                }
            })}
        </Transition>
        {move || remove.value().get().and_then(Result::err).map(|e| view! { <p class="notice error" role="alert">{e.message}</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(view) if view.assignments.is_empty() => view! { <p class="empty">"No assignments match. Add one above."</p> }.into_any(),
                    Ok(view) => {
                        let p = page();
                        let more = view.has_more;
                        let (r, k) = (role_filter(), kind_filter());
                        let (now, rows) = (view.now, view.assignments);
                        view! {
                            <table class="list">
                                <thead><tr><th>"Person"</th><th>"Role"</th><th>"Type"</th><th>"Ends"</th><th>"Justification"</th><th>"Change"</th></tr></thead>
                                <tbody>
                                    // Keyed: a removal's typed reason must not move to the next row.
                                    <For each=move || rows.clone() key=|a| a.id children=move |a| view! { <AssignmentRow a now remove /> } />
                                </tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                <Show when=move || { p > 0 }><a href=format!("?role={r}&kind={k}&page={}", p - 1)>"Previous"</a></Show>
                                <Show when=move || more><a href=format!("?role={}&kind={}&page={}", role_filter(), kind_filter(), p + 1)>"Next"</a></Show>
                            </nav>
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <h2>"Standing access"</h2>
        <ActionForm action=convert attr:class="panel">
            <p>"Turn every permanent active assignment (outside break-glass accounts) into an eligibility for the role's maximum eligible duration. People then activate the role just in time."</p>
            <button type="submit" class="button secondary">"Convert permanent active to eligible"</button>
        </ActionForm>
        {move || convert.value().get().map(|r| match r {
            Ok(n) => view! { <p class="notice success" role="status">{format!("{n} assignment(s) converted.")}</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
    }
}

#[component]
fn AssignmentRow(
    a: Assignment,
    now: Timestamp,
    remove: ServerAction<RemoveAssignment>,
) -> impl IntoView {
    let kind = match a.kind {
        AssignmentKind::Eligible => "Eligible",
        AssignmentKind::Active => "Active",
    };
    let ends = a
        .ends_at
        .map_or_else(|| "permanent".to_owned(), format_date);
    let starts_later = (a.starts_at > now).then(|| format!(" (from {})", format_date(a.starts_at)));
    let reason_id = format!("reason-{}", a.id);
    view! {
        <tr>
            <td>{a.user_name.clone()}<br /><span class="hint">{a.user_email.clone()}</span></td>
            <td>{a.role_name.clone()}" "<TierBadge tier=a.tier /></td>
            <td>{kind}{starts_later}</td>
            <td>{ends}</td>
            <td class="text">{a.justification.clone()}</td>
            <td>
                <a class="button secondary" href=format!("/settings/assignments/{}/extend", a.id)
                    aria-label=format!("Extend {}'s {} assignment", a.user_name, a.role_name)>"Extend"</a>
                <ActionForm action=remove attr:class="inline">
                    <input type="hidden" name="assignment_id" value=a.id.to_string() />
                    <label class="sr-only" for=reason_id.clone()>{format!("Reason for removing {} from {}", a.user_name, a.role_name)}</label>
                    <input id=reason_id name="reason" required minlength="3" maxlength="500" placeholder="Reason" />
                    <button type="submit" class="button danger" title="Ends any activation of it now and cancels pending requests">"Remove"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
fn AddAssignment(role_options: Vec<(String, String)>, added: RwSignal<u32>) -> impl IntoView {
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let permanent = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = from_submit(&ev);
        busy.set(true);
        spawn_local(async move {
            let start = start_assign(fields.clone());
            let result = with_step_up(start, |c, a| finish_assign(fields, c, a)).await;
            busy.set(false);
            match result {
                Ok(message) => {
                    status.set(Some(Ok(message)));
                    added.update(|n| *n += 1);
                }
                Err(message) => status.set(Some(Err(message))),
            }
        });
    };
    view! {
        <details open>
            <summary>"Add an assignment"</summary>
            <form class="panel" on:submit=on_submit>
                <label for="assign-email">"Person (e-mail)"</label>
                <input id="assign-email" name="user_email" type="email" required maxlength="254" />
                <label for="assign-role">"Role"</label>
                <select id="assign-role" name="role_id" required>
                    {role_options.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
                <label for="assign-kind">"Type"</label>
                <select id="assign-kind" name="kind">
                    <option value="eligible" selected>"Eligible (activates just in time)"</option>
                    <option value="active">"Active (holds the role for the whole period)"</option>
                </select>
                <label class="check"><input type="checkbox" name="permanent" bind:checked=permanent />" Permanent (only where the role's policy allows it)"</label>
                <Show when=move || !permanent.get()>
                    <label for="assign-end">"Last day (UTC)"</label>
                    <input id="assign-end" name="end_date" type="date" required />
                </Show>
                <label for="assign-why">"Justification"</label>
                <textarea id="assign-why" name="justification" maxlength="1000" placeholder="Why does this person need the role?"></textarea>
                <button type="submit" class="button" disabled=move || busy.get()>"Assign"</button>
                <Outcome status />
            </form>
        </details>
    }
}

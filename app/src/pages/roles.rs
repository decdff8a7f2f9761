use leptos::prelude::*;
use leptos_meta::Title;
use pim_core::time::humanize_seconds;

use crate::api::roles::{CreateRole, list_roles};
use crate::components::badges::TierBadge;
use crate::pages::LoadError;

/// Settings → Roles: every role with its key policy settings, and new custom roles.
#[component]
pub fn RolesPage() -> impl IntoView {
    let create = ServerAction::<CreateRole>::new();
    let roles = crate::codec::resource(move || create.version().get(), |_| list_roles());
    view! {
        <Title text="Roles · Stint" />
        <h1>"Roles"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match roles.await {
                    Ok(list) => view! {
                        <table class="list">
                            <thead><tr><th>"Role"</th><th>"Tier"</th><th>"Step-up"</th><th>"Approval"</th><th>"Max duration"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|r| view! {
                                    <tr>
                                        <td><a href=format!("/settings/roles/{}", r.info.id)>{r.info.name}</a>{(!r.info.builtin).then_some(" (custom)")}</td>
                                        <td><TierBadge tier=r.info.tier /></td>
                                        <td>{if r.step_up { "required" } else { "off" }}</td>
                                        <td>{if r.approval { "required" } else { "off" }}</td>
                                        <td>{humanize_seconds(r.max_duration_seconds)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <h2>"Create a custom role"</h2>
        <ActionForm action=create attr:class="panel">
            <label for="role-name">"Name"</label>
            <input id="role-name" name="name" required minlength="2" maxlength="80" placeholder="e.g. Database Administrator" />
            <label for="role-description">"Description"</label>
            <textarea id="role-description" name="description" maxlength="500"></textarea>
            <label for="role-tier">"Tier"</label>
            <select id="role-tier" name="tier">
                <option value="0">"0 · critical (approval on by default)"</option>
                <option value="1" selected>"1"</option>
                <option value="2">"2"</option>
            </select>
            <button type="submit" class="button">"Create role"</button>
        </ActionForm>
        {move || create.value().get().map(|result| match result {
            Ok(id) => view! { <p class="notice success" role="status">"Role created. "<a href=format!("/settings/roles/{id}")>"Review its policy"</a></p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
    }
}

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::users::{CreateUser, list_users};
use crate::pages::LoadError;

/// Settings → Users: search, page through, create and invite.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0)
    };
    let create = ServerAction::<CreateUser>::new();
    let users = crate::codec::resource(
        move || (search(), page(), create.version().get()),
        |(search, page, _)| list_users(search, page),
    );
    view! {
        <Title text="Users · Stint" />
        <h1>"Users"</h1>
        <form method="get" class="search" role="search">
            <label for="q">"Search by name or e-mail"</label>
            <input id="q" name="q" type="search" value=search />
            <button type="submit" class="button secondary">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) if list.users.is_empty() => view! {
                        <p class="empty">"No users match. Create one below and send them their enrollment link."</p>
                    }.into_any(),
                    Ok(list) => {
                        let (q, p) = (search(), page());
                        view! {
                            <table class="list">
                                <thead><tr><th>"Name"</th><th>"E-mail"</th><th>"Status"</th></tr></thead>
                                <tbody>
                                    {list.users.into_iter().map(|u| view! {
                                        <tr>
                                            <td><a href=format!("/settings/users/{}", u.id)>{u.display_name}</a></td>
                                            <td>{u.email}</td>
                                            <td>{u.status.code()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                <Show when=move || { p > 0 }>
                                    <a href=format!("?q={}&page={}", q.clone(), p - 1)>"Previous"</a>
                                </Show>
                                <Show when=move || list.has_more>
                                    <a href=format!("?q={}&page={}", search(), p + 1)>"Next"</a>
                                </Show>
                            </nav>
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <h2>"Create a user"</h2>
        <ActionForm action=create attr:class="panel">
            <label for="display_name">"Display name"</label>
            <input id="display_name" name="display_name" required maxlength="100" />
            <label for="new-email">"E-mail"</label>
            <input id="new-email" name="email" type="email" required maxlength="254" />
            <label for="manager_email">"Manager's e-mail (optional)"</label>
            <input id="manager_email" name="manager_email" type="email" maxlength="254" />
            <button type="submit" class="button">"Create and invite"</button>
        </ActionForm>
        {move || create.value().get().map(|result| match result {
            Ok(invite) => view! { <Invitation name=invite.display_name url=invite.enrollment_url /> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
    }
}

/// A freshly created enrollment link, shown once.
#[component]
pub fn Invitation(name: String, url: String) -> impl IntoView {
    view! {
        <div class="notice success" role="status">
            <p>"Send this one-time enrollment link to " <strong>{name}</strong> ". It works once, for 24 hours, and is not shown again:"</p>
            <p><code class="invite-link">{url}</code></p>
        </div>
    }
}

//! Settings → API tokens: create a token scoped to roles (shown once), see when each was last
//! used, revoke it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use pim_core::Timestamp;
use pim_core::api_token::{ApiToken, TokenScope};

use crate::api::api_tokens::{ApiTokensView, RevokeApiToken, create_api_token, load_api_tokens};
use crate::api::fields::from_submit;
use crate::components::time::format_date;
use crate::pages::LoadError;

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let revoke = ServerAction::<RevokeApiToken>::new();
    let created = RwSignal::new(None::<Result<String, String>>);
    // Counts tokens created here, so the list reloads after each.
    let made = RwSignal::new(0u32);
    let data = crate::codec::resource(
        move || (revoke.version().get(), made.get()),
        |_| load_api_tokens(),
    );
    view! {
        <Title text="API tokens · Settings · Stint" />
        <h1>"API tokens"</h1>
        <p class="hint">
            "Applications ask Stint whether a person holds a role now: "
            <code>"GET /api/v1/users/{email}/active-roles"</code>" and "
            <code>"GET /api/v1/users/{email}/roles/{role id}"</code>
            ", with "<code>"Authorization: Bearer <token>"</code>"."
        </p>
        {move || revoke.value().get().map(|r| match r {
            Ok(()) => view! { <p class="notice success" role="status">"Token revoked: it is refused from now on."</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <NewToken created />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <Tokens v revoke created made /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The token just created, shown once.
#[component]
fn NewToken(created: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    move || {
        created.get().map(|r| match r {
            Ok(token) => view! {
                <div class="notice success" role="status">
                    <p>"Token created. Copy it now: Stint keeps only its hash and cannot show it again."</p>
                    <p><code class="new-token">{token}</code></p>
                </div>
            }
            .into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
        })
    }
}

#[component]
fn Tokens(
    v: ApiTokensView,
    revoke: ServerAction<RevokeApiToken>,
    created: RwSignal<Option<Result<String, String>>>,
    made: RwSignal<u32>,
) -> impl IntoView {
    let roles = v.roles.clone();
    let can_manage = v.can_manage;
    view! {
        {if v.tokens.is_empty() {
            view! { <p class="empty">"No token yet."</p> }.into_any()
        } else {
            view! {
                <table class="list">
                    <thead><tr><th>"Name"</th><th>"May ask about"</th><th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th>"State"</th><th>"Actions"</th></tr></thead>
                    <tbody>
                        {v.tokens.into_iter().map(|t| view! { <TokenRow t roles=roles.clone() now=v.now can_manage revoke /> }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {can_manage.then(|| view! { <TokenForm roles=v.roles created made /> })}
    }
}

#[component]
fn TokenRow(
    t: ApiToken,
    roles: Vec<(String, String)>,
    now: Timestamp,
    can_manage: bool,
    revoke: ServerAction<RevokeApiToken>,
) -> impl IntoView {
    let scope = match &t.scope {
        TokenScope::AllRoles => "every role".to_owned(),
        TokenScope::Roles(ids) => ids
            .iter()
            .map(|id| {
                let id = id.to_string();
                roles
                    .iter()
                    .find(|(r, _)| *r == id)
                    .map_or(id.clone(), |(_, name)| name.clone())
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    let state = if t.revoked_at.is_some() {
        "revoked"
    } else if t.is_usable(now) {
        "active"
    } else {
        "expired"
    };
    let usable = t.is_usable(now);
    let (id, label) = (t.id.to_string(), format!("Revoke {}", t.name));
    view! {
        <tr>
            <td>{t.name.clone()}</td>
            <td>{scope}</td>
            <td>{format!("{}, {}", t.created_by, format_date(t.created_at))}</td>
            <td>{format_date(t.expires_at)}</td>
            <td>{t.last_used_at.map_or_else(|| "never".to_owned(), format_date)}</td>
            <td><span class="badge">{state}</span></td>
            <td>{(can_manage && usable).then(|| view! {
                <ActionForm action=revoke attr:class="inline">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button danger" aria-label=label>"Revoke"</button>
                </ActionForm>
            })}</td>
        </tr>
    }
}

#[component]
fn TokenForm(
    roles: Vec<(String, String)>,
    created: RwSignal<Option<Result<String, String>>>,
    made: RwSignal<u32>,
) -> impl IntoView {
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = from_submit(&ev);
        spawn_local(async move {
            let result = create_api_token(fields).await.map_err(|e| e.message);
            if result.is_ok() {
                made.update(|n| *n += 1);
            }
            created.set(Some(result));
        });
    };
    view! {
        <h2>"New token"</h2>
        <form class="panel form" on:submit=on_submit>
            <label>"Name "<input name="name" required minlength="2" maxlength="80" placeholder="e.g. Orders service" /></label>
            <label>"Valid for (days) "<input name="days" type="number" min="1" max="365" value="90" required /></label>
            <fieldset>
                <legend>"May ask about (none ticked: every role)"</legend>
                {roles.into_iter().map(|(id, name)| view! {
                    <label class="check"><input type="checkbox" name="role" value=id />" "{name}</label>
                }).collect_view()}
            </fieldset>
            <button type="submit" class="button">"Create token"</button>
        </form>
    }
}

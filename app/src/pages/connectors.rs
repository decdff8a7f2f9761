//! Settings → Connectors: what an activation changes downstream. Each connector grants a
//! PostgreSQL role to the person's login while their activation lasts; the page shows the
//! grants and revokes still waiting and the members Stint did not grant.

use leptos::prelude::*;
use leptos_meta::Title;
use pim_core::connector::DriftFinding;

use crate::api::connectors::{
    ConnectorView, ConnectorsView, CreateConnector, MapConnectorLogin, RemoveConnector,
    RetryProvisioning, WaitingJobView, load_connectors,
};
use crate::components::time::{DateTime, format_date};
use crate::pages::LoadError;

#[component]
pub fn ConnectorsPage() -> impl IntoView {
    let create = ServerAction::<CreateConnector>::new();
    let remove = ServerAction::<RemoveConnector>::new();
    let map = ServerAction::<MapConnectorLogin>::new();
    let retry = ServerAction::<RetryProvisioning>::new();
    let data = crate::codec::resource(
        move || {
            (
                create.version().get(),
                remove.version().get(),
                map.version().get(),
                retry.version().get(),
            )
        },
        |_| load_connectors(),
    );
    view! {
        <Title text="Connectors · Settings · Stint" />
        <h1>"Connectors"</h1>
        <p class="hint">
            "An activation of a connected role grants its database role to the person's login within seconds, "
            "and the end of the activation revokes it. Stint also looks every few minutes for members it did not grant."
        </p>
        <ActionOutcome remove map retry />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <Connectors v remove map create retry /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ActionOutcome(
    remove: ServerAction<RemoveConnector>,
    map: ServerAction<MapConnectorLogin>,
    retry: ServerAction<RetryProvisioning>,
) -> impl IntoView {
    let shown = move |result: Option<Result<(), crate::error::AppError>>, done: &'static str| {
        result.map(|r| match r {
            Ok(()) => view! { <p class="notice success" role="status">{done}</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })
    };
    view! {
        {move || shown(remove.value().get(), "Connector removed: no new grants; revokes already queued still run.")}
        {move || shown(map.value().get(), "Login saved; it applies to the next grant.")}
        {move || shown(retry.value().get(), "Retrying now.")}
    }
}

#[component]
fn Connectors(
    v: ConnectorsView,
    remove: ServerAction<RemoveConnector>,
    map: ServerAction<MapConnectorLogin>,
    create: ServerAction<CreateConnector>,
    retry: ServerAction<RetryProvisioning>,
) -> impl IntoView {
    let can_manage = v.can_manage;
    view! {
        <Drift drift=v.drift />
        {if v.connectors.is_empty() {
            view! { <p class="empty">"No connector yet: activations change nothing outside Stint."</p> }.into_any()
        } else {
            v.connectors
                .into_iter()
                .map(|c| view! { <ConnectorPanel c can_manage remove map /> })
                .collect_view()
                .into_any()
        }}
        <Waiting jobs=v.waiting can_manage retry />
        {can_manage.then(|| view! { <NewConnector roles=v.roles create /> })}
    }
}

#[component]
fn Drift(drift: Vec<DriftFinding>) -> impl IntoView {
    (!drift.is_empty()).then(|| {
        view! {
            <section class="notice error" aria-label="Assigned outside Stint">
                <h2>"Assigned outside Stint"</h2>
                <p>"These logins hold a connected database role that no activation accounts for. Remove them downstream, or make the people eligible in Stint."</p>
                <ul>
                    {drift.into_iter().map(|d| view! {
                        <li>{format!("{} holds {} ({}) since {}", d.member, d.role, d.connector, format_date(d.first_seen_at))}</li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn ConnectorPanel(
    c: ConnectorView,
    can_manage: bool,
    remove: ServerAction<RemoveConnector>,
    map: ServerAction<MapConnectorLogin>,
) -> impl IntoView {
    let state = if c.enabled { "On" } else { "Removed" };
    let checked = match (&c.drift_error, c.drift_checked_at) {
        (Some(error), _) => format!("last drift check failed: {error}"),
        (None, Some(at)) => format!("members last checked {}", format_date(at)),
        (None, None) => "members not checked yet".to_owned(),
    };
    let manage = can_manage && c.enabled;
    let webhook = c.kind == "webhook";
    let (id, map_id) = (c.id.clone(), c.id.clone());
    view! {
        <section class="panel" aria-label=c.name.clone()>
            <h2>{c.name.clone()}" "<span class="badge">{state}</span></h2>
            {if webhook {
                view! {
                    <p>
                        "Activating "<strong>{c.role.clone()}</strong>" sends signed role.granted and role.revoked events to "
                        <code>{c.target.clone()}</code>"."
                    </p>
                }.into_any()
            } else {
                view! {
                    <p>
                        "Activating "<strong>{c.role.clone()}</strong>" grants the PostgreSQL role "
                        <code>{c.target.clone()}</code>" to the person's login. "
                        <small>{checked}</small>
                    </p>
                }.into_any()
            }}
            {if c.logins.is_empty() {
                view! { <p class="hint">"Logins: everyone's is the part of their e-mail address before the @."</p> }.into_any()
            } else {
                view! {
                    <table class="list">
                        <caption>"Logins that differ from the e-mail address"</caption>
                        <thead><tr><th>"Person"</th><th>"Login"</th></tr></thead>
                        <tbody>
                            {c.logins.into_iter().map(|(email, login)| view! {
                                <tr><td>{email}</td><td><code>{login}</code></td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {manage.then(|| view! {
                <ActionForm action=map attr:class="form inline">
                    <input type="hidden" name="id" value=map_id />
                    <label>"E-mail "<input name="email" type="email" required /></label>
                    <label>"Login "<input name="login" placeholder="empty: the e-mail's local part" /></label>
                    <button type="submit" class="button secondary">"Save login"</button>
                </ActionForm>
                <ActionForm action=remove attr:class="inline">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button danger">"Remove connector"</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn Waiting(
    jobs: Vec<WaitingJobView>,
    can_manage: bool,
    retry: ServerAction<RetryProvisioning>,
) -> impl IntoView {
    view! {
        <h2>"Waiting downstream"</h2>
        {if jobs.is_empty() {
            view! { <p class="empty">"Every grant and revoke is done."</p> }.into_any()
        } else {
            view! {
                <table class="list">
                    <thead><tr><th>"Queued"</th><th>"Connector"</th><th>"Person"</th><th>"Action"</th><th>"Attempts"</th><th>"Last error"</th><th>"Actions"</th></tr></thead>
                    <tbody>
                        {jobs.into_iter().map(|j| {
                            let label = format!("Retry {} for {}", j.action, j.email);
                            view! {
                            <tr>
                                <td><DateTime at=j.queued_at /></td>
                                <td>{j.connector}</td>
                                <td>{j.email}</td>
                                <td>{j.action}</td>
                                <td>{j.attempts}{j.dead.then_some(" (given up)")}</td>
                                <td class="text">{j.last_error.clone().unwrap_or_default()}</td>
                                <td>{(can_manage && (j.dead || j.last_error.is_some())).then(|| view! {
                                    <ActionForm action=retry attr:class="inline">
                                        <input type="hidden" name="seq" value=j.seq.to_string() />
                                        <button type="submit" class="button secondary" aria-label=label>"Retry now"</button>
                                    </ActionForm>
                                })}</td>
                            </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

#[component]
fn NewConnector(
    roles: Vec<(String, String)>,
    create: ServerAction<CreateConnector>,
) -> impl IntoView {
    let kind = RwSignal::new("postgres".to_owned());
    let is_webhook = move || kind.get() == "webhook";
    view! {
        <h2>"Add a connector"</h2>
        {move || create.value().get().map(|r| match r {
            Ok(_) => view! { <p class="notice success" role="status">"Connector saved."</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <ActionForm action=create attr:class="panel form">
            <label>"Name "<input name="name" required minlength="2" maxlength="80" placeholder="e.g. Orders database" /></label>
            <label>"Stint role "
                <select name="role_id" required>
                    {roles.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
            </label>
            <label>"Kind "
                <select name="kind" on:change:target=move |ev| kind.set(ev.target().value())>
                    <option value="postgres" selected>"PostgreSQL role"</option>
                    <option value="webhook">"Signed webhook"</option>
                </select>
            </label>
            <div class="fields" hidden=is_webhook>
                <label>"PostgreSQL role to grant "<input name="target" maxlength="63" placeholder="e.g. orders_admin" /></label>
                <label>"Connection URL "
                    <input name="database_url" type="password" autocomplete="off" placeholder="postgres://stint:password@db.internal/orders" />
                </label>
                <p class="hint">"Stint's login needs the role WITH ADMIN OPTION (or CREATEROLE). Stint checks the database answers before saving."</p>
            </div>
            <div class="fields" hidden=move || !is_webhook()>
                <label>"Receiver URL "<input name="webhook_url" type="url" placeholder="https://" /></label>
                <label>"Signing secret (16 characters or more) "<input name="webhook_secret" type="password" autocomplete="off" /></label>
                <p class="hint">"Each grant and revoke is POSTed as role.granted or role.revoked, signed in Stint-Signature, with the activation id and event as Idempotency-Key; it is retried for about 80 minutes, then listed here for a retry."</p>
            </div>
            <p class="hint">"The URL and secrets are stored sealed and never shown again."</p>
            <button type="submit" class="button">"Save connector"</button>
        </ActionForm>
    }
}

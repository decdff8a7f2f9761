//! Settings → Notifications: where Stint sends messages, a test button per channel, and the
//! messages it could not deliver.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use crate::api::fields::from_submit;
use crate::api::notifications::{
    ChannelView, NotificationSettingsView, OutboxView, SendTest, SetChannelEnabled, create_channel,
    load_notification_settings,
};
use crate::components::notice::Outcome;
use crate::components::time::DateTime;
use crate::pages::LoadError;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let test = ServerAction::<SendTest>::new();
    let toggle = ServerAction::<SetChannelEnabled>::new();
    let created = RwSignal::new(0u32);
    // Lives above the form, which is rebuilt when the channel list reloads.
    let status = RwSignal::new(None::<Result<String, String>>);
    let data = crate::codec::resource(
        move || (test.version().get(), toggle.version().get(), created.get()),
        |_| load_notification_settings(),
    );
    view! {
        <Title text="Notifications · Stint" />
        <h1>"Notifications"</h1>
        <p class="hint">"Approvers, requesters and your channels hear of requests, decisions and expiries. Messages link into Stint; nobody can approve from a message."</p>
        {move || test.value().get().map(|r| match r {
            Ok(()) => view! { <p class="notice success" role="status">"Test message queued; it is sent within seconds."</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <Settings view test toggle created status /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Settings(
    view: NotificationSettingsView,
    test: ServerAction<SendTest>,
    toggle: ServerAction<SetChannelEnabled>,
    created: RwSignal<u32>,
    status: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let can_manage = view.can_manage;
    view! {
        <h2>"Channels"</h2>
        {if view.channels.is_empty() {
            view! { <p class="empty">"No channel yet: nobody is notified. Add an SMTP relay for e-mail to approvers and requesters, and a chat or webhook channel for your team."</p> }.into_any()
        } else {
            view! { <ChannelTable channels=view.channels can_manage test toggle /> }.into_any()
        }}
        {can_manage.then(|| view! { <NewChannelForm created status /> })}
        <h2>"Not delivered"</h2>
        <OutboxTable items=view.failed empty="Every message was delivered." />
        <h2>"Waiting to be sent"</h2>
        <OutboxTable items=view.pending empty="Nothing is waiting." />
    }
}

#[component]
fn ChannelTable(
    channels: Vec<ChannelView>,
    can_manage: bool,
    test: ServerAction<SendTest>,
    toggle: ServerAction<SetChannelEnabled>,
) -> impl IntoView {
    view! {
        <table class="list">
            <thead><tr><th>"Name"</th><th>"Kind"</th><th>"Target"</th><th>"State"</th><th>"Actions"</th></tr></thead>
            <tbody>
                {channels.into_iter().map(|c| {
                    let (id, enabled) = (c.id.clone(), c.enabled);
                    let test_label = format!("Send test to {}", c.name);
                    let toggle_id = id.clone();
                    view! {
                        <tr>
                            <td>{c.name.clone()}</td>
                            <td>{c.kind.clone()}</td>
                            <td class="text">{c.target.clone()}</td>
                            <td>{if enabled { "on" } else { "off" }}</td>
                            <td>{can_manage.then(move || view! {
                                <ActionForm action=test attr:class="inline">
                                    <input type="hidden" name="id" value=id />
                                    <button type="submit" class="button secondary" aria-label=test_label>"Send test"</button>
                                </ActionForm>
                                <ActionForm action=toggle attr:class="inline">
                                    <input type="hidden" name="id" value=toggle_id />
                                    <input type="hidden" name="enabled" value=(!enabled).to_string() />
                                    <button type="submit" class="button secondary">{if enabled { "Turn off" } else { "Turn on" }}</button>
                                </ActionForm>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn OutboxTable(items: Vec<OutboxView>, empty: &'static str) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <table class="list">
            <thead><tr><th>"Queued"</th><th>"Event"</th><th>"Channel"</th><th>"Recipient"</th><th>"Attempts"</th><th>"Last error"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|i| view! {
                    <tr>
                        <td><DateTime at=i.created_at /></td>
                        <td>{i.event}</td>
                        <td>{i.channel}</td>
                        <td>{i.recipient}</td>
                        <td>{i.attempts}</td>
                        <td class="text">{i.last_error.unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn NewChannelForm(
    created: RwSignal<u32>,
    status: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let kind = RwSignal::new("webhook".to_owned());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = from_submit(&ev);
        spawn_local(async move {
            match create_channel(fields).await {
                Ok(_) => {
                    status.set(Some(Ok("Channel added. Send a test to check it.".into())));
                    created.update(|n| *n += 1);
                }
                Err(e) => status.set(Some(Err(e.message))),
            }
        });
    };
    let is_email = move || kind.get() == "email";
    view! {
        <h2>"Add a channel"</h2>
        <form class="panel" on:submit=on_submit>
            <label for="channel-kind">"Kind"</label>
            <select id="channel-kind" name="kind" on:change:target=move |ev| kind.set(ev.target().value())>
                <option value="webhook" selected>"Webhook (signed with HMAC-SHA256)"</option>
                <option value="slack">"Slack incoming webhook"</option>
                <option value="teams">"Microsoft Teams incoming webhook"</option>
                <option value="email">"E-mail (SMTP relay)"</option>
            </select>
            <label for="channel-name">"Name"</label>
            <input id="channel-name" name="name" required minlength="2" maxlength="80" />
            <div class="fields" hidden=is_email>
                <label for="channel-url">"URL"</label>
                <input id="channel-url" name="url" type="url" placeholder="https://" />
                <label for="channel-secret">"Signing secret (webhooks, 16 characters or more)"</label>
                <input id="channel-secret" name="secret" type="password" autocomplete="off" />
            </div>
            <div class="fields" hidden=move || !is_email()>
                <label for="smtp-host">"SMTP host"</label>
                <input id="smtp-host" name="host" />
                <label for="smtp-port">"Port"</label>
                <input id="smtp-port" name="port" type="number" min="1" max="65535" value="587" />
                <label for="smtp-security">"Security"</label>
                <select id="smtp-security" name="security">
                    <option value="starttls" selected>"STARTTLS (required before sending)"</option>
                    <option value="plain">"None (a relay on this host or network only)"</option>
                </select>
                <label for="smtp-username">"Username (optional)"</label>
                <input id="smtp-username" name="username" autocomplete="off" />
                <label for="smtp-password">"Password"</label>
                <input id="smtp-password" name="password" type="password" autocomplete="off" />
                <label for="smtp-from">"Sender address"</label>
                <input id="smtp-from" name="from" type="email" placeholder="stint@example.org" />
            </div>
            <button type="submit" class="button">"Add channel"</button>
            <Outcome status />
        </form>
    }
}

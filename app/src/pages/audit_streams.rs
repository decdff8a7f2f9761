//! Audit → Streaming: each SIEM receiver the server streams the audit log to, how far it got
//! and, while it fails, why.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::audit::{AuditStreamView, audit_streams};
use crate::components::time::DateTime;
use crate::pages::LoadError;

#[component]
pub fn AuditStreamsPage() -> impl IntoView {
    let streams = crate::codec::resource(|| (), |()| audit_streams());
    view! {
        <Title text="Streaming · Audit · Stint" />
        <h1>"Streaming to SIEMs"</h1>
        <p class="hint">
            "Every audit event goes to each receiver at least once and in order, with its sequence \
             number and hash; after a restart or an outage a stream resumes after the last event \
             its receiver accepted. Receivers are set in the server's configuration \
             (STINT_AUDIT_SYSLOG, STINT_AUDIT_HTTP_URL)."
        </p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match streams.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty">"No stream is configured: the audit log stays in Stint's database."</p>
                    }.into_any(),
                    Ok(list) => view! { <StreamTable streams=list /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StreamTable(streams: Vec<AuditStreamView>) -> impl IntoView {
    view! {
        <table class="streams">
            <thead>
                <tr>
                    <th scope="col">"Receiver"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Delivered up to"</th>
                    <th scope="col">"Behind"</th>
                    <th scope="col">"Last delivery"</th>
                </tr>
            </thead>
            <tbody>
                {streams.into_iter().map(|s| view! {
                    <tr class=if s.failing_since.is_some() { "failing" } else { "healthy" }>
                        <td>{s.target}</td>
                        <td><Status failing_since=s.failing_since last_error=s.last_error behind=s.behind /></td>
                        <td>{format!("event {}", s.delivered_seq)}</td>
                        <td>{format!("{} event(s)", s.behind)}</td>
                        <td>{s.delivered_at.map_or_else(
                            || view! { "never" }.into_any(),
                            |at| view! { <DateTime at /> }.into_any(),
                        )}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Status(
    failing_since: Option<pim_core::Timestamp>,
    last_error: Option<String>,
    behind: i64,
) -> impl IntoView {
    match failing_since {
        Some(since) => view! {
            <span class="badge failing">"Failing"</span>" since "<DateTime at=since />
            <p class="error-text">{last_error.unwrap_or_default()}</p>
        }
        .into_any(),
        None if behind == 0 => view! { <span class="badge ok">"Up to date"</span> }.into_any(),
        None => view! { <span class="badge">"Delivering"</span> }.into_any(),
    }
}

use leptos::prelude::*;
use leptos_meta::Title;
use pim_core::activation::Activation;
use pim_core::time::humanize_seconds;

use crate::api::my_roles::{CancelRequest, my_requests};
use crate::components::time::DateTime;
use crate::pages::LoadError;

/// My requests: what waits (cancel) and what became of the rest, last 90 days.
#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let cancel = ServerAction::<CancelRequest>::new();
    let requests = crate::codec::resource(move || cancel.version().get(), |_| my_requests());
    view! {
        <Title text="My requests · Stint" />
        <h1>"My requests"</h1>
        {move || cancel.value().get().and_then(Result::err).map(|e| view! {
            <p class="notice error" role="alert">{e.message}</p>
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Ok(view) => {
                        let (open, done): (Vec<_>, Vec<_>) = view.requests.into_iter().partition(|r| r.state.is_open());
                        view! {
                            <h2>"Waiting"</h2>
                            {if open.is_empty() {
                                view! { <p class="empty">"Nothing is waiting. Requests that need approval or start later appear here."</p> }.into_any()
                            } else {
                                view! { <RequestTable rows=open cancel=Some(cancel) /> }.into_any()
                            }}
                            <h2>"History"</h2>
                            {if done.is_empty() {
                                view! { <p class="empty">"No requests in the last 90 days."</p> }.into_any()
                            } else {
                                view! { <RequestTable rows=done cancel=None /> }.into_any()
                            }}
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RequestTable(
    rows: Vec<Activation>,
    cancel: Option<ServerAction<CancelRequest>>,
) -> impl IntoView {
    view! {
        <table class="list">
            <thead><tr><th>"Role"</th><th>"Requested"</th><th>"Start"</th><th>"Duration"</th><th>"State"</th><th>"Justification"</th><th>"Actions"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let id = r.id.to_string();
                    view! {
                        <tr>
                            <td><a href=format!("/approvals/{id}") title="Details and decisions">{r.role_name.clone()}</a></td>
                            <td><DateTime at=r.requested_at /></td>
                            <td><DateTime at=r.starts_at /></td>
                            <td>{humanize_seconds(r.starts_at.seconds_until(r.ends_at))}</td>
                            <td>{r.state.label()}</td>
                            <td class="text">{r.justification.clone()}</td>
                            <td>{cancel.map(|action| view! {
                                <ActionForm action attr:class="inline">
                                    <input type="hidden" name="activation_id" value=id.clone() />
                                    <button type="submit" class="button danger">"Cancel"</button>
                                </ActionForm>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

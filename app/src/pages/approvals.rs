//! Approvals: the requests waiting for my decision, one request in full, and my decisions.
//! Every decision is a passkey step-up bound to that request, so deciding needs JavaScript;
//! the lists read fine without it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use pim_core::activation::Activation;
use pim_core::approval::{ApprovalItem, Decision, RiskSignals, Verdict};
use pim_core::change::PendingChange;
use pim_core::role::Tier;
use pim_core::time::humanize_seconds;
use pim_core::{Timestamp, UserId};

use crate::api::approvals::{
    cancel_change, finish_change_decision, finish_decision, load_approval, load_approvals,
    revoke_activation, start_change_decision, start_decision,
};
use crate::components::badges::TierBadge;
use crate::components::downstream::Downstream;
use crate::components::notice::Outcome;
use crate::components::time::{DateTime, TimeLeft};
use crate::components::webauthn::{go_to, with_step_up};
use crate::pages::LoadError;

/// One decision, start to finish: check, passkey, record. Returns what became of the request.
async fn decide(id: String, verdict: Verdict, reason: String) -> Result<String, String> {
    let code = verdict.code().to_owned();
    let start = start_decision(id.clone(), code.clone(), reason.clone());
    with_step_up(start, |c, a| finish_decision(id, code, reason, c, a)).await
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let query = use_query_map();
    let history = move || query.read().get("tab").as_deref() == Some("history");
    let data = crate::codec::resource(|| (), |_| load_approvals());
    view! {
        <Title text="Approvals · Stint" />
        <h1>"Approvals"</h1>
        <nav class="tabs" role="tablist" aria-label="Approvals">
            <a href="/approvals" role="tab" aria-selected=move || (!history()).to_string() class:current=move || !history()>"Waiting for me"</a>
            <a href="/approvals?tab=history" role="tab" aria-selected=move || history().to_string() class:current=history>"My decisions"</a>
        </nav>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) if history() => view! { <DecisionHistory rows=view.history /> }.into_any(),
                    Ok(view) => view! {
                        <ChangeList changes=view.changes me=view.me can_decide=view.can_decide_changes now=view.now />
                        <PendingList items=view.pending now=view.now />
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One decision on an administrator's change: check, passkey, record.
async fn decide_change(id: String, verdict: Verdict, reason: String) -> Result<String, String> {
    let code = verdict.code().to_owned();
    let start = start_change_decision(id.clone(), code.clone(), reason.clone());
    with_step_up(start, |c, a| finish_change_decision(id, code, reason, c, a)).await
}

/// Administrators' changes that affect themselves, waiting for a second administrator.
#[component]
fn ChangeList(
    changes: Vec<PendingChange>,
    me: UserId,
    can_decide: bool,
    now: Timestamp,
) -> impl IntoView {
    if changes.is_empty() {
        return ().into_any();
    }
    view! {
        <section id="changes" aria-labelledby="changes-heading">
            <h2 id="changes-heading">"Changes waiting for a second administrator"</h2>
            <p class="hint">"Each affects the administrator who proposed it, so another administrator decides. Approving applies it at once, checked again against the current policy."</p>
            <ul class="cards">
                {changes.into_iter().map(|change| {
                    let mine = change.proposer_id == me;
                    view! {
                        <li class="card change">
                            <ul class="change-summary">
                                {change.summary.iter().map(|line| view! { <li class="text">{line.clone()}</li> }).collect_view()}
                            </ul>
                            <dl class="facts">
                                <dt>"Proposed by"</dt><dd>{change.proposer_name.clone()}</dd>
                                <dt>"Proposed"</dt><dd><DateTime at=change.proposed_at /></dd>
                                <dt>"Expires"</dt><dd><TimeLeft ends_at=Some(change.expires_at) server_now=now /></dd>
                            </dl>
                            {if mine {
                                view! { <CancelChange id=change.id.clone() /> }.into_any()
                            } else if can_decide {
                                view! { <ChangeDecision id=change.id.clone() /> }.into_any()
                            } else {
                                ().into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn ChangeDecision(id: String) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let field = format!("change-reason-{id}");
    let act = move |verdict: Verdict| {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            busy.set(true);
            status.set(None);
            spawn_local(async move {
                let result = decide_change(id, verdict, reason.get_untracked()).await;
                busy.set(false);
                status.set(Some(result));
            });
        }
    };
    view! {
        <label for=field.clone()>"Reason (required to reject)"</label>
        <textarea id=field name="reason" maxlength="1000" bind:value=reason></textarea>
        <div class="actions">
            <button type="button" class="button" on:click=act(Verdict::Approve) disabled=move || busy.get()>"Approve change with passkey"</button>
            <button type="button" class="button danger" on:click=act(Verdict::Deny) disabled=move || busy.get()>"Reject with passkey"</button>
        </div>
        <Outcome status />
    }
}

#[component]
fn CancelChange(id: String) -> impl IntoView {
    let status = RwSignal::new(None::<Result<String, String>>);
    let cancel = move |_| {
        let id = id.clone();
        spawn_local(async move {
            match cancel_change(id).await {
                Ok(()) => status.set(Some(Ok("Withdrawn.".to_owned()))),
                Err(e) => status.set(Some(Err(e.message))),
            }
        });
    };
    view! {
        <p class="hint">"Your change: another administrator decides."</p>
        <button type="button" class="button secondary" on:click=cancel>"Withdraw"</button>
        <Outcome status />
    }
}

#[component]
fn PendingList(items: Vec<ApprovalItem>, now: Timestamp) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <p class="empty">"No activation requests wait for your decision. Requests for roles you approve appear here, newest first."</p>
        }
        .into_any();
    }
    let selected = RwSignal::new(Vec::<String>::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let approve_selected = move |_| {
        let ids = selected.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let (mut done, mut failed) = (0, Vec::new());
            for id in ids {
                match decide(id, Verdict::Approve, String::new()).await {
                    Ok(_) => done += 1,
                    Err(message) => failed.push(message),
                }
            }
            busy.set(false);
            if failed.is_empty() {
                go_to("/approvals");
            } else {
                status.set(Some(Err(format!(
                    "{done} approved; {} not: {}",
                    failed.len(),
                    failed.join(" ")
                ))));
            }
        });
    };
    view! {
        <p class="hint">"Select requests to approve several at once; each still takes its own passkey touch."</p>
        <button type="button" class="button" on:click=approve_selected
            disabled=move || busy.get() || selected.read().is_empty()>
            {move || format!("Approve selected ({})", selected.read().len())}
        </button>
        <Outcome status />
        <ul class="cards">
            {items.into_iter().map(|item| {
                let id = item.request.id.to_string();
                let toggle_id = id.clone();
                let toggle = move |ev: leptos::ev::Event| {
                    let on = event_target_checked(&ev);
                    selected.update(|s| {
                        s.retain(|x| *x != toggle_id);
                        if on {
                            s.push(toggle_id.clone());
                        }
                    });
                };
                view! {
                    <li class="card approval">
                        <label class="check select">
                            <input type="checkbox" name="selected" value=id.clone() on:change=toggle />
                            " Select"
                        </label>
                        <RequestSummary item=item.clone() now />
                        <a class="button secondary" href=format!("/approvals/{id}")>"Review and decide"</a>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Who asks for what, when, for how long and why, with the signals worth a second look.
#[component]
fn RequestSummary(item: ApprovalItem, now: Timestamp) -> impl IntoView {
    let r = item.request;
    let tier = Tier::from_level(i64::from(item.tier)).unwrap_or(Tier::CRITICAL);
    let approvals = item
        .decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Approve)
        .count();
    let start = if r.starts_at > r.requested_at {
        view! { <DateTime at=r.starts_at /> }.into_any()
    } else {
        view! { <span>"as soon as approved"</span> }.into_any()
    };
    view! {
        <h2 class="card-title">{r.role_name.clone()}" "<TierBadge tier /></h2>
        <dl class="facts">
            <dt>"Requester"</dt><dd>{item.requester_name}" · "{item.requester_email}</dd>
            <dt>"Duration"</dt><dd>{humanize_seconds(r.starts_at.seconds_until(r.ends_at))}</dd>
            <dt>"Start"</dt><dd>{start}</dd>
            <dt>"Justification"</dt><dd class="text">{r.justification.clone()}</dd>
            <dt>"Ticket"</dt><dd>{r.ticket.clone().map_or_else(|| "none".to_owned(), |(s, n)| format!("{s} {n}"))}</dd>
            <dt>"Requested"</dt><dd><DateTime at=r.requested_at /></dd>
            <dt>"Expires"</dt><dd><TimeLeft ends_at=r.decide_by server_now=now /></dd>
            <dt>"Approvals"</dt><dd>{format!("{approvals} of {}", item.quorum)}</dd>
        </dl>
        <RiskBadges risk=item.risk />
    }
}

#[component]
fn RiskBadges(risk: RiskSignals) -> impl IntoView {
    let mut signals = Vec::new();
    if risk.first_activation {
        signals.push("First activation of this role by this person".to_owned());
    }
    if risk.outside_business_hours {
        signals.push("Outside business hours (Mon–Fri 08:00–18:00 UTC)".to_owned());
    }
    signals.push(format!(
        "{} activation(s) of this role in the last 30 days",
        risk.recent_activations
    ));
    view! {
        <ul class="badges risk" aria-label="Risk signals">
            {signals.into_iter().map(|s| view! { <li class="badge">{s}</li> }).collect_view()}
        </ul>
    }
}

#[component]
fn DecisionHistory(rows: Vec<(Activation, Decision)>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"You have not decided on any request yet."</p> }
            .into_any();
    }
    view! {
        <table class="list">
            <thead><tr><th>"Decided"</th><th>"Role"</th><th>"Decision"</th><th>"Reason"</th><th>"Request now"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(r, d)| view! {
                    <tr>
                        <td><DateTime at=d.decided_at /></td>
                        <td><a href=format!("/approvals/{}", r.id)>{r.role_name.clone()}</a></td>
                        <td>{if d.verdict == Verdict::Approve { "Approved" } else { "Denied" }}</td>
                        <td class="text">{d.reason.clone()}</td>
                        <td>{r.state.label()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// One request in full, fitting a phone screen: the facts, the decisions so far, and the
/// decision form for an approver who has not decided yet.
#[component]
pub fn ApprovalDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = crate::codec::resource(id, load_approval);
    view! {
        <Title text="Review request · Stint" />
        <p><a href="/approvals">"← Approvals"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => {
                        let item = view.item;
                        let request = item.request.clone();
                        let id = request.id.to_string();
                        let can_decide = item.can_decide;
                        let revocable = view.can_revoke
                            && (request.state.is_open() || request.is_in_effect(view.now));
                        view! {
                            <h1>"Request"</h1>
                            <p class="state">{request.state.label()}</p>
                            <RequestSummary item=item.clone() now=view.now />
                            <Downstream lines=view.downstream />
                            <DecisionsSoFar decisions=item.decisions />
                            {can_decide.then(|| view! { <DecisionForm id=id.clone() /> })}
                            {revocable.then(|| view! { <RevokeForm id=id.clone() /> })}
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DecisionsSoFar(decisions: Vec<Decision>) -> impl IntoView {
    if decisions.is_empty() {
        return view! { <p class="hint">"No decisions yet."</p> }.into_any();
    }
    view! {
        <h2>"Decisions"</h2>
        <ul class="decisions">
            {decisions.into_iter().map(|d| view! {
                <li>
                    <strong>{d.approver_name}</strong>
                    {if d.verdict == Verdict::Approve { " approved " } else { " denied " }}
                    <DateTime at=d.decided_at />
                    <span class="text">{if d.reason.is_empty() { String::new() } else { format!(" — {}", d.reason) }}</span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn DecisionForm(id: String) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let act = move |verdict: Verdict| {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            busy.set(true);
            status.set(None);
            spawn_local(async move {
                let result = decide(id, verdict, reason.get_untracked()).await;
                busy.set(false);
                if result.is_ok() {
                    reason.set(String::new());
                }
                status.set(Some(result));
            });
        }
    };
    view! {
        <section class="panel" aria-labelledby="decide-heading">
            <h2 id="decide-heading">"Your decision"</h2>
            <label for="decision-reason">"Reason (required to deny; shown to the requester)"</label>
            <textarea id="decision-reason" name="reason" maxlength="1000" bind:value=reason></textarea>
            <div class="actions">
                <button type="button" class="button" on:click=act(Verdict::Approve) disabled=move || busy.get()>"Approve with passkey"</button>
                <button type="button" class="button danger" on:click=act(Verdict::Deny) disabled=move || busy.get()>"Deny with passkey"</button>
            </div>
            <Outcome status />
        </section>
    }
}

#[component]
fn RevokeForm(id: String) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    let revoke = move |_| {
        let id = id.clone();
        spawn_local(async move {
            match revoke_activation(id, reason.get_untracked()).await {
                Ok(()) => status.set(Some(Ok("Revoked.".to_owned()))),
                Err(e) => status.set(Some(Err(e.message))),
            }
        });
    };
    view! {
        <details class="panel">
            <summary>"Revoke (administrators)"</summary>
            <p>"Ends the activation now, or cancels the request if it has not started. The requester keeps their eligibility."</p>
            <label for="revoke-reason">"Reason (recorded in the audit log)"</label>
            <textarea id="revoke-reason" maxlength="1000" bind:value=reason></textarea>
            <button type="button" class="button danger" on:click=revoke>"Revoke"</button>
            <Outcome status />
        </details>
    }
}

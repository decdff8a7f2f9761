//! Settings → Access reviews: each review's latest results and history, Stop and Apply, and
//! (for role administrators) a new review.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::review_admin::{
    ApplyReview, CreateReview, EndReview, InstanceView, ReviewView, StopReview, list_reviews,
    review_form_roles,
};
use crate::components::time::DateTime;
use crate::pages::LoadError;
use crate::pages::review_new::NewReviewForm;

#[component]
pub fn ReviewSettingsPage() -> impl IntoView {
    let create = ServerAction::<CreateReview>::new();
    let apply = ServerAction::<ApplyReview>::new();
    let stop = ServerAction::<StopReview>::new();
    let end = ServerAction::<EndReview>::new();
    let reviews = crate::codec::resource(
        move || {
            (
                create.version().get(),
                apply.version().get(),
                stop.version().get(),
                end.version().get(),
            )
        },
        |_| list_reviews(),
    );
    let form_roles = crate::codec::resource(|| (), |_| review_form_roles());
    view! {
        <Title text="Access reviews · Settings · Stint" />
        <h1>"Access reviews"</h1>
        {move || {
            let failed = |r: Option<Result<(), crate::error::AppError>>| r.and_then(Result::err);
            failed(apply.value().get()).or_else(|| failed(stop.value().get())).or_else(|| failed(end.value().get()))
        }.map(|e| view! {
            <p class="notice error" role="alert">{e.message}</p>
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match reviews.await {
                    Ok(page) if page.reviews.is_empty() => view! { <p class="empty">"No access reviews yet."</p> }.into_any(),
                    Ok(page) => {
                        let can_manage = page.can_manage;
                        page.reviews.into_iter().map(|r| view! { <ReviewSection r can_manage apply stop end /> }).collect_view().into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                // Auditors read reviews but get no form; this resource never reloads, so a
                // refused submission keeps what was typed.
                form_roles.await.ok().map(|roles| view! { <NewReviewForm create roles /> })
            })}
        </Transition>
    }
}

#[component]
fn ReviewSection(
    r: ReviewView,
    can_manage: bool,
    apply: ServerAction<ApplyReview>,
    stop: ServerAction<StopReview>,
    end: ServerAction<EndReview>,
) -> impl IntoView {
    let state = r
        .instance
        .as_ref()
        .map(|(_, n, state, _)| format!("instance {n}: {state}"));
    let completion = r.completion_percent.map(|p| {
        let verdict = if p >= pim_core::review::COMPLETION_TARGET_PERCENT {
            "meets"
        } else {
            "below"
        };
        format!(
            "Reviewed by reviewers: {p} % over all instances ({verdict} the {} % target).",
            pim_core::review::COMPLETION_TARGET_PERCENT
        )
    });
    let instance = r.instance.clone().filter(|_| can_manage);
    let series = if r.ended {
        Some(
            view! { <p class="notice">"This review has ended: no further instance starts."</p> }
                .into_any(),
        )
    } else if can_manage && r.recurrence != "one time" {
        let id = r.id.clone();
        Some(
            view! {
                <ActionForm action=end attr:class="inline">
                    <input type="hidden" name="review_id" value=id />
                    <button type="submit" class="button secondary">"End the series"</button>
                    " No further instance will start; one in progress runs to its end."
                </ActionForm>
            }
            .into_any(),
        )
    } else {
        None
    };
    view! {
        <section class="panel">
            <h2>{r.name.clone()}</h2>
            <p>"Roles: "{r.roles.join(", ")}</p>
            <p>{r.recurrence.clone()}", first start "<DateTime at=r.starts_at />". "{state.unwrap_or_else(|| "not started".into())}</p>
            {completion.map(|c| view! { <p class="completion">{c}</p> })}
            {series}
            {instance.map(|(id, _, state, ends)| {
                let button = match state.as_str() {
                    "in progress" => Some(view! {
                        <ActionForm action=stop attr:class="inline">
                            <input type="hidden" name="instance_id" value=id />
                            <button type="submit" class="button secondary">"Stop now"</button>
                        </ActionForm>
                    }.into_any()),
                    "completed" => Some(view! {
                        <ActionForm action=apply attr:class="inline">
                            <input type="hidden" name="instance_id" value=id />
                            <button type="submit" class="button">"Apply results"</button>
                        </ActionForm>
                    }.into_any()),
                    _ => None,
                };
                view! { <p>"Ends "<DateTime at=ends /></p>{button} }
            })}
            <p>
                <a href=format!("/settings/reviews/{}/export/csv", r.id) download>"Export CSV"</a>" · "
                <a href=format!("/settings/reviews/{}/export/json", r.id) download>"Export JSON"</a>
            </p>
            <table class="list">
                <caption>"Latest results"</caption>
                <thead><tr><th>"Person"</th><th>"Role"</th><th>"Recommendation"</th><th>"Answer"</th><th>"Reason"</th><th>"Reviewed by"</th><th>"Outcome"</th><th>"Applied"</th></tr></thead>
                <tbody>
                    {r.results.into_iter().map(|i| view! {
                        <tr>
                            <td>{i.person}</td>
                            <td>{i.role}</td>
                            <td>{i.recommendation}</td>
                            <td>{i.decision.unwrap_or_else(|| "—".into())}</td>
                            <td class="text">{i.reason}</td>
                            <td>{i.decided_by.unwrap_or_else(|| "—".into())}</td>
                            <td>{match (i.outcome, i.by_reviewer) {
                                (Some(o), Some(true)) => format!("{o} (reviewer)"),
                                (Some(o), _) => format!("{o} (default decision)"),
                                (None, _) => "open".into(),
                            }}</td>
                            <td>{i.apply_result.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <History instances=r.history />
        </section>
    }
}

/// Each instance: when it ran, how much reviewers answered, and who applied it.
#[component]
fn History(instances: Vec<InstanceView>) -> impl IntoView {
    (!instances.is_empty()).then(|| view! {
        <table class="list history">
            <caption>"Instances"</caption>
            <thead><tr><th>"#"</th><th>"Ran"</th><th>"State"</th><th>"Reviewed"</th><th>"Applied"</th></tr></thead>
            <tbody>
                {instances.into_iter().map(|i| {
                    let reviewed = match i.percent {
                        Some(p) => format!("{p} % ({} of {})", i.answered, i.total),
                        None => "nothing to review".into(),
                    };
                    let applied = i.applied_at.map(|at| {
                        let by = i.applied_by.clone().unwrap_or_else(|| "automatically".into());
                        view! { {by}" · "<DateTime at /> }
                    });
                    view! {
                        <tr>
                            <td>{i.number}</td>
                            <td><DateTime at=i.starts_at />" – "<DateTime at=i.ends_at /></td>
                            <td>{i.state}</td>
                            <td>{reviewed}</td>
                            <td>{applied}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    })
}

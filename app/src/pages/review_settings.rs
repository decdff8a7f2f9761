use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::review_admin::{ApplyReview, CreateReview, ReviewView, StopReview, list_reviews};
use crate::api::roles::list_roles;
use crate::components::time::DateTime;
use crate::pages::LoadError;

/// Settings → Access reviews: a new review, and each review's latest results.
#[component]
pub fn ReviewSettingsPage() -> impl IntoView {
    let create = ServerAction::<CreateReview>::new();
    let apply = ServerAction::<ApplyReview>::new();
    let stop = ServerAction::<StopReview>::new();
    let reviews = Resource::new(
        move || {
            (
                create.version().get(),
                apply.version().get(),
                stop.version().get(),
            )
        },
        |_| list_reviews(),
    );
    let roles = Resource::new(|| (), |_| list_roles());
    view! {
        <Title text="Access reviews · Settings · Stint" />
        <h1>"Access reviews"</h1>
        {move || apply.value().get().and_then(Result::err).or_else(|| stop.value().get().and_then(Result::err)).map(|e| view! {
            <p class="notice error" role="alert">{e.message}</p>
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match reviews.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No access reviews yet. Create one below."</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|r| view! { <ReviewSection r apply stop /> }).collect_view().into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
        <h2>"New access review"</h2>
        {move || create.value().get().map(|r| match r {
            Ok(_) => view! { <p class="notice success" role="status">"Review created. It starts at its start date; reviewers are told then."</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <ActionForm action=create attr:class="panel form">
            <label>"Name "<input name="name" required maxlength="100" /></label>
            <label>"Description "<textarea name="description" maxlength="1000"></textarea></label>
            <label>"Role "
                <Transition fallback=|| view! { <select name="role_id"></select> }>
                    {move || Suspend::new(async move {
                        let options = roles.await.unwrap_or_default();
                        view! {
                            <select name="role_id" required>
                                {options.into_iter().map(|r| view! {
                                    <option value=r.info.id.to_string()>{format!("{} (tier {})", r.info.name, r.info.tier.level())}</option>
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Transition>
            </label>
            <label>"Assignments "
                <select name="kinds">
                    <option value="eligible">"Eligible"</option>
                    <option value="active">"Active"</option>
                    <option value="both">"Both"</option>
                </select>
            </label>
            <label>"Only those not used for (days, optional) "<input name="inactive_days" inputmode="numeric" /></label>
            <label>"Reviewers "
                <select name="reviewers">
                    <option value="manager">"Each person's manager"</option>
                    <option value="role_owners">"The role's owners"</option>
                    <option value="named">"Named people"</option>
                    <option value="self_review">"Each person for themselves"</option>
                </select>
            </label>
            <label>"Reviewer e-mail addresses (the fallback for manager and owners; the reviewers for named), one a line "
                <textarea name="reviewer_emails"></textarea></label>
            <label>"Start (UTC date, empty for now) "<input type="date" name="starts_on" /></label>
            <label>"Duration (days) "<input name="duration_days" value="14" inputmode="numeric" required /></label>
            <label>"Recurrence "
                <select name="recurrence">
                    <option value="one_time">"One time"</option>
                    <option value="weekly">"Weekly"</option>
                    <option value="monthly">"Monthly"</option>
                    <option value="quarterly" selected>"Quarterly"</option>
                    <option value="semi_annual">"Semi-annual"</option>
                    <option value="annual">"Annual"</option>
                </select>
            </label>
            <label>"Ends "
                <select name="end">
                    <option value="never">"Never"</option>
                    <option value="on_date">"On a date"</option>
                    <option value="after_occurrences">"After a number of occurrences"</option>
                </select>
            </label>
            <label>"End date "<input type="date" name="end_date" /></label>
            <label>"Occurrences "<input name="end_count" inputmode="numeric" /></label>
            <label>"If nobody answers "
                <select name="default_decision">
                    <option value="">"Default (remove for tier 0, otherwise no change)"</option>
                    <option value="no_change">"No change"</option>
                    <option value="remove">"Remove"</option>
                    <option value="approve">"Approve"</option>
                    <option value="recommendation">"Take the recommendation"</option>
                </select>
            </label>
            <label><input type="checkbox" name="require_reason_on_approve" />" Require a reason to approve"</label>
            <label><input type="checkbox" name="auto_apply" checked />" Apply results automatically at the end"</label>
            <label>"Also send the completion report to (e-mail, one a line) "<textarea name="report_recipients"></textarea></label>
            <button type="submit" class="button">"Create review"</button>
        </ActionForm>
    }
}

#[component]
fn ReviewSection(
    r: ReviewView,
    apply: ServerAction<ApplyReview>,
    stop: ServerAction<StopReview>,
) -> impl IntoView {
    let state = r
        .instance
        .as_ref()
        .map(|(_, n, state, _)| format!("instance {n}: {state}"));
    let instance = r.instance.clone();
    view! {
        <section class="panel">
            <h2>{r.name.clone()}</h2>
            <p>{r.recurrence.clone()}", first start "<DateTime at=r.starts_at />". "{state.unwrap_or_else(|| "not started".into())}</p>
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
                <thead><tr><th>"Person"</th><th>"Role"</th><th>"Recommendation"</th><th>"Answer"</th><th>"Reason"</th><th>"Outcome"</th><th>"Applied"</th></tr></thead>
                <tbody>
                    {r.results.into_iter().map(|i| view! {
                        <tr>
                            <td>{i.person}</td>
                            <td>{i.role}</td>
                            <td>{i.recommendation}</td>
                            <td>{i.decision.unwrap_or_else(|| "—".into())}</td>
                            <td class="text">{i.reason}</td>
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
        </section>
    }
}

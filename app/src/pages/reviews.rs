use leptos::prelude::*;
use leptos_meta::Title;
use pim_core::Timestamp;
use pim_core::assignment::AssignmentKind;
use pim_core::review::Recommendation;

use crate::api::reviews::{
    AcceptRecommendations, DecideReviewItem, ReviewItemView, my_review_items,
};
use crate::components::time::DateTime;
use crate::pages::LoadError;

/// Access reviews: the assignments the signed-in person is asked to keep or remove.
#[component]
pub fn ReviewsPage() -> impl IntoView {
    let decide = ServerAction::<DecideReviewItem>::new();
    let accept = ServerAction::<AcceptRecommendations>::new();
    let inbox = crate::codec::resource(
        move || (decide.version().get(), accept.version().get()),
        |_| my_review_items(),
    );
    view! {
        <Title text="Access reviews · Stint" />
        <h1>"Access reviews"</h1>
        {move || decide.value().get().and_then(Result::err).map(|e| view! {
            <p class="notice error" role="alert">{e.message}</p>
        })}
        {move || accept.value().get().map(|r| match r {
            Ok(n) => view! { <p class="notice" role="status">{format!("{n} answered as recommended.")}</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match inbox.await {
                    Ok(view) if view.items.is_empty() => view! {
                        <p class="empty">"Nothing to review. When an access review asks you about someone's role, it appears here."</p>
                    }.into_any(),
                    Ok(view) => {
                        let (now, items) = (view.now, view.items);
                        view! {
                            <p>"Should each person keep their role? Deny needs a reason; what you do not answer by the review's end gets its default decision."</p>
                            <ActionForm action=accept attr:class="inline">
                                <button type="submit" class="button">"Accept all recommendations"</button>
                            </ActionForm>
                            <table class="list">
                                <thead><tr><th>"Person"</th><th>"Role"</th><th>"Recommendation"</th><th>"Evidence"</th><th>"Your answer"</th></tr></thead>
                                <tbody>
                                    // Keyed, so that after an answer the next row does not inherit the
                                    // reason typed into the row that was answered.
                                    <For each=move || items.clone() key=|item| item.id.clone() children=move |item| view! { <ItemRow item now decide /> } />
                                </tbody>
                            </table>
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ItemRow(
    item: ReviewItemView,
    now: Timestamp,
    decide: ServerAction<DecideReviewItem>,
) -> impl IntoView {
    let e = item.evidence;
    let kind = match item.kind {
        AssignmentKind::Eligible => "eligible",
        AssignmentKind::Active => "active",
    };
    let recommendation = match item.recommendation {
        Recommendation::Approve => "Keep",
        Recommendation::Deny => "Remove",
    };
    let age_days = e.assigned_at.seconds_until(now) / 86_400;
    view! {
        <tr>
            <td>{item.person.clone()}</td>
            <td>{item.role.clone()}" ("{kind}")"</td>
            <td><strong>{recommendation}</strong></td>
            <td class="text">
                "Last activation: "{match e.last_activation { Some(at) => view! { <DateTime at /> }.into_any(), None => "never".into_any() }}<br />
                {format!("Activations in 90 days: {}", e.activations_90_days)}<br />
                {format!("Assigned {age_days} days ago")}<br />
                "Last sign-in: "{match e.last_sign_in { Some(at) => view! { <DateTime at /> }.into_any(), None => "never".into_any() }}
            </td>
            <td>
                <ActionForm action=decide attr:class="stack">
                    <input type="hidden" name="item_id" value=item.id.clone() />
                    <label>"Answer "
                        <select name="decision">
                            <option value="approve">"Keep (approve)"</option>
                            <option value="deny">"Remove (deny)"</option>
                            <option value="dont_know">"Don't know"</option>
                        </select>
                    </label>
                    <label>"Reason "<input type="text" name="reason" maxlength="500" /></label>
                    <button type="submit" class="button">"Submit answer"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

//! The form that creates an access review (Settings → Access reviews).

use leptos::prelude::*;

use crate::api::review_admin::CreateReview;

/// `roles`: each role's id and its label.
#[component]
pub fn NewReviewForm(
    create: ServerAction<CreateReview>,
    roles: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <h2>"New access review"</h2>
        {move || create.value().get().map(|r| match r {
            Ok(_) => view! { <p class="notice success" role="status">"Review created. It starts at its start date; reviewers are told then."</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <ActionForm action=create attr:class="panel form">
            <label>"Name "<input name="name" required maxlength="100" /></label>
            <label>"Description "<textarea name="description" maxlength="1000"></textarea></label>
            <fieldset>
                <legend>"Roles to review"</legend>
                {roles.into_iter().map(|(id, label)| view! {
                    <label><input type="checkbox" name="role_ids[]" value=id />" "{label}</label>
                }).collect_view()}
            </fieldset>
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
            <label>"Reminders (hours before the end; empty for 48 and 12 where they fit) "<input name="reminder_hours" placeholder="48, 12" /></label>
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

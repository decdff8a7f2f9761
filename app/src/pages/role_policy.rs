use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use pim_core::notify_rules::{MatrixEvent, NotificationMatrix, RecipientClass, matrix_field};
use pim_core::policy::AuthenticatorClass;

use crate::api::fields::from_submit;
use crate::api::roles::{RoleDetailView, finish_policy_edit, get_role, start_policy_edit};
use crate::components::badges::TierBadge;
use crate::components::notice::Outcome;
use crate::components::webauthn::get_credential;
use crate::pages::LoadError;

/// Settings → Roles → a role → Policy. Saving is a passkey step-up bound to this policy.
#[component]
pub fn RolePolicyPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let saved = RwSignal::new(0u32);
    // Lives above the form, which is rebuilt when the saved policy is reloaded.
    let status = RwSignal::new(None::<Result<String, String>>);
    let role = crate::codec::resource(move || (id(), saved.get()), |(id, _)| get_role(id));
    view! {
        <Title text="Role policy · Stint" />
        <p><a href="/settings/roles">"← Roles"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match role.await {
                    Ok(detail) => view! { <PolicyForm detail saved status /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn hm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[component]
fn PolicyForm(
    detail: RoleDetailView,
    saved: RwSignal<u32>,
    status: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let p = detail.policy.clone();
    let a = p.activation.clone();
    let s = p.assignment.clone();
    let c = p.conditions.clone();
    let busy = RwSignal::new(false);
    let role_id = detail.info.id.to_string();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = from_submit(&ev);
        let id = role_id.clone();
        busy.set(true);
        spawn_local(async move {
            let result = async {
                let ceremony = start_policy_edit(id.clone(), fields.clone())
                    .await
                    .map_err(|e| e.message)?;
                let credential = get_credential(ceremony.options_json).await?;
                finish_policy_edit(id, fields, ceremony.id, credential)
                    .await
                    .map_err(|e| e.message)
            }
            .await;
            busy.set(false);
            match result {
                Ok(message) => {
                    status.set(Some(Ok(message)));
                    saved.update(|n| *n += 1);
                }
                Err(message) => status.set(Some(Err(message))),
            }
        });
    };
    let hours = c.allowed_hours.clone();
    let days = hours
        .as_ref()
        .map_or([true, true, true, true, true, false, false], |h| h.days);
    let networks = c
        .allowed_networks
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    view! {
        <h1>{format!("{} · policy", detail.info.name)}</h1>
        <TierBadge tier=detail.info.tier />
        <p class="hint">{detail.info.description.clone()}</p>
        <form class="policy" on:submit=on_submit>
            <fieldset disabled=!detail.can_edit>
                <legend>"Activation"</legend>
                <label for="max_duration_minutes">"Maximum duration (minutes, 5 to 1440)"</label>
                <input id="max_duration_minutes" name="max_duration_minutes" type="number" min="5" max="1440" value=(a.max_duration_seconds / 60).to_string() required />
                <label class="check"><input type="checkbox" name="require_step_up" checked=a.require_step_up />" Require a passkey step-up (always on for tier 0)"</label>
                <label class="check"><input type="checkbox" name="require_justification" checked=a.require_justification />" Require a justification (10 to 1000 characters)"</label>
                <label for="justification_pattern">"Justification pattern (regular expression, optional)"</label>
                <input id="justification_pattern" name="justification_pattern" maxlength="200" value=a.justification_pattern.clone().unwrap_or_default() placeholder="e.g. CHG[0-9]+: .+" />
                <label for="justification_hint">"Hint shown with the pattern"</label>
                <input id="justification_hint" name="justification_hint" maxlength="200" value=a.justification_hint.clone().unwrap_or_default() />
                <label class="check"><input type="checkbox" name="require_ticket" checked=a.require_ticket />" Require a ticket system and number"</label>
                <label class="check"><input type="checkbox" name="require_approval" checked=a.require_approval />" Require approval"</label>
                <label for="approvers">"Approvers (e-mail, one per line; empty = Privileged Role and Global Administrators)"</label>
                <textarea id="approvers" name="approvers">{detail.approver_emails.join("\n")}</textarea>
                <label for="quorum">"Approvals needed (distinct approvers)"</label>
                <input id="quorum" name="quorum" type="number" min="1" max="10" value=a.quorum.to_string() required />
                <label for="pending_expiry_hours">"A pending request expires after (hours)"</label>
                <input id="pending_expiry_hours" name="pending_expiry_hours" type="number" min="1" max="336" value=(a.pending_expiry_seconds / 3600).to_string() required />
                <label for="earliest_deactivation_minutes">"Earliest self-deactivation (minutes after start)"</label>
                <input id="earliest_deactivation_minutes" name="earliest_deactivation_minutes" type="number" min="0" value=(a.earliest_deactivation_seconds / 60).to_string() required />
            </fieldset>
            <fieldset disabled=!detail.can_edit>
                <legend>"Assignment"</legend>
                <label class="check"><input type="checkbox" name="allow_permanent_eligible" checked=s.allow_permanent_eligible />" Allow permanent eligible assignments"</label>
                <label for="max_eligible_days">"Maximum eligible assignment (days)"</label>
                <input id="max_eligible_days" name="max_eligible_days" type="number" min="1" max="1800" value=(s.max_eligible_seconds / 86_400).to_string() required />
                <label class="check"><input type="checkbox" name="allow_permanent_active" checked=s.allow_permanent_active />" Allow permanent active assignments (never for tier 0)"</label>
                <label for="max_active_days">"Maximum active assignment (days)"</label>
                <input id="max_active_days" name="max_active_days" type="number" min="1" max="365" value=(s.max_active_seconds / 86_400).to_string() required />
                <label class="check"><input type="checkbox" name="require_admin_justification" checked=s.require_admin_justification />" Require a justification on assignment"</label>
                <label class="check"><input type="checkbox" name="require_admin_step_up" checked=s.require_admin_step_up />" Require a passkey step-up on assignment"</label>
            </fieldset>
            <fieldset disabled=!detail.can_edit>
                <legend>"Conditions"</legend>
                <label for="allowed_networks">"Allowed networks (CIDR, one per line; empty = any)"</label>
                <textarea id="allowed_networks" name="allowed_networks" placeholder="10.0.0.0/8">{networks}</textarea>
                <label class="check"><input type="checkbox" name="hours_enabled" checked=hours.is_some() />" Only allow activation at these times (UTC)"</label>
                <div class="days">
                    {["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].into_iter().enumerate().map(|(i, d)| view! {
                        <label class="check"><input type="checkbox" name=format!("day{i}") checked=days[i] />{format!(" {d}")}</label>
                    }).collect_view()}
                </div>
                <label for="hours_from">"From"</label>
                <input id="hours_from" name="hours_from" type="time" value=hm(hours.as_ref().map_or(8 * 60, |h| h.from_minute)) />
                <label for="hours_to">"To"</label>
                <input id="hours_to" name="hours_to" type="time" value=hm(hours.as_ref().map_or(18 * 60, |h| h.to_minute)) />
                <label for="min_authenticator">"Minimum authenticator for the step-up"</label>
                <select id="min_authenticator" name="min_authenticator">
                    <option value="any_passkey" selected=c.min_authenticator == AuthenticatorClass::AnyPasskey>"Any passkey"</option>
                    <option value="attested_hardware_key" selected=c.min_authenticator == AuthenticatorClass::AttestedHardwareKey>"Attested hardware key"</option>
                </select>
            </fieldset>
            <NotificationMatrixFields matrix=p.notifications.clone() can_edit=detail.can_edit />
            <Show when=move || detail.can_edit fallback=|| view! { <p class="hint">"Read-only: activate Privileged Role Administrator or Global Administrator to edit."</p> }>
                <button type="submit" class="button" disabled=move || busy.get()>"Save with passkey"</button>
            </Show>
            <Outcome status />
        </form>
    }
}

/// Entra's matrix: for each event, who hears about it, with extra addresses and "critical
/// only" per cell.
#[component]
fn NotificationMatrixFields(matrix: NotificationMatrix, can_edit: bool) -> AnyView {
    view! {
        <fieldset disabled=!can_edit>
            <legend>"Notifications"</legend>
            <p class="hint">"Administrators are the holders of Privileged Role Administrator and Global Administrator; they and the approvers also reach the chat and webhook channels. Extra recipients: e-mail addresses, separated by commas. Critical only keeps messages that ask for action (approvals, expiry warnings)."</p>
            <table class="list matrix">
                <thead><tr><th>"Event"</th>{RecipientClass::ALL.into_iter().map(|c| view! { <th>{c.label()}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {MatrixEvent::ALL.into_iter().map(|event| {
                        let rules = matrix.event(event).clone();
                        view! {
                            <tr>
                                <th scope="row">{event.label()}</th>
                                {RecipientClass::ALL.into_iter().map(|class| {
                                    let rule = rules.rule(class).clone();
                                    let name = move |part: &str| matrix_field(event, class, part);
                                    let label = format!("{}: {}", event.label(), class.label());
                                    view! {
                                        <td>
                                            <label class="check"><input type="checkbox" name=name("on") checked=rule.default_recipients aria-label=format!("{label}: notify") />" Notify"</label>
                                            <input name=name("extra") value=rule.extra.join(", ") placeholder="extra@example.com" aria-label=format!("{label}: extra recipients") />
                                            <label class="check"><input type="checkbox" name=name("critical") checked=rule.critical_only aria-label=format!("{label}: critical only") />" Critical only"</label>
                                        </td>
                                    }.into_any()
                                }).collect_view()}
                            </tr>
                        }.into_any()
                    }).collect_view()}
                </tbody>
            </table>
        </fieldset>
    }
    // The policy form is one large view; erasing this part's type keeps the release build's
    // type depth within the compiler's limit.
    .into_any()
}

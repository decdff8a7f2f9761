//! Insights → Alerts: each finding with its severity, what it affects and where to fix it; the
//! thresholds below for Security Administrators.

use leptos::prelude::*;
use leptos_meta::Title;
use pim_core::alerts::{Alert, AlertSettings, Severity};

use crate::api::insights::{SaveAlertSettings, alerts};
use crate::pages::LoadError;

#[component]
pub fn AlertsPage() -> impl IntoView {
    let save = ServerAction::<SaveAlertSettings>::new();
    let report = crate::codec::resource(move || save.version().get(), |_| alerts());
    view! {
        <Title text="Alerts · Insights · Stint" />
        <h1>"Alerts"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(r) => view! {
                        <AlertList alerts=r.alerts />
                        <Thresholds settings=r.settings can_edit=r.can_edit save />
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AlertList(alerts: Vec<Alert>) -> impl IntoView {
    if alerts.is_empty() {
        return view! { <p class="empty">"No alert holds: nothing needs attention."</p> }
            .into_any();
    }
    view! {
        <ul class="alerts">
            {alerts.into_iter().map(|a| {
                let severity = a.severity.label();
                view! {
                    <li class=format!("alert {}", severity.to_lowercase())>
                        <h2><span class="badge">{severity}</span>" "{a.kind.title()}</h2>
                        <p>{a.summary}</p>
                        <p class="fix">{a.kind.fix()}</p>
                        <details>
                            <summary>{format!("{} affected", a.affected.len())}</summary>
                            <ul>
                                {a.affected.into_iter().map(|item| view! {
                                    <li><a href=item.link>{item.label}</a></li>
                                }).collect_view()}
                            </ul>
                        </details>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Thresholds(
    settings: AlertSettings,
    can_edit: bool,
    save: ServerAction<SaveAlertSettings>,
) -> impl IntoView {
    let s = settings;
    view! {
        <h2>"Thresholds"</h2>
        {move || save.value().get().map(|r| match r {
            Ok(_) => view! { <p class="notice success" role="status">"Thresholds saved."</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <ActionForm action=save attr:class="panel form">
            <fieldset disabled=!can_edit>
                <label>"Stale after (days) "<input name="stale_after_days" value=s.stale_after_days inputmode="numeric" /></label>
                <label>"Most tier-0 holders "<input name="tier0_max_holders" value=s.tier0_max_holders inputmode="numeric" /></label>
                <label>"Most tier-0 holders (%) "<input name="tier0_max_percent" value=s.tier0_max_percent inputmode="numeric" /></label>
                <label>"Activations a week "<input name="activations_per_week" value=s.activations_per_week inputmode="numeric" /></label>
                <label>"Break-glass drill every (days) "<input name="drill_overdue_days" value=s.drill_overdue_days inputmode="numeric" /></label>
                <label>"Business hours time zone "<input name="business_time_zone" value=s.business_time_zone.clone() placeholder="e.g. Europe/Berlin" /></label>
                <label>"Business day starts (hour) "<input name="business_start_hour" value=s.business_start_hour inputmode="numeric" /></label>
                <label>"Business day ends (hour) "<input name="business_end_hour" value=s.business_end_hour inputmode="numeric" /></label>
                <label>"Holidays "<input name="holidays" value=s.holidays.join(", ") placeholder="2026-12-25, 2027-01-01" /></label>
                <label>"Notify from severity "
                    <select name="notify_from">
                        {Severity::ALL.map(|level| view! {
                            <option value=level.label() selected=level == s.notify_from>{level.label()}</option>
                        })}
                    </select>
                </label>
                <p class="hint">"New findings of this severity or higher go to Security and Global Administrators and every channel as they appear."</p>
                {can_edit.then(|| view! { <button type="submit" class="button">"Save thresholds"</button> })}
            </fieldset>
        </ActionForm>
        {(!can_edit).then(|| view! { <p class="hint">"Security Administrators change the thresholds."</p> })}
    }
}

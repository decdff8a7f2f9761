//! Small labels that say what a role takes.

use leptos::prelude::*;
use pim_core::my_roles::Requirements;
use pim_core::role::Tier;
use pim_core::time::humanize_seconds;

#[component]
pub fn TierBadge(tier: Tier) -> impl IntoView {
    let level = tier.level();
    let label = match level {
        0 => "Tier 0 · critical",
        1 => "Tier 1",
        _ => "Tier 2",
    };
    view! { <span class=format!("badge tier-{level}")>{label}</span> }
}

#[component]
pub fn RequirementBadges(requirements: Requirements) -> impl IntoView {
    let r = requirements;
    let mut badges: Vec<String> = Vec::new();
    if r.step_up {
        badges.push("Passkey step-up".into());
    }
    if r.approval {
        badges.push(format!("Approval by {}", r.quorum));
    }
    if r.ticket {
        badges.push("Ticket".into());
    }
    if r.justification {
        badges.push("Justification".into());
    }
    badges.push(format!(
        "Up to {}",
        humanize_seconds(r.max_duration_seconds)
    ));
    if let Some(hours) = r.allowed_hours {
        badges.push(hours);
    }
    if r.network_restricted {
        badges.push("Allowed networks only".into());
    }
    view! {
        <ul class="badges" aria-label="What activating takes">
            {badges.into_iter().map(|b| view! { <li class="badge">{b}</li> }).collect_view()}
        </ul>
    }
}

//! Where an activation's grant stands on each connected downstream system.

use leptos::prelude::*;
use pim_core::connector::{DownstreamStatus, ProvisioningStatus};

/// One line per connector: provisioning, granted, revoked, or failing with the reason.
#[component]
pub fn Downstream(lines: Vec<DownstreamStatus>) -> impl IntoView {
    (!lines.is_empty()).then(|| {
        view! {
            <ul class="downstream" aria-label="Downstream access">
                {lines.into_iter().map(|l| {
                    let reason = match &l.status {
                        ProvisioningStatus::Failed { reason } | ProvisioningStatus::GaveUp { reason } => {
                            Some(reason.clone())
                        }
                        _ => None,
                    };
                    view! {
                        <li>
                            {l.connector}": "<span class="badge">{l.status.label()}</span>
                            {reason.map(|r| view! { " "<small>{r}</small> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

//! What a person sees on My roles: plain data shared by the server and the browser.

use serde::{Deserialize, Serialize};

use crate::connector::DownstreamStatus;

use crate::activation::Activation;
use crate::policy::RolePolicy;
use crate::role::RoleInfo;
use crate::{AssignmentId, Timestamp};

/// The badges of an eligible role: what activating it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    pub step_up: bool,
    pub approval: bool,
    pub quorum: u8,
    pub ticket: bool,
    pub justification: bool,
    pub justification_hint: Option<String>,
    pub max_duration_seconds: i64,
    pub allowed_hours: Option<String>,
    pub network_restricted: bool,
}

impl Requirements {
    #[must_use]
    pub fn of(policy: &RolePolicy) -> Self {
        let a = &policy.activation;
        Self {
            step_up: a.require_step_up,
            approval: a.require_approval,
            quorum: a.quorum,
            ticket: a.require_ticket,
            justification: a.require_justification,
            justification_hint: a.justification_hint.clone(),
            max_duration_seconds: a.max_duration_seconds,
            allowed_hours: policy
                .conditions
                .allowed_hours
                .as_ref()
                .map(|h| h.describe()),
            network_restricted: !policy.conditions.allowed_networks.is_empty(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibleRole {
    pub role: RoleInfo,
    pub assignment_id: AssignmentId,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub requirements: Requirements,
    /// A pending, scheduled or active request for this role, which blocks a new one.
    pub open_request: Option<Activation>,
}

/// A role held now: through an activation, or through an active assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveItem {
    pub role: RoleInfo,
    pub activation: Option<Activation>,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    /// When the holder may deactivate it themselves (activations only).
    pub deactivate_from: Option<Timestamp>,
    pub max_duration_seconds: i64,
    pub justification_required: bool,
    /// How the grant stands on each connected downstream system (activations only).
    #[serde(default)]
    pub downstream: Vec<DownstreamStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRoles {
    pub eligible: Vec<EligibleRole>,
    pub active: Vec<ActiveItem>,
    /// Activations that ended in the last 90 days.
    pub expired: Vec<Activation>,
    pub now: Timestamp,
}

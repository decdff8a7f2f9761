//! My roles and My requests: the caller's own eligibilities, activations and requests.

use std::collections::{HashMap, HashSet};

use pim_core::activation::{Activation, ActivationState};
use pim_core::assignment::AssignmentKind;
use pim_core::connector::DownstreamStatus;
use pim_core::my_roles::{ActiveItem, EligibleRole, MyRoles, Requirements};
use pim_core::principal::Principal;
use pim_core::time::DAY;
use pim_core::{RoleId, Timestamp};
use pim_store::assignments::AssignmentFilter;
use pim_store::roles::RoleRecord;

use crate::{Pim, ServiceError};

const HISTORY_DAYS: i64 = 90;

impl Pim {
    /// Fills in how each activation's grant stands downstream (one query for all of them).
    async fn attach_downstream(&self, active: &mut [ActiveItem]) -> Result<(), ServiceError> {
        let ids: Vec<_> = active
            .iter()
            .filter_map(|a| a.activation.as_ref().map(|v| v.id))
            .collect();
        for line in self.provisioning_of(&ids).await? {
            if let Some(item) = active.iter_mut().find(|a| {
                a.activation
                    .as_ref()
                    .is_some_and(|v| v.id == line.activation_id)
            }) {
                item.downstream.push(DownstreamStatus {
                    connector: line.connector,
                    status: line.status,
                });
            }
        }
        Ok(())
    }

    pub async fn my_roles(&self, who: &Principal) -> Result<MyRoles, ServiceError> {
        let now = self.now();
        let mine = AssignmentFilter {
            user: Some(who.user_id),
            ..AssignmentFilter::default()
        };
        let store = self.store();
        let (eligibilities, assigned): (Vec<_>, Vec<_>) = store
            .list_assignments(&mine, now, 1000, 0)
            .await?
            .into_iter()
            .partition(|a| a.kind == AssignmentKind::Eligible);
        let history = store
            .list_activations_of(who.user_id, now.plus_seconds(-HISTORY_DAYS * DAY), 500)
            .await?;
        // Only the roles this person has to do with: the organisation may have hundreds.
        let wanted: HashSet<RoleId> = eligibilities
            .iter()
            .chain(&assigned)
            .map(|a| a.role_id)
            .chain(history.iter().map(|a| a.role_id))
            .collect();
        let wanted: Vec<RoleId> = wanted.into_iter().collect();
        let roles: HashMap<RoleId, RoleRecord> = store
            .find_roles(&wanted)
            .await?
            .into_iter()
            .map(|r| (r.info.id, r))
            .collect();
        let is_open = |a: &Activation| {
            a.state.is_open() || (a.state == ActivationState::Active && a.ends_at > now)
        };
        let eligible = eligibilities
            .iter()
            .filter_map(|e| {
                let record = roles.get(&e.role_id)?;
                Some(EligibleRole {
                    role: record.info.clone(),
                    assignment_id: e.id,
                    starts_at: e.starts_at,
                    ends_at: e.ends_at,
                    requirements: Requirements::of(&record.policy),
                    open_request: history
                        .iter()
                        .find(|a| a.role_id == e.role_id && is_open(a))
                        .cloned(),
                })
            })
            .collect();
        let mut active: Vec<ActiveItem> = history
            .iter()
            .filter(|a| a.is_in_effect(now))
            .filter_map(|a| {
                let record = roles.get(&a.role_id)?;
                Some(ActiveItem {
                    role: record.info.clone(),
                    activation: Some(a.clone()),
                    starts_at: a.starts_at,
                    ends_at: Some(a.ends_at),
                    deactivate_from: Some(
                        a.starts_at
                            .plus_seconds(record.policy.activation.earliest_deactivation_seconds),
                    ),
                    max_duration_seconds: record.policy.activation.max_duration_seconds,
                    justification_required: record.policy.activation.require_justification,
                    downstream: Vec::new(),
                })
            })
            .collect();
        active.extend(
            assigned
                .iter()
                .filter(|a| a.is_in_effect(now))
                .filter_map(|a| {
                    let record = roles.get(&a.role_id)?;
                    Some(ActiveItem {
                        role: record.info.clone(),
                        activation: None,
                        starts_at: a.starts_at,
                        ends_at: a.ends_at,
                        deactivate_from: None,
                        max_duration_seconds: record.policy.activation.max_duration_seconds,
                        justification_required: false,
                        downstream: Vec::new(),
                    })
                }),
        );
        self.attach_downstream(&mut active).await?;
        active.sort_by_key(|a| (a.ends_at.is_none(), a.ends_at));
        let expired = history
            .into_iter()
            .filter(|a| {
                a.state == ActivationState::Ended
                    || (a.state == ActivationState::Active && a.ends_at <= now)
            })
            .collect();
        Ok(MyRoles {
            eligible,
            active,
            expired,
            now,
        })
    }

    /// The caller's requests of the last 90 days, newest first.
    pub async fn my_requests(
        &self,
        who: &Principal,
    ) -> Result<(Vec<Activation>, Timestamp), ServiceError> {
        let now = self.now();
        let list = self
            .store()
            .list_activations_of(who.user_id, now.plus_seconds(-HISTORY_DAYS * DAY), 500)
            .await?;
        Ok((list, now))
    }
}

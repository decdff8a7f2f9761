//! Roles and their current approvers, read once per inbox or badge: many pending requests
//! share a few roles, and every role whose policy names nobody shares the default approvers.
//! Without it the navigation badge, drawn on every page, read a role and its approvers for
//! every pending request.

use std::collections::{HashMap, HashSet};

use pim_core::{RoleId, UserId};
use pim_store::roles::RoleRecord;

use crate::{Pim, ServiceError};

/// A role as found (`None` when it is gone) with the people who approve for it now.
type RoleApprovers = Option<(RoleRecord, Vec<UserId>)>;

#[derive(Default)]
pub(crate) struct ApproverCache {
    roles: HashMap<RoleId, RoleApprovers>,
    /// Approvers by the people a policy names (none: the default approver roles' holders).
    by_named: HashMap<Vec<UserId>, Vec<UserId>>,
}

impl Pim {
    /// Reads the roles among `roles` that `cache` does not hold yet, in one query, with their
    /// approvers as they are now.
    pub(crate) async fn load_approvers(
        &self,
        cache: &mut ApproverCache,
        roles: impl IntoIterator<Item = RoleId>,
    ) -> Result<(), ServiceError> {
        let missing: HashSet<RoleId> = roles
            .into_iter()
            .filter(|role| !cache.roles.contains_key(role))
            .collect();
        let missing: Vec<RoleId> = missing.into_iter().collect();
        let found = self.store().find_roles(&missing).await?;
        for role in missing {
            cache.roles.insert(role, None);
        }
        for record in found {
            let named = &record.policy.activation.approvers;
            let approvers = match cache.by_named.get(named) {
                Some(known) => known.clone(),
                None => {
                    let fresh = self.approvers_of(&record).await?;
                    cache.by_named.insert(named.clone(), fresh.clone());
                    fresh
                }
            };
            cache
                .roles
                .insert(record.info.id, Some((record, approvers)));
        }
        Ok(())
    }
}

impl ApproverCache {
    /// `role` with its approvers, once [`Pim::load_approvers`] read it; `None` when it is
    /// gone or was not loaded.
    pub(crate) fn get(&self, role: RoleId) -> Option<&(RoleRecord, Vec<UserId>)> {
        self.roles.get(&role).and_then(Option::as_ref)
    }
}

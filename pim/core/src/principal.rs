//! Who is asking, and what their *currently active* roles let them do.
//!
//! A principal is rebuilt from the database on every request, with `now`, so a role that ended a
//! second ago grants nothing; nothing about roles is cached in the session.

use serde::{Deserialize, Serialize};

use crate::role::{BuiltinRole, Permission};
use crate::{ActivationId, RoleId, Timestamp, UserId};

/// A role held right now, and until when (`None` = permanent, break-glass only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveRole {
    pub role_id: RoleId,
    pub name: String,
    pub ends_at: Option<Timestamp>,
    /// The activation it comes from; `None` for an active assignment.
    #[serde(default)]
    pub activation_id: Option<ActivationId>,
}

impl ActiveRole {
    /// The authorisation check itself: a role counts only while `now < ends_at`.
    #[must_use]
    pub fn is_in_effect(&self, now: Timestamp) -> bool {
        self.ends_at.is_none_or(|end| now < end)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub display_name: String,
    pub active_roles: Vec<ActiveRole>,
    /// The instant the roles were evaluated at.
    pub now: Timestamp,
}

/// Proof that the holder may manage users. Only [`Principal::as_user_admin`] makes one, so a
/// service function that takes it cannot be called without the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserAdmin {
    pub user_id: UserId,
}

/// Proof that the holder may manage roles, policies and assignments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleAdmin {
    pub user_id: UserId,
}

impl Principal {
    #[must_use]
    pub fn can(&self, permission: Permission) -> bool {
        self.active_roles
            .iter()
            .filter(|r| r.is_in_effect(self.now))
            .filter_map(|r| BuiltinRole::from_id(r.role_id))
            .any(|r| r.grants(permission))
    }

    #[must_use]
    pub fn as_role_admin(&self) -> Option<RoleAdmin> {
        self.can(Permission::ManageRoles).then_some(RoleAdmin {
            user_id: self.user_id,
        })
    }

    #[must_use]
    pub fn as_user_admin(&self) -> Option<UserAdmin> {
        self.can(Permission::ManageUsers).then_some(UserAdmin {
            user_id: self.user_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[(BuiltinRole, Option<i64>)], now: i64) -> Principal {
        Principal {
            user_id: UserId::new_random(),
            display_name: "Ada".into(),
            active_roles: roles
                .iter()
                .map(|(r, end)| ActiveRole {
                    role_id: r.id(),
                    name: r.name().into(),
                    ends_at: end.map(Timestamp::from_unix),
                    activation_id: None,
                })
                .collect(),
            now: Timestamp::from_unix(now),
        }
    }

    #[test]
    fn a_user_administrator_may_manage_users() {
        let p = principal(&[(BuiltinRole::UserAdministrator, Some(100))], 50);
        assert!(p.as_user_admin().is_some());
    }

    #[test]
    fn a_role_grants_nothing_at_its_end_instant() {
        let p = principal(&[(BuiltinRole::GlobalAdministrator, Some(100))], 100);
        assert!(p.as_user_admin().is_none());
    }

    #[test]
    fn a_permanent_role_never_ends() {
        let p = principal(&[(BuiltinRole::GlobalAdministrator, None)], i64::MAX);
        assert!(p.can(Permission::ManageSecurity));
    }

    #[test]
    fn a_person_without_roles_may_not_manage_users() {
        assert!(principal(&[], 0).as_user_admin().is_none());
    }
}

//! Roles, and the built-in roles through which Stint governs itself just in time.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::RoleId;

/// What a role is worth to an attacker: 0 is critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tier(u8);

impl Tier {
    pub const CRITICAL: Tier = Tier(0);
    pub const HIGH: Tier = Tier(1);
    pub const STANDARD: Tier = Tier(2);

    #[must_use]
    pub fn from_level(level: i64) -> Option<Self> {
        u8::try_from(level).ok().filter(|l| *l <= 2).map(Self)
    }

    #[must_use]
    pub const fn level(self) -> u8 {
        self.0
    }
}

/// A role as lists and forms show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInfo {
    pub id: RoleId,
    pub name: String,
    pub description: String,
    pub tier: Tier,
    pub builtin: bool,
}

/// What an active role lets its holder do inside Stint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Users, invitations, passkey resets for non-privileged users.
    ManageUsers,
    /// Role policies, assignments, access reviews.
    ManageRoles,
    /// Alerts, break-glass accounts, notification channels, connectors.
    ManageSecurity,
    /// Read-only view of audit, insights, reviews and settings.
    ReadAudit,
}

/// Stint's own administrative roles (PIM.md, "Stint's own roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BuiltinRole {
    GlobalAdministrator,
    PrivilegedRoleAdministrator,
    SecurityAdministrator,
    UserAdministrator,
    SecurityReader,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 5] = [
        Self::GlobalAdministrator,
        Self::PrivilegedRoleAdministrator,
        Self::SecurityAdministrator,
        Self::UserAdministrator,
        Self::SecurityReader,
    ];

    /// Fixed ids, so that migrations can seed the roles and code can refer to them.
    #[must_use]
    pub const fn id(self) -> RoleId {
        let n: u128 = match self {
            Self::GlobalAdministrator => 1,
            Self::PrivilegedRoleAdministrator => 2,
            Self::SecurityAdministrator => 3,
            Self::UserAdministrator => 4,
            Self::SecurityReader => 5,
        };
        RoleId::from_uuid(Uuid::from_u128(
            0x5717_0000_0000_4000_8000_0000_0000_0000 | n,
        ))
    }

    #[must_use]
    pub fn from_id(id: RoleId) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.id() == id)
    }

    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::GlobalAdministrator => "Global Administrator",
            Self::PrivilegedRoleAdministrator => "Privileged Role Administrator",
            Self::SecurityAdministrator => "Security Administrator",
            Self::UserAdministrator => "User Administrator",
            Self::SecurityReader => "Security Reader",
        }
    }

    #[must_use]
    pub const fn tier(self) -> Tier {
        match self {
            Self::GlobalAdministrator | Self::PrivilegedRoleAdministrator => Tier::CRITICAL,
            Self::SecurityAdministrator | Self::UserAdministrator => Tier::HIGH,
            Self::SecurityReader => Tier::STANDARD,
        }
    }

    #[must_use]
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Self::GlobalAdministrator => true,
            Self::PrivilegedRoleAdministrator => matches!(permission, ManageRoles | ReadAudit),
            Self::SecurityAdministrator => matches!(permission, ManageSecurity | ReadAudit),
            Self::UserAdministrator => matches!(permission, ManageUsers),
            Self::SecurityReader => matches!(permission, ReadAudit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_role_has_a_distinct_id_that_maps_back() {
        for role in BuiltinRole::ALL {
            assert_eq!(BuiltinRole::from_id(role.id()), Some(role));
        }
    }

    #[test]
    fn global_administrator_grants_everything() {
        for p in [
            Permission::ManageUsers,
            Permission::ManageRoles,
            Permission::ManageSecurity,
            Permission::ReadAudit,
        ] {
            assert!(BuiltinRole::GlobalAdministrator.grants(p));
        }
    }

    #[test]
    fn a_security_reader_cannot_manage_users() {
        assert!(!BuiltinRole::SecurityReader.grants(Permission::ManageUsers));
        assert!(BuiltinRole::SecurityReader.grants(Permission::ReadAudit));
    }

    #[test]
    fn tiers_above_two_do_not_exist() {
        assert_eq!(Tier::from_level(3), None);
        assert_eq!(Tier::from_level(-1), None);
        assert_eq!(Tier::from_level(0), Some(Tier::CRITICAL));
    }
}

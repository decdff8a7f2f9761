//! Identifiers are UUIDs wrapped in one type per entity so that a role id can never be passed
//! where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

use crate::ParseError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random id.
            #[must_use]
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }

            #[must_use]
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }

            pub fn parse(text: &str) -> Result<Self, ParseError> {
                Uuid::parse_str(text.trim())
                    .map(Self)
                    .map_err(|_| ParseError::Invalid { field: $field, reason: "not an id" })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(text: &str) -> Result<Self, ParseError> {
                Self::parse(text)
            }
        }
    };
}

uuid_id!(
    /// A person known to Stint.
    UserId,
    "user id"
);
uuid_id!(
    /// A privileged role, built in or custom.
    RoleId,
    "role id"
);
uuid_id!(
    /// One WebAuthn credential of a user.
    PasskeyId,
    "passkey id"
);
uuid_id!(
    /// An eligible or active assignment of a role to a user.
    AssignmentId,
    "assignment id"
);
uuid_id!(
    /// One activation request of an eligible role, from request to its end.
    ActivationId,
    "activation id"
);

uuid_id!(
    /// An application's credential for the authorisation API.
    ApiTokenId,
    "token id"
);

uuid_id!(
    /// A downstream system a role is provisioned to.
    ConnectorId,
    "connector id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_survives_a_round_trip_through_text() {
        let id = UserId::new_random();
        assert_eq!(UserId::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn text_that_is_not_a_uuid_is_rejected() {
        assert!(RoleId::parse("global-admin").is_err());
    }
}

//! Server functions: thin, documented adapters. Each is a public POST endpoint, so each
//! authorises from the session itself, parses its arguments, calls one pim-service function and
//! maps the error. Nothing the client sends about identity or permissions is trusted.

pub mod account;
pub mod auth;
pub mod me;
pub mod users;

use serde::{Deserialize, Serialize};

/// A started WebAuthn ceremony: its id, and the options for `navigator.credentials`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeremonyView {
    pub id: String,
    pub options_json: String,
}

#[cfg(feature = "ssr")]
impl From<pim_service::Ceremony> for CeremonyView {
    fn from(c: pim_service::Ceremony) -> Self {
        Self {
            id: c.id,
            options_json: c.options.to_string(),
        }
    }
}

//! Server functions: thin, documented adapters. Each is a public POST endpoint, so each
//! authorises from the session itself, parses its arguments, calls one pim-service function and
//! maps the error. Nothing the client sends about identity or permissions is trusted.

pub mod account;
pub mod api_tokens;
pub mod approvals;
pub mod assignments;
pub mod audit;
pub mod auth;
pub mod break_glass;
pub mod connectors;
pub mod emergency;
pub mod fields;
pub mod insights;
pub mod me;
pub mod my_roles;
pub mod notifications;
#[cfg(feature = "ssr")]
mod policy_form;
pub mod review_admin;
pub mod reviews;
pub mod roles;
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

/// The client's answer to a step-up; empty when the server asked for none.
#[cfg(feature = "ssr")]
pub(crate) fn step_up_answer<'a>(
    ceremony_id: &'a str,
    credential: &'a str,
) -> Option<pim_service::StepUpAnswer<'a>> {
    (!ceremony_id.is_empty()).then_some(pim_service::StepUpAnswer {
        ceremony_id,
        credential_json: credential,
    })
}

/// What the editor reads after an edit: `done`, or where the change now waits.
#[cfg(feature = "ssr")]
pub(crate) fn edit_message<T>(
    outcome: &pim_service::two_person::EditOutcome<T>,
    done: &str,
) -> String {
    use pim_service::two_person::EditOutcome;
    match outcome {
        EditOutcome::Applied(_) => done.to_owned(),
        EditOutcome::AwaitsSecondAdministrator { .. } => "This change affects you, so it waits \
             for another administrator: it applies once they approve it under Approvals → \
             Changes."
            .to_owned(),
    }
}

//! Who hears about a role's events: Entra's notification matrix. Three events (assigned
//! eligible, assigned active, activated) × three recipient classes (administrators, the
//! assignee or requester, the role's approvers), each on or off, with extra e-mail
//! recipients and a "critical only" flag that keeps only messages asking for action.
//!
//! Decisions, cancellations and expiry warnings are not in the matrix: the people concerned
//! always hear about those.

use serde::{Deserialize, Serialize};

use crate::notify::NoticeKind;
use crate::user::Email;

/// Extra recipients per cell; more belongs in a mailing list.
pub const MAX_EXTRA_RECIPIENTS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixEvent {
    EligibleAssigned,
    ActiveAssigned,
    Activated,
}

impl MatrixEvent {
    pub const ALL: [Self; 3] = [
        Self::EligibleAssigned,
        Self::ActiveAssigned,
        Self::Activated,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::EligibleAssigned => "eligible_assigned",
            Self::ActiveAssigned => "active_assigned",
            Self::Activated => "activated",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::EligibleAssigned => "Someone is made eligible",
            Self::ActiveAssigned => "Someone is assigned active",
            Self::Activated => "Someone activates (or asks to)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientClass {
    /// Holders of Privileged Role Administrator and Global Administrator, and the chat and
    /// webhook channels.
    Admins,
    /// The person assigned, or the requester.
    Assignee,
    /// The role's approvers (named, or the administrators when none are named), and the
    /// chat and webhook channels.
    Approvers,
}

impl RecipientClass {
    pub const ALL: [Self; 3] = [Self::Admins, Self::Assignee, Self::Approvers];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Admins => "admins",
            Self::Assignee => "assignee",
            Self::Approvers => "approvers",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Admins => "Administrators",
            Self::Assignee => "Assignee / requester",
            Self::Approvers => "Approvers",
        }
    }
}

/// The policy form's field name for one part ("on", "extra", "critical") of a cell; the page
/// and the form parser share it.
#[must_use]
pub fn matrix_field(event: MatrixEvent, class: RecipientClass, part: &str) -> String {
    format!("notify_{}_{}_{part}", event.code(), class.code())
}

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecipientRule {
    /// Whether the class's default recipients hear about it.
    pub default_recipients: bool,
    /// More e-mail addresses, inside or outside Stint.
    pub extra: Vec<String>,
    /// Only messages that ask for action (an approval, an expiry warning).
    pub critical_only: bool,
}

impl Default for RecipientRule {
    fn default() -> Self {
        Self {
            default_recipients: true,
            extra: Vec::new(),
            critical_only: false,
        }
    }
}

impl RecipientRule {
    /// Whether a notice of `kind` goes out under this rule at all.
    #[must_use]
    pub fn wants(&self, kind: NoticeKind) -> bool {
        !self.critical_only || kind.needs_action()
    }
}

/// The three recipient classes for one event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventRecipients {
    pub admins: RecipientRule,
    pub assignee: RecipientRule,
    pub approvers: RecipientRule,
}

impl EventRecipients {
    #[must_use]
    pub fn rule(&self, class: RecipientClass) -> &RecipientRule {
        match class {
            RecipientClass::Admins => &self.admins,
            RecipientClass::Assignee => &self.assignee,
            RecipientClass::Approvers => &self.approvers,
        }
    }

    pub fn rule_mut(&mut self, class: RecipientClass) -> &mut RecipientRule {
        match class {
            RecipientClass::Admins => &mut self.admins,
            RecipientClass::Assignee => &mut self.assignee,
            RecipientClass::Approvers => &mut self.approvers,
        }
    }
}

/// A role's notification settings. Everything on by default, as in Entra.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationMatrix {
    pub eligible_assigned: EventRecipients,
    pub active_assigned: EventRecipients,
    pub activated: EventRecipients,
}

/// A matrix cell that cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatrixError {
    #[error("\"{address}\" is not an e-mail address (extra recipients: {cell})")]
    BadAddress { address: String, cell: String },
    #[error(
        "at most {MAX_EXTRA_RECIPIENTS} extra recipients per setting ({cell}); use a mailing list"
    )]
    TooMany { cell: String },
}

impl NotificationMatrix {
    #[must_use]
    pub fn event(&self, event: MatrixEvent) -> &EventRecipients {
        match event {
            MatrixEvent::EligibleAssigned => &self.eligible_assigned,
            MatrixEvent::ActiveAssigned => &self.active_assigned,
            MatrixEvent::Activated => &self.activated,
        }
    }

    pub fn event_mut(&mut self, event: MatrixEvent) -> &mut EventRecipients {
        match event {
            MatrixEvent::EligibleAssigned => &mut self.eligible_assigned,
            MatrixEvent::ActiveAssigned => &mut self.active_assigned,
            MatrixEvent::Activated => &mut self.activated,
        }
    }

    /// Checks every extra recipient and stores addresses in their canonical (lower-case) form.
    pub fn normalized(mut self) -> Result<Self, MatrixError> {
        for event in MatrixEvent::ALL {
            for class in RecipientClass::ALL {
                let cell = format!("{} → {}", event.label(), class.label());
                let rule = self.event_mut(event).rule_mut(class);
                if rule.extra.len() > MAX_EXTRA_RECIPIENTS {
                    return Err(MatrixError::TooMany { cell });
                }
                for address in &mut rule.extra {
                    let email = Email::parse(address).map_err(|_| MatrixError::BadAddress {
                        address: address.clone(),
                        cell: cell.clone(),
                    })?;
                    *address = email.as_ref().to_owned();
                }
                rule.extra.sort();
                rule.extra.dedup();
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn every_cell_is_on_by_default_with_no_extras() {
        let m = NotificationMatrix::default();
        for event in MatrixEvent::ALL {
            for class in RecipientClass::ALL {
                assert_eq!(m.event(event).rule(class), &RecipientRule::default());
                assert!(m.event(event).rule(class).default_recipients);
            }
        }
    }

    #[test]
    fn critical_only_keeps_only_messages_that_ask_for_action() {
        let rule = RecipientRule {
            critical_only: true,
            ..RecipientRule::default()
        };
        assert!(rule.wants(NoticeKind::ApprovalNeeded));
        assert!(rule.wants(NoticeKind::ActivationEndingSoon));
        assert!(!rule.wants(NoticeKind::Activated));
        assert!(!rule.wants(NoticeKind::AssignedEligible));
        assert!(RecipientRule::default().wants(NoticeKind::Activated));
    }

    #[test]
    fn extra_recipients_are_checked_lower_cased_and_deduplicated() {
        let mut m = NotificationMatrix::default();
        m.activated.admins.extra = vec!["SOC@Example.com".into(), "soc@example.com".into()];
        let m = m.normalized().unwrap();
        assert_eq!(m.activated.admins.extra, vec!["soc@example.com".to_owned()]);

        let mut bad = NotificationMatrix::default();
        bad.eligible_assigned.approvers.extra = vec!["not an address".into()];
        let err = bad.normalized().unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"not an address\" is not an e-mail address (extra recipients: Someone is made \
             eligible → Approvers)"
        );

        let mut many = NotificationMatrix::default();
        many.active_assigned.assignee.extra = (0..=MAX_EXTRA_RECIPIENTS)
            .map(|i| format!("p{i}@example.com"))
            .collect();
        assert!(matches!(
            many.normalized(),
            Err(MatrixError::TooMany { .. })
        ));
    }

    #[test]
    fn a_policy_stored_before_the_matrix_existed_reads_with_everything_on() {
        let old: crate::policy::RolePolicy =
            serde_json::from_str(r#"{"activation":{"max_duration_seconds":3600}}"#).unwrap();
        assert_eq!(old.notifications, NotificationMatrix::default());
    }
}

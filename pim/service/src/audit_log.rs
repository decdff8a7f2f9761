//! Reading the audit log: the audit page for auditors and administrators, My audit for
//! everyone, and the chain check behind the auditors' "Verify" button.

use pim_core::audit::Checkpoint;
use pim_core::principal::Principal;
use pim_core::role::Permission;
use pim_store::AuditVerification;
pub use pim_store::audit_search::{AuditEntry, AuditFilter};

use crate::review_form::{date, invalid};
use crate::{Pim, ServiceError};

/// Events per page.
pub const AUDIT_PAGE_SIZE: i64 = 50;
/// A day, for the inclusive "to" date.
const DAY: i64 = 86_400;

/// The audit page's filter form as typed: e-mail addresses, an action code, dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor_email: String,
    pub subject_email: String,
    pub action: String,
    /// A role's exact name.
    pub role: String,
    /// `success`, `failure` or empty for both.
    pub outcome: String,
    /// `YYYY-MM-DD` (UTC), inclusive.
    pub from: String,
    /// `YYYY-MM-DD` (UTC), inclusive.
    pub to: String,
}

/// One page of events, newest first, and where the next (older) page starts.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub events: Vec<AuditEntry>,
    pub older_than: Option<i64>,
}

/// The audit streams to SIEMs and the log's last sequence number, to say how far behind
/// each receiver is.
#[derive(Debug, Clone)]
pub struct AuditStreams {
    pub streams: Vec<pim_store::audit_streams::AuditStreamRow>,
    pub head_seq: i64,
}

impl Pim {
    fn require_audit_reader(who: &Principal) -> Result<(), ServiceError> {
        if who.can(Permission::ReadAudit) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// The audit page: every event matching `query`, for auditors and administrators.
    pub async fn audit_page(
        &self,
        who: &Principal,
        query: &AuditQuery,
        before_seq: Option<i64>,
    ) -> Result<AuditPage, ServiceError> {
        Self::require_audit_reader(who)?;
        let filter = self.audit_filter(query).await?;
        self.page_of(&filter, before_seq).await
    }

    /// My audit: what the caller did and what was done about them.
    pub async fn my_audit(
        &self,
        who: &Principal,
        before_seq: Option<i64>,
    ) -> Result<AuditPage, ServiceError> {
        let filter = AuditFilter {
            involving: Some(who.user_id),
            ..AuditFilter::default()
        };
        self.page_of(&filter, before_seq).await
    }

    /// Recomputes the chain against its key and `checkpoints` (written outside the database).
    pub async fn verify_audit(
        &self,
        who: &Principal,
        checkpoints: Vec<Checkpoint>,
    ) -> Result<AuditVerification, ServiceError> {
        Self::require_audit_reader(who)?;
        Ok(self.store().verify_audit(checkpoints).await?)
    }

    /// Where the audit log streams to, how far each receiver got and whether it fails now.
    pub async fn audit_streams(&self, who: &Principal) -> Result<AuditStreams, ServiceError> {
        Self::require_audit_reader(who)?;
        let streams = self.store().audit_streams().await?;
        let head_seq = self.store().audit_head(self.now()).await?.seq;
        Ok(AuditStreams { streams, head_seq })
    }

    /// The filter of the audit page, for an export of the same events.
    pub(crate) async fn audit_reader_filter(
        &self,
        who: &Principal,
        query: &AuditQuery,
    ) -> Result<AuditFilter, ServiceError> {
        Self::require_audit_reader(who)?;
        self.audit_filter(query).await
    }

    async fn page_of(
        &self,
        filter: &AuditFilter,
        before_seq: Option<i64>,
    ) -> Result<AuditPage, ServiceError> {
        let mut events = (self.store())
            .search_audit(filter, before_seq, AUDIT_PAGE_SIZE + 1)
            .await?;
        let more = events.len() > usize::try_from(AUDIT_PAGE_SIZE).unwrap_or(usize::MAX);
        events.truncate(usize::try_from(AUDIT_PAGE_SIZE).unwrap_or(usize::MAX));
        let older_than = more.then(|| events.last().map(|e| e.record.seq)).flatten();
        Ok(AuditPage { events, older_than })
    }

    async fn audit_filter(&self, q: &AuditQuery) -> Result<AuditFilter, ServiceError> {
        let person = |email: &str, field: &'static str| {
            let email = email.trim().to_lowercase();
            async move {
                if email.is_empty() {
                    return Ok(None);
                }
                match self.store().find_user_by_email(&email).await? {
                    Some(user) => Ok(Some(user.id)),
                    None => Err(invalid(field, "no person with this e-mail address")),
                }
            }
        };
        let outcome = match q.outcome.trim() {
            "" => None,
            o @ ("success" | "failure") => Some(o.to_owned()),
            _ => return Err(invalid("Outcome", "choose success or failure")),
        };
        let action = q.action.trim();
        if action.len() > 100 {
            return Err(invalid("Action", "at most 100 characters"));
        }
        let role = q.role.trim();
        if role.len() > 200 {
            return Err(invalid("Role", "at most 200 characters"));
        }
        let from = (!q.from.trim().is_empty())
            .then(|| date(&q.from, "From"))
            .transpose()?;
        let to = (!q.to.trim().is_empty())
            .then(|| date(&q.to, "To").map(|t| t.plus_seconds(DAY)))
            .transpose()?;
        if let (Some(from), Some(to)) = (from, to)
            && to <= from
        {
            return Err(invalid("To", "must not be before From"));
        }
        Ok(AuditFilter {
            actor: person(&q.actor_email, "Actor").await?,
            subject: person(&q.subject_email, "Subject").await?,
            involving: None,
            action: (!action.is_empty()).then(|| action.to_owned()),
            role: (!role.is_empty()).then(|| role.to_owned()),
            outcome,
            from,
            to,
        })
    }
}

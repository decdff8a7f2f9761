//! The audit page's query: filters, newest first, keyset pagination on the sequence.

use pim_core::{Timestamp, UserId};

use crate::{AuditRecord, Store, StoreError, on_pool};

/// What the audit page filters by; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub subject: Option<UserId>,
    /// Events this person did or that were about them (My audit).
    pub involving: Option<UserId>,
    /// An action code, e.g. `role.selfActivate`.
    pub action: Option<String>,
    /// `success` or `failure`.
    pub outcome: Option<String>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub to: Option<Timestamp>,
}

/// An event with the names of the people in it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditEntry {
    #[sqlx(flatten)]
    pub record: AuditRecord,
    pub actor_name: Option<String>,
    pub subject_name: Option<String>,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// Conditions joined by AND, with `$n` placeholders numbered in bind order.
#[derive(Default)]
struct Where {
    conditions: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    /// `sql` with one `?` per value.
    fn add(&mut self, sql: &str, values: impl IntoIterator<Item = Bind>) {
        let mut values = values.into_iter();
        let mut text = String::new();
        for (i, part) in sql.split('?').enumerate() {
            if i > 0
                && let Some(value) = values.next()
            {
                self.binds.push(value);
                text.push_str(&format!("${}", self.binds.len()));
            }
            text.push_str(part);
        }
        self.conditions.push(text);
    }
}

impl AuditFilter {
    /// The WHERE clause (from `$1`) and its values.
    fn clause(&self, before_seq: Option<i64>) -> (String, Vec<Bind>) {
        let mut w = Where::default();
        let text = |u: UserId| Bind::Text(u.to_string());
        if let Some(seq) = before_seq {
            w.add("e.seq < ?", [Bind::Int(seq)]);
        }
        if let Some(u) = self.actor {
            w.add("e.actor_id = ?", [text(u)]);
        }
        if let Some(u) = self.subject {
            w.add("e.subject_user_id = ?", [text(u)]);
        }
        if let Some(u) = self.involving {
            w.add(
                "(e.actor_id = ? OR e.subject_user_id = ?)",
                [text(u), text(u)],
            );
        }
        if let Some(a) = &self.action {
            w.add("e.action = ?", [Bind::Text(a.clone())]);
        }
        if let Some(o) = &self.outcome {
            w.add("e.outcome = ?", [Bind::Text(o.clone())]);
        }
        if let Some(t) = self.from {
            w.add("e.at >= ?", [Bind::Int(t.unix())]);
        }
        if let Some(t) = self.to {
            w.add("e.at < ?", [Bind::Int(t.unix())]);
        }
        let clause = if w.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", w.conditions.join(" AND "))
        };
        (clause, w.binds)
    }
}

impl Store {
    /// Up to `limit` events matching `filter`, newest first, older than `before_seq` if given.
    pub async fn search_audit(
        &self,
        filter: &AuditFilter,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let (clause, binds) = filter.clause(before_seq);
        let sql = format!(
            "SELECT e.seq, e.at, e.action, e.outcome, e.actor_id, e.subject_user_id, e.details, \
             e.prev_hash, e.hash, a.display_name AS actor_name, s.display_name AS subject_name \
             FROM audit_events e LEFT JOIN users a ON a.id = e.actor_id \
             LEFT JOIN users s ON s.id = e.subject_user_id {clause} \
             ORDER BY e.seq DESC LIMIT ${}",
            binds.len() + 1
        );
        Ok(on_pool!(self.db(), |pool| {
            let mut query = sqlx::query_as::<_, AuditEntry>(&sql);
            for bind in &binds {
                query = match bind {
                    Bind::Text(text) => query.bind(text.as_str()),
                    Bind::Int(n) => query.bind(*n),
                };
            }
            query.bind(limit).fetch_all(pool).await?
        }))
    }

    /// One event by its sequence number.
    pub async fn audit_event(&self, seq: i64) -> Result<Option<AuditEntry>, StoreError> {
        let before = seq.saturating_add(1);
        let found = self
            .search_audit(&AuditFilter::default(), Some(before), 1)
            .await?;
        Ok(found.into_iter().find(|e| e.record.seq == seq))
    }
}

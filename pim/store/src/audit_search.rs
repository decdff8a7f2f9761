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
    /// A role's name as the event's details record it (`"role"`).
    pub role: Option<String>,
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

impl AuditEntry {
    /// The event as exports and SIEM streams carry it: its time in RFC 3339, the people's
    /// ids and names, the details as an object, and both hashes (so a receiver can
    /// de-duplicate on `seq` and check the chain).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let r = &self.record;
        serde_json::json!({
            "seq": r.seq,
            "time": Timestamp::from_unix(r.at).rfc3339(),
            "action": r.action,
            "outcome": r.outcome,
            "actor_id": r.actor_id,
            "actor": self.actor_name,
            "subject_id": r.subject_user_id,
            "subject": self.subject_name,
            "details": serde_json::from_str::<serde_json::Value>(&r.details)
                .unwrap_or_else(|_| r.details.clone().into()),
            "prev_hash": r.prev_hash,
            "hash": r.hash,
        })
    }
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

/// The role named in an event's details; the same expression as the `audit_events_role`
/// index of each engine, so the planner uses it.
fn role_expression(db: &crate::Db) -> &'static str {
    match db {
        crate::Db::Sqlite(_) => "json_extract(e.details, '$.role')",
        crate::Db::Postgres(_) => "((e.details::jsonb) ->> 'role')",
    }
}

impl AuditFilter {
    /// The WHERE clause (from `$1`) and its values.
    /// `seqs` is the time range turned into sequence numbers (see [`Store::seq_range`]).
    fn clause(
        &self,
        db: &crate::Db,
        before_seq: Option<i64>,
        seqs: Option<(i64, i64)>,
    ) -> (String, Vec<Bind>) {
        let mut w = Where::default();
        let text = |u: UserId| Bind::Text(u.to_string());
        // One upper bound, the tighter of the page's and the time range's: given two, the
        // planner cannot tell which one ends the index range and may walk far past the range.
        let range_end = seqs.map(|(_, last)| last.saturating_add(1));
        if let Some(end) = before_seq.into_iter().chain(range_end).min() {
            w.add("e.seq < ?", [Bind::Int(end)]);
        }
        if let Some((first, _)) = seqs {
            w.add("e.seq >= ?", [Bind::Int(first)]);
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
        if let Some(r) = &self.role {
            w.add(
                &format!("{} = ?", role_expression(db)),
                [Bind::Text(r.clone())],
            );
        }
        if let Some(o) = &self.outcome {
            w.add("e.outcome = ?", [Bind::Text(o.clone())]);
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
        let seqs = if filter.from.is_none() && filter.to.is_none() {
            None
        } else {
            match self.seq_range(filter.from, filter.to).await? {
                Some(range) => Some(range),
                None => return Ok(Vec::new()),
            }
        };
        let (clause, binds) = filter.clause(self.db(), before_seq, seqs);
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

    /// The first and last sequence numbers of the events at or after `from` and before `to`,
    /// by two seeks on `audit_events(at, seq)`; `None` when no event falls in the range. Exact
    /// because event times never decrease along the chain (see `Tx::append_audit`).
    async fn seq_range(
        &self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        let (first, last) = on_pool!(self.db(), |pool| {
            let first = match from {
                None => Some(0),
                Some(t) => {
                    sqlx::query_scalar::<_, i64>(
                        "SELECT seq FROM audit_events WHERE at >= $1 ORDER BY at, seq LIMIT 1",
                    )
                    .bind(t.unix())
                    .fetch_optional(pool)
                    .await?
                }
            };
            let last = match to {
                None => Some(i64::MAX),
                Some(t) => {
                    sqlx::query_scalar::<_, i64>(
                        "SELECT seq FROM audit_events WHERE at < $1 \
                         ORDER BY at DESC, seq DESC LIMIT 1",
                    )
                    .bind(t.unix())
                    .fetch_optional(pool)
                    .await?
                }
            };
            (first, last)
        });
        Ok(first.zip(last).filter(|(first, last)| first <= last))
    }

    /// Up to `limit` events after `after_seq`, oldest first: what a stream to a SIEM sends next.
    pub async fn audit_after(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, AuditEntry>(
                "SELECT e.seq, e.at, e.action, e.outcome, e.actor_id, e.subject_user_id, \
                 e.details, e.prev_hash, e.hash, a.display_name AS actor_name, \
                 s.display_name AS subject_name FROM audit_events e \
                 LEFT JOIN users a ON a.id = e.actor_id \
                 LEFT JOIN users s ON s.id = e.subject_user_id \
                 WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
            )
            .bind(after_seq)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }
}

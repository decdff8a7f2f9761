//! Role assignments, and the roles a user holds right now.

use pim_core::activation::Eligibility;
use pim_core::assignment::Assignment;
pub use pim_core::assignment::AssignmentKind;
use pim_core::principal::ActiveRole;
use pim_core::role::Tier;
use pim_core::{ActivationId, AssignmentId, RoleId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

pub struct NewAssignment<'a> {
    pub id: AssignmentId,
    pub user_id: UserId,
    pub role_id: RoleId,
    pub kind: AssignmentKind,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub assigned_by: Option<UserId>,
    pub justification: &'a str,
}

/// Which assignments a list shows.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub role: Option<RoleId>,
    pub user: Option<UserId>,
    pub kind: Option<AssignmentKind>,
    /// Only permanent ones (no end).
    pub permanent_only: bool,
}

/// The roles a user (`$1`) holds at `$2`: active assignments and active activations whose
/// eligibility still stands, each only while `starts_at <= now < ends_at`.
pub(crate) const ACTIVE_ROLES: &str = "\
    SELECT a.role_id, r.name, a.ends_at, NULL AS activation_id FROM assignments a \
    JOIN roles r ON r.id = a.role_id \
    WHERE a.user_id = $1 AND a.kind = 'active' AND a.removed_at IS NULL \
    AND a.starts_at <= $2 AND (a.ends_at IS NULL OR a.ends_at > $2) \
    UNION ALL \
    SELECT v.role_id, r.name, v.ends_at, v.id FROM activations v \
    JOIN roles r ON r.id = v.role_id \
    JOIN assignments e ON e.id = v.eligibility_id \
    WHERE v.user_id = $1 AND v.state = 'active' \
    AND v.starts_at <= $2 AND v.ends_at > $2 \
    AND e.removed_at IS NULL AND e.starts_at <= $2 \
    AND (e.ends_at IS NULL OR e.ends_at > $2)";

#[derive(sqlx::FromRow)]
pub(crate) struct ActiveRoleRow {
    pub(crate) role_id: String,
    pub(crate) name: String,
    pub(crate) ends_at: Option<i64>,
    pub(crate) activation_id: Option<String>,
}

/// Active roles from their rows, soonest end first (permanent ones last).
pub(crate) fn active_roles(rows: Vec<ActiveRoleRow>) -> Result<Vec<ActiveRole>, StoreError> {
    let mut roles = rows
        .into_iter()
        .map(|r| {
            Ok(ActiveRole {
                role_id: RoleId::parse(&r.role_id).map_err(StoreError::corrupt)?,
                name: r.name,
                ends_at: r.ends_at.map(Timestamp::from_unix),
                activation_id: r
                    .activation_id
                    .map(|id| ActivationId::parse(&id))
                    .transpose()
                    .map_err(StoreError::corrupt)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    roles.sort_by(|a, b| {
        (a.ends_at.is_none(), a.ends_at, &a.name).cmp(&(b.ends_at.is_none(), b.ends_at, &b.name))
    });
    Ok(roles)
}

#[derive(sqlx::FromRow)]
struct AssignmentRow {
    id: String,
    user_id: String,
    user_name: String,
    user_email: String,
    role_id: String,
    role_name: String,
    tier: i64,
    kind: String,
    starts_at: i64,
    ends_at: Option<i64>,
    justification: String,
}

const SELECT: &str = "SELECT a.id, a.user_id, u.display_name AS user_name, u.email AS user_email, \
     a.role_id, r.name AS role_name, CAST(r.tier AS BIGINT) AS tier, a.kind, a.starts_at, a.ends_at, a.justification \
     FROM assignments a JOIN users u ON u.id = a.user_id JOIN roles r ON r.id = a.role_id";

/// Not removed and not ended at `$N` (it may start later).
fn open_at(n: u8) -> String {
    format!("a.removed_at IS NULL AND (a.ends_at IS NULL OR a.ends_at > ${n})")
}

impl TryFrom<AssignmentRow> for Assignment {
    type Error = StoreError;
    fn try_from(r: AssignmentRow) -> Result<Self, StoreError> {
        Ok(Assignment {
            id: AssignmentId::parse(&r.id).map_err(StoreError::corrupt)?,
            user_id: UserId::parse(&r.user_id).map_err(StoreError::corrupt)?,
            user_name: r.user_name,
            user_email: r.user_email,
            role_id: RoleId::parse(&r.role_id).map_err(StoreError::corrupt)?,
            role_name: r.role_name,
            tier: Tier::from_level(r.tier).ok_or_else(|| StoreError::corrupt("tier"))?,
            kind: AssignmentKind::from_code(&r.kind).map_err(StoreError::corrupt)?,
            starts_at: Timestamp::from_unix(r.starts_at),
            ends_at: r.ends_at.map(Timestamp::from_unix),
            justification: r.justification,
        })
    }
}

fn convert(rows: Vec<AssignmentRow>) -> Result<Vec<Assignment>, StoreError> {
    rows.into_iter().map(Assignment::try_from).collect()
}

impl Store {
    /// An assignment that has not been removed.
    pub async fn find_assignment(
        &self,
        id: AssignmentId,
    ) -> Result<Option<Assignment>, StoreError> {
        let sql = format!("{SELECT} WHERE a.id = $1 AND a.removed_at IS NULL");
        let row = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, AssignmentRow>(&sql)
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?
        });
        row.map(Assignment::try_from).transpose()
    }
}

impl Store {
    /// Roles in effect for `user` at `now`: active assignments and active activations whose
    /// eligibility still stands, each only while `starts_at <= now < ends_at`. Soonest end
    /// first. Authorisation reads roles from [`ACTIVE_ROLES`], here or in
    /// [`Store::find_signed_in`].
    pub async fn find_active_roles(
        &self,
        user: UserId,
        now: Timestamp,
    ) -> Result<Vec<ActiveRole>, StoreError> {
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ActiveRoleRow>(ACTIVE_ROLES)
                .bind(user.to_string())
                .bind(now.unix())
                .fetch_all(pool)
                .await?
        });
        active_roles(rows)
    }

    /// Assignments not removed and not ended at `now`, by role then person.
    ///
    /// Each filter that is set becomes its own condition, so a person's or a role's index
    /// serves it: a catch-all `($n IS NULL OR a.user_id = $n)` compiles to one plan for every
    /// filter and scans all open assignments (8 ms for one person's My roles among 20,000).
    pub async fn list_assignments(
        &self,
        filter: &AssignmentFilter,
        now: Timestamp,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Assignment>, StoreError> {
        let role = filter.role.map(|r| r.to_string());
        let user = filter.user.map(|u| u.to_string());
        let equals = [
            ("a.role_id", role.as_deref()),
            ("a.user_id", user.as_deref()),
            ("a.kind", filter.kind.map(AssignmentKind::code)),
        ];
        let mut sql = format!("{SELECT} WHERE {}", open_at(1));
        let mut next = 2;
        for (column, _) in equals.iter().filter(|(_, value)| value.is_some()) {
            sql.push_str(&format!(" AND {column} = ${next}"));
            next += 1;
        }
        if filter.permanent_only {
            sql.push_str(" AND a.ends_at IS NULL");
        }
        sql.push_str(&format!(
            " ORDER BY r.tier, r.name, u.display_name, a.id LIMIT ${next} OFFSET ${}",
            next + 1
        ));
        let rows = on_pool!(self.db(), |pool| {
            let mut query = sqlx::query_as::<_, AssignmentRow>(&sql).bind(now.unix());
            for value in equals.iter().filter_map(|(_, value)| *value) {
                query = query.bind(value);
            }
            query.bind(limit).bind(offset).fetch_all(pool).await?
        });
        convert(rows)
    }

    /// Eligible assignments whose end has passed but was not yet recorded.
    pub async fn due_assignment_ends(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<Assignment>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE a.removed_at IS NULL AND a.ends_at <= $1 ORDER BY a.ends_at, a.id LIMIT $2"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, AssignmentRow>(&sql)
                .bind(now.unix())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        convert(rows)
    }

    /// Eligibilities still standing whose end falls in `(from, to]`, for reminders.
    pub async fn eligibilities_ending_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: i64,
    ) -> Result<Vec<Assignment>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE a.removed_at IS NULL AND a.kind = 'eligible' AND a.ends_at > $1 \
             AND a.ends_at <= $2 ORDER BY a.ends_at, a.id LIMIT $3"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, AssignmentRow>(&sql)
                .bind(from.unix())
                .bind(to.unix())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        convert(rows)
    }
}

impl Tx {
    pub async fn create_assignment(
        &mut self,
        a: NewAssignment<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO assignments (id, user_id, role_id, kind, starts_at, ends_at, \
                 assigned_by, justification, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(a.id.to_string())
            .bind(a.user_id.to_string())
            .bind(a.role_id.to_string())
            .bind(a.kind.code())
            .bind(a.starts_at.unix())
            .bind(a.ends_at.map(Timestamp::unix))
            .bind(a.assigned_by.map(|u| u.to_string()))
            .bind(a.justification)
            .bind(now.unix())
            .execute(conn)
            .await?;
        });
        Ok(())
    }

    pub async fn find_assignment(
        &mut self,
        id: AssignmentId,
    ) -> Result<Option<Assignment>, StoreError> {
        let sql = format!("{SELECT} WHERE a.id = $1 AND a.removed_at IS NULL");
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, AssignmentRow>(&sql)
                .bind(id.to_string())
                .fetch_optional(conn)
                .await?
        });
        row.map(Assignment::try_from).transpose()
    }

    /// The open assignments of one person and role at `now` (it may start later).
    pub async fn assignments_of(
        &mut self,
        user: UserId,
        role: RoleId,
        now: Timestamp,
    ) -> Result<Vec<Assignment>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE a.user_id = $2 AND a.role_id = $3 AND {} ORDER BY a.starts_at",
            open_at(1)
        );
        let rows = on_tx!(self, |conn| {
            sqlx::query_as::<_, AssignmentRow>(&sql)
                .bind(now.unix())
                .bind(user.to_string())
                .bind(role.to_string())
                .fetch_all(conn)
                .await?
        });
        convert(rows)
    }

    /// The eligibility `user` has for `role` at `at`, with the latest end if several overlap.
    pub async fn eligibility_at(
        &mut self,
        user: UserId,
        role: RoleId,
        at: Timestamp,
    ) -> Result<Option<Eligibility>, StoreError> {
        let all = self.assignments_of(user, role, at).await?;
        Ok(all
            .into_iter()
            .filter(|a| a.kind == AssignmentKind::Eligible && a.starts_at <= at)
            .max_by_key(|a| (a.ends_at.is_none(), a.ends_at))
            .map(|a| Eligibility {
                assignment_id: a.id,
                starts_at: a.starts_at,
                ends_at: a.ends_at,
            }))
    }

    /// Marks an assignment removed (or its end recorded); `false` if it already was.
    pub async fn close_assignment(
        &mut self,
        id: AssignmentId,
        at: Timestamp,
        by: Option<UserId>,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE assignments SET removed_at = $2, removed_by = $3, removal_reason = $4 \
                 WHERE id = $1 AND removed_at IS NULL",
            )
            .bind(id.to_string())
            .bind(at.unix())
            .bind(by.map(|u| u.to_string()))
            .bind(reason)
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Moves the end of an open assignment (`None` = permanent).
    pub async fn set_assignment_end(
        &mut self,
        id: AssignmentId,
        ends_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query("UPDATE assignments SET ends_at = $2 WHERE id = $1 AND removed_at IS NULL")
                .bind(id.to_string())
                .bind(ends_at.map(Timestamp::unix))
                .execute(conn)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Active people who would still hold `role` through an open assignment at `now` if
    /// assignment `except` went away. The role's open assignments are locked first, so two
    /// removals at once cannot each count the other's assignment (PostgreSQL's READ COMMITTED
    /// makes the second wait and count again; SQLite's write transactions are serial anyway).
    pub async fn count_holders_without(
        &mut self,
        role: RoleId,
        except: AssignmentId,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let sql = format!(
            "SELECT COUNT(DISTINCT a.user_id) FROM assignments a JOIN users u ON u.id = a.user_id \
             WHERE a.role_id = $2 AND a.id <> $3 AND u.status = 'active' AND {}",
            open_at(1)
        );
        Ok(on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE assignments SET role_id = role_id \
                 WHERE role_id = $1 AND removed_at IS NULL",
            )
            .bind(role.to_string())
            .execute(&mut *conn)
            .await?;
            sqlx::query_scalar::<_, i64>(&sql)
                .bind(now.unix())
                .bind(role.to_string())
                .bind(except.to_string())
                .fetch_one(&mut *conn)
                .await?
        }))
    }
}

//! Data the benchmarks need, written straight through the store (set-up, not a measured path).

use pim_core::assignment::AssignmentKind;
use pim_core::role::Tier;
use pim_core::time::DAY;
use pim_core::{AssignmentId, RoleId, Timestamp, UserId};
use pim_service::Pim;
use pim_store::Tx;
use pim_store::assignments::NewAssignment;
use pim_store::roles::NewRole;

/// Creates custom tier-1 roles named `names` and makes `user` eligible for each for a year.
pub async fn eligible_roles(
    pim: &Pim,
    user: UserId,
    names: &[String],
) -> anyhow::Result<Vec<RoleId>> {
    let now = pim.now();
    let mut tx = pim.store().begin().await?;
    let mut ids = Vec::new();
    for name in names {
        let role = RoleId::new_random();
        tx.create_role(
            NewRole {
                id: role,
                name,
                description: "Benchmark role",
                tier: Tier::HIGH,
            },
            now,
        )
        .await?;
        eligible_for_a_year(&mut tx, user, role, now).await?;
        ids.push(role);
    }
    tx.commit().await?;
    Ok(ids)
}

/// Makes `user` eligible for `role` from `now` for a year; returns the eligibility.
pub async fn eligible_for_a_year(
    tx: &mut Tx,
    user: UserId,
    role: RoleId,
    now: Timestamp,
) -> anyhow::Result<AssignmentId> {
    let id = AssignmentId::new_random();
    tx.create_assignment(
        NewAssignment {
            id,
            user_id: user,
            role_id: role,
            kind: AssignmentKind::Eligible,
            starts_at: now,
            ends_at: Some(now.plus_seconds(365 * DAY)),
            assigned_by: None,
            justification: "Benchmark",
        },
        now,
    )
    .await?;
    Ok(id)
}

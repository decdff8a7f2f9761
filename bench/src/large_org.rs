//! A large organisation around the page's signed-in user: thousands of other people holding
//! the same roles, many of them active or waiting for approval. The page shows only the
//! user's own roles, so its cost should not grow with everyone else's; a query that reads
//! the whole organisation (a missing index, a filter the planner cannot use) shows up here
//! and not in the small organisation the headline figure uses.

use pim_core::activation::ActivationState;
use pim_core::role::Tier;
use pim_core::time::{DAY, HOUR};
use pim_core::user::UserKind;
use pim_core::{ActivationId, RoleId, UserId};
use pim_service::Pim;
use pim_store::Db;
use pim_store::NewUser;
use pim_store::activations::NewActivation;
use pim_store::roles::NewRole;

pub const PEOPLE: usize = 2_000;
/// Roles the page's user has nothing to do with: an organisation's other teams have theirs.
pub const OTHER_ROLES: usize = 300;
pub const ROLES_EACH: usize = 10;
/// Every person holds one role active now; every tenth also waits for approval of another.
pub const PENDING_EVERY: usize = 10;

/// Adds [`OTHER_ROLES`] roles and [`PEOPLE`] people, each eligible for [`ROLES_EACH`] of
/// `roles`, one of them active and, for every tenth, a second one pending approval. Then
/// refreshes SQLite's planner statistics, as a running server's pooled connections do when
/// they close.
pub async fn seed(pim: &Pim, roles: &[RoleId]) -> anyhow::Result<()> {
    anyhow::ensure!(
        roles.len() >= ROLES_EACH,
        "need {ROLES_EACH} roles to share"
    );
    let now = pim.now();
    let mut tx = pim.store().begin().await?;
    for n in 0..OTHER_ROLES {
        tx.create_role(
            NewRole {
                id: RoleId::new_random(),
                name: &format!("Team role {n:03}"),
                description: "Another team's role",
                tier: Tier::HIGH,
            },
            now,
        )
        .await?;
    }
    for person in 0..PEOPLE {
        let user = UserId::new_random();
        let name = format!("Person {person:04}");
        tx.create_user(
            NewUser {
                id: user,
                display_name: &name,
                email: &format!("person{person:04}@bench.invalid"),
                manager_id: None,
                kind: UserKind::Regular,
            },
            now,
        )
        .await?;
        for i in 0..ROLES_EACH {
            let role = roles[(person + i) % roles.len()];
            let eligibility = crate::seed::eligible_for_a_year(&mut tx, user, role, now).await?;
            let state = match i {
                0 => ActivationState::Active,
                1 if person % PENDING_EVERY == 0 => ActivationState::PendingApproval,
                _ => continue,
            };
            let pending = state == ActivationState::PendingApproval;
            tx.insert_activation(
                NewActivation {
                    id: ActivationId::new_random(),
                    user_id: user,
                    role_id: role,
                    eligibility_id: eligibility,
                    state,
                    starts_at: now,
                    ends_at: now.plus_seconds(8 * HOUR),
                    justification: "Benchmark activation",
                    ticket: None,
                    decide_by: pending.then(|| now.plus_seconds(DAY)),
                },
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    if let Db::Sqlite(pool) = pim.store().db() {
        sqlx::query("ANALYZE").execute(pool).await?;
    }
    Ok(())
}

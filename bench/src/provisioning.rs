//! Connector latency on loopback: from the commit that starts an activation to its grant
//! being visible in PostgreSQL, and from the due-work pass that records its end to the revoke
//! being visible; each against the raw statement (connect, GRANT or REVOKE, close) on the same
//! server. The worker runs as in the server: woken by the commit that queued the job.

use std::time::{Duration, Instant};

use pim_core::time::MINUTE;
use pim_service::Pim;
use pim_service::connectors::ConnectorForm;
use sqlx::{Connection, PgConnection};

use crate::activation::{BenchUser, five_minutes};

const ROUNDS: usize = 50;
/// How often the harness looks at PostgreSQL while it waits.
const POLL: Duration = Duration::from_millis(2);

pub struct ProvisioningFigures {
    grant: Percentiles,
    revoke: Percentiles,
    raw_grant: Percentiles,
    raw_revoke: Percentiles,
}

struct Percentiles {
    p50: Duration,
    p99: Duration,
}

impl Percentiles {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let at = |q: f64| {
            let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
            samples.get(i).copied().unwrap_or_default()
        };
        Self {
            p50: at(0.5),
            p99: at(0.99),
        }
    }

    fn text(&self) -> String {
        format!(
            "{:.1} / {:.1} ms",
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3
        )
    }
}

/// `None` when no PostgreSQL answers at `pg_url` (the figure is then reported as skipped).
pub async fn run(
    work: &std::path::Path,
    pg_url: &str,
) -> anyhow::Result<Option<ProvisioningFigures>> {
    let Ok(mut admin) = PgConnection::connect(pg_url).await else {
        return Ok(None);
    };
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
    let (target, login) = (format!("bench_target_{suffix}"), format!("bench_{suffix}"));
    sqlx::query(&format!("CREATE ROLE {target} NOLOGIN"))
        .execute(&mut admin)
        .await?;
    sqlx::query(&format!("CREATE ROLE {login} LOGIN"))
        .execute(&mut admin)
        .await?;
    let measured = measure(work, pg_url, &mut admin, &target, &login).await;
    for role in [&login, &target] {
        sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
            .execute(&mut admin)
            .await?;
    }
    measured.map(Some)
}

async fn measure(
    work: &std::path::Path,
    pg_url: &str,
    admin: &mut PgConnection,
    target: &str,
    login: &str,
) -> anyhow::Result<ProvisioningFigures> {
    let mut user = BenchUser::new(work, "provisioning.db").await?;
    let who = user.principal().await?;
    let form = ConnectorForm {
        name: "Bench database".into(),
        role_id: user.role.to_string(),
        target: target.into(),
        database_url: pg_url.into(),
        ..ConnectorForm::default()
    };
    let connector = user.pim.create_connector(&who, &form).await?;
    user.pim
        .map_connector_login(&who, connector, "admin@localhost", login)
        .await?;
    let worker = spawn_worker(user.pim.clone());

    let activation = five_minutes();
    let (mut grants, mut revokes) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        user.activate(&activation).await?;
        let committed = Instant::now();
        wait_for_membership(admin, target, login, true).await?;
        grants.push(committed.elapsed());

        user.clock.advance(5 * MINUTE);
        let due = Instant::now();
        user.pim.run_due_work().await?;
        wait_for_membership(admin, target, login, false).await?;
        revokes.push(due.elapsed());
    }
    worker.abort();

    let (mut raw_grants, mut raw_revokes) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        raw_grants.push(raw_statement(pg_url, &format!("GRANT {target} TO {login}")).await?);
        raw_revokes.push(raw_statement(pg_url, &format!("REVOKE {target} FROM {login}")).await?);
    }
    Ok(ProvisioningFigures {
        grant: Percentiles::of(grants),
        revoke: Percentiles::of(revokes),
        raw_grant: Percentiles::of(raw_grants),
        raw_revoke: Percentiles::of(raw_revokes),
    })
}

/// The server's provisioning loop: a pass whenever a commit queued a job.
fn spawn_worker(pim: Pim) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = pim.provisioning_queued() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
            if let Err(err) = pim.run_provisioning().await {
                eprintln!("provisioning pass failed: {err}");
            }
        }
    })
}

async fn wait_for_membership(
    admin: &mut PgConnection,
    target: &str,
    login: &str,
    member: bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid \
             JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = $1 AND m.rolname = $2)",
        )
        .bind(target)
        .bind(login)
        .fetch_one(&mut *admin)
        .await?;
        if found == member {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the {} did not show in 30 s",
            if member { "grant" } else { "revoke" }
        );
        tokio::time::sleep(POLL).await;
    }
}

async fn raw_statement(pg_url: &str, sql: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut conn = PgConnection::connect(pg_url).await?;
    sqlx::query(sql).execute(&mut conn).await?;
    conn.close().await?;
    Ok(started.elapsed())
}

impl ProvisioningFigures {
    pub fn print(figures: Option<&Self>) {
        let Some(f) = figures else {
            println!(
                "| Connector grant and revoke | skipped: no PostgreSQL at the admin URL | | | |"
            );
            return;
        };
        let ratio = |a: &Percentiles, b: &Percentiles| {
            a.p99.as_secs_f64() / b.p99.as_secs_f64().max(f64::EPSILON)
        };
        println!(
            "| Activation commit → grant visible in PostgreSQL, p50 / p99 | {} | {} (connect + GRANT) | {:.1} × at p99 | p99 ≤ 1 s {} |",
            f.grant.text(),
            f.raw_grant.text(),
            ratio(&f.grant, &f.raw_grant),
            crate::mark(f.grant.p99 <= Duration::from_secs(1))
        );
        println!(
            "| Expiry recorded → revoke visible, p50 / p99 (the due-work pass wakes ≤ 1 s after the end) | {} | {} (connect + REVOKE) | {:.1} × at p99 | p99 ≤ 2 s {} |",
            f.revoke.text(),
            f.raw_revoke.text(),
            ratio(&f.revoke, &f.raw_revoke),
            crate::mark(f.revoke.p99 + Duration::from_secs(1) <= Duration::from_secs(2))
        );
    }
}

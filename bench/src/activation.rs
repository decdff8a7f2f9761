//! The full activation path (step-up verification, state change and audit event in one
//! SQLite transaction with synchronous=FULL) against raw single-row commits on the same
//! engine and settings.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pim_core::Timestamp;
use pim_core::activation::ActivationForm;
use pim_core::time::{DAY, MINUTE};
use pim_service::{BootstrapOutcome, FixedClock, Pim, PimConfig, RateLimits, StepUpAnswer};
use pim_store::{Db, Store};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

const ORIGIN: &str = "http://localhost:3000";
const ROUNDS: u32 = 200;

pub struct ActivationFigures {
    activations_per_second: f64,
    commits_per_second: f64,
    /// WebAuthn assertion checks alone, the part of an activation no SQL change can remove.
    checks_per_second: f64,
}

pub async fn run(work: &Path) -> anyhow::Result<ActivationFigures> {
    let activation = time_activations(work).await?;
    let commits = time_raw_commits(work).await?;
    let checks = crate::webauthn_check::time_checks(ORIGIN, ROUNDS)?;
    let per_second = |d: Duration| f64::from(ROUNDS) / d.as_secs_f64().max(f64::EPSILON);
    Ok(ActivationFigures {
        activations_per_second: per_second(activation),
        commits_per_second: per_second(commits),
        checks_per_second: per_second(checks),
    })
}

impl ActivationFigures {
    pub fn print(&self) {
        let ratio = self.activations_per_second / self.commits_per_second.max(f64::EPSILON);
        println!(
            "| Activation path per second (SQLite FULL) | {:.0} | {:.0} (raw one-row commits) | {ratio:.2} × | ≥ 0.5 {} |",
            self.activations_per_second,
            self.commits_per_second,
            crate::mark(ratio >= 0.5)
        );
        println!(
            "| WebAuthn assertion check alone, per second (ES256, no database) | {:.0} | {:.0} (raw one-row commits) | {:.2} × | |",
            self.checks_per_second,
            self.commits_per_second,
            self.checks_per_second / self.commits_per_second.max(f64::EPSILON)
        );
        // An activation can be no faster than its signature check followed by one commit.
        let ceiling = 1.0 / (1.0 / self.checks_per_second + 1.0 / self.commits_per_second);
        println!(
            "| Activation ceiling: one check then one raw commit, nothing else | {ceiling:.0} | {:.0} (raw one-row commits) | {:.2} × | |",
            self.commits_per_second,
            ceiling / self.commits_per_second.max(f64::EPSILON)
        );
    }
}

async fn sqlite(work: &Path, name: &str) -> anyhow::Result<Db> {
    let path = work.join(name);
    Ok(pim_store::connect(&format!("sqlite://{}", path.display()), 4).await?)
}

/// The first administrator of a fresh SQLite database, signed in with a soft passkey and
/// eligible for one custom role: what a benchmark needs to activate in a loop.
pub struct BenchUser {
    pub pim: Pim,
    pub clock: Arc<FixedClock>,
    pub role: pim_core::RoleId,
    key: SoftPasskey,
    identity: pim_service::SessionIdentity,
}

impl BenchUser {
    pub async fn new(work: &Path, file: &str) -> anyhow::Result<Self> {
        let clock = Arc::new(FixedClock::at(Timestamp::from_unix(1_800_000_000)));
        let config = PimConfig {
            public_url: url::Url::parse(ORIGIN)?,
            enrollment_ttl_seconds: DAY,
            bootstrap_admin_hours: 24,
        };
        let store = Store::new(sqlite(work, file).await?, b"bench key");
        let pim = Pim::new(store, clock.clone(), config)?
            .with_rate_limits(RateLimits::new(100_000, 100_000));
        let BootstrapOutcome::Created { enrollment_url } = pim.ensure_bootstrap().await? else {
            anyhow::bail!("expected an empty database");
        };
        let mut key = SoftPasskey::new(true);
        let token = enrollment_url
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let c = pim.start_enrollment("b", "127.0.0.1", &token).await?;
        let reg = key
            .do_registration(url::Url::parse(ORIGIN)?, serde_json::from_value(c.options)?)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let user = pim
            .finish_enrollment("b", &token, &c.id, "Bench", &serde_json::to_string(&reg)?)
            .await?;
        let identity = pim.identity_after_enrollment(user).await?;
        let role = crate::seed::eligible_roles(&pim, user, &["Bench role".to_owned()]).await?[0];
        Ok(Self {
            pim,
            clock,
            role,
            key,
            identity,
        })
    }

    /// The user as a principal, signed in at the clock's now (the rounds move the clock
    /// past a session's 12 h).
    pub async fn principal(&self) -> anyhow::Result<pim_core::principal::Principal> {
        let session = pim_service::SessionIdentity {
            signed_in_at: self.pim.now(),
            emergency_use: None,
            ..self.identity
        };
        Ok(self.pim.principal(&session).await?)
    }

    /// Activates the role with a step-up; returns the time spent in `finish_activation` only
    /// (the browser's part, the assertion, is not Stint's).
    pub async fn activate(&mut self, form: &ActivationForm) -> anyhow::Result<Duration> {
        let who = self.principal().await?;
        let start = self
            .pim
            .begin_activation("b", "127.0.0.1", &who, self.role, form)
            .await?;
        let c = start
            .step_up
            .ok_or_else(|| anyhow::anyhow!("the default policy asks for a step-up"))?;
        let assertion = self
            .key
            .do_authentication(url::Url::parse(ORIGIN)?, serde_json::from_value(c.options)?)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let assertion = serde_json::to_string(&assertion)?;
        let answer = StepUpAnswer {
            ceremony_id: &c.id,
            credential_json: &assertion,
        };
        let started = Instant::now();
        self.pim
            .finish_activation(
                "b",
                "127.0.0.1",
                &who,
                self.role,
                start.request_id,
                form,
                Some(answer),
            )
            .await?;
        Ok(started.elapsed())
    }
}

/// Five minutes, the benchmarks' activation.
pub fn five_minutes() -> ActivationForm {
    ActivationForm {
        duration_seconds: 5 * MINUTE,
        justification: "Benchmark activation run".into(),
        ..ActivationForm::default()
    }
}

async fn time_activations(work: &Path) -> anyhow::Result<Duration> {
    let mut user = BenchUser::new(work, "activation.db").await?;
    let form = five_minutes();
    let mut total = Duration::ZERO;
    for _ in 0..ROUNDS {
        total += user.activate(&form).await?;
        user.clock.advance(5 * MINUTE);
        user.pim.run_due_work().await?;
    }
    Ok(total)
}

async fn time_raw_commits(work: &Path) -> anyhow::Result<Duration> {
    let Db::Sqlite(pool) = sqlite(work, "raw.db").await? else {
        anyhow::bail!("expected SQLite");
    };
    sqlx::query("CREATE TABLE bench_rows (id TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)")
        .execute(&pool)
        .await?;
    let started = Instant::now();
    for i in 0..ROUNDS {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO bench_rows (id, value) VALUES ($1, $2)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(format!("row {i}"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(started.elapsed())
}

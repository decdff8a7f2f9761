//! Final approval → signed webhook received on loopback, through the outbox and the server's
//! own delivery loop, against a direct POST of a message to the same receiver.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use pim_core::activation::ActivationForm;
use pim_core::approval::Verdict;
use pim_core::notify::ChannelConfig;
use pim_core::principal::Principal;
use pim_core::time::{DAY, MINUTE};
use pim_core::{RoleId, Timestamp};
use pim_service::approvals::DecisionForm;
use pim_service::{
    BootstrapOutcome, FixedClock, Pim, PimConfig, RateLimits, StepUpAnswer, UserForm,
};
use pim_store::Store;
use tokio::sync::mpsc;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

const ORIGIN: &str = "http://localhost:3000";
const ROUNDS: usize = 60;

pub struct ApprovalFigures {
    approval: Vec<Duration>,
    direct: Vec<Duration>,
}

struct Person {
    who: Principal,
    key: SoftPasskey,
}

pub async fn run(work: &Path) -> anyhow::Result<ApprovalFigures> {
    let (url, mut arrivals) = receiver().await?;
    let direct = time_direct_posts(&url, &mut arrivals).await?;
    let approval = time_approvals(work, &url, &mut arrivals).await?;
    Ok(ApprovalFigures { approval, direct })
}

impl ApprovalFigures {
    pub fn print(&self) {
        let (a50, a99) = percentiles(&self.approval);
        let (d50, d99) = percentiles(&self.direct);
        println!(
            "| Final approval → webhook received, p50 / p99 | {:.1} ms / {:.1} ms | {:.1} ms / {:.1} ms (direct POST) | {:.1} × / {:.1} × | reported |",
            ms(a50),
            ms(a99),
            ms(d50),
            ms(d99),
            ms(a50) / ms(d50).max(f64::EPSILON),
            ms(a99) / ms(d99).max(f64::EPSILON),
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentiles(samples: &[Duration]) -> (Duration, Duration) {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = |p: usize| sorted[(sorted.len() * p / 100).min(sorted.len() - 1)];
    (at(50), at(99))
}

/// A loopback HTTP receiver that reports the arrival instant of each POST.
async fn receiver() -> anyhow::Result<(String, mpsc::UnboundedReceiver<Instant>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(Instant::now());
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, rx))
}

async fn time_direct_posts(
    url: &str,
    arrivals: &mut mpsc::UnboundedReceiver<Instant>,
) -> anyhow::Result<Vec<Duration>> {
    let http = reqwest::Client::new();
    let body = serde_json::json!({ "event": "activated", "padding": "x".repeat(900) });
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        http.post(url).json(&body).send().await?;
        let arrived = arrivals
            .recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("receiver stopped"))?;
        samples.push(arrived - started);
    }
    Ok(samples)
}

async fn time_approvals(
    work: &Path,
    url: &str,
    arrivals: &mut mpsc::UnboundedReceiver<Instant>,
) -> anyhow::Result<Vec<Duration>> {
    let (pim, clock, mut requester) = service(work).await?;
    let mut approver = second_person(&pim, &requester.who).await?;
    let role = crate::seed::eligible_roles(&pim, requester.who.user_id, &["Approved role".into()])
        .await?[0];
    require_approval_by(&pim, role, &approver.who).await?;
    let hook = ChannelConfig::Webhook {
        url: url.to_owned(),
        secret: "benchmark signing secret".into(),
    };
    pim.create_channel(&requester.who, "Bench webhook", hook)
        .await?;
    server::tasks::spawn_delivery(pim.clone());

    let form = ActivationForm {
        duration_seconds: 5 * MINUTE,
        justification: "Benchmark approval round".into(),
        ..ActivationForm::default()
    };
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        requester.who = refreshed(&pim, &requester.who).await?;
        approver.who = refreshed(&pim, &approver.who).await?;
        let start = pim
            .begin_activation("r", "127.0.0.1", &requester.who, role, &form)
            .await?;
        let step_up = start
            .step_up
            .ok_or_else(|| anyhow::anyhow!("expected a step-up"))?;
        let cred = assert_with(&mut requester.key, step_up.options)?;
        let answer = StepUpAnswer {
            ceremony_id: &step_up.id,
            credential_json: &cred,
        };
        pim.finish_activation(
            "r",
            "127.0.0.1",
            &requester.who,
            role,
            start.request_id,
            &form,
            Some(answer),
        )
        .await?;
        // The request's own "approval needed" message, sent before the clock starts.
        arrivals.recv().await;

        let decision = DecisionForm {
            verdict: Verdict::Approve,
            reason: String::new(),
        };
        let c = pim
            .begin_decision("a", "127.0.0.1", &approver.who, start.request_id, &decision)
            .await?;
        let cred = assert_with(&mut approver.key, c.options)?;
        let answer = StepUpAnswer {
            ceremony_id: &c.id,
            credential_json: &cred,
        };
        let started = Instant::now();
        pim.finish_decision("a", &approver.who, start.request_id, &decision, answer)
            .await?;
        let arrived = arrivals
            .recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("receiver stopped"))?;
        samples.push(arrived - started);
        clock.advance(5 * MINUTE);
        pim.run_due_work().await?;
    }
    Ok(samples)
}

fn assert_with(key: &mut SoftPasskey, options: serde_json::Value) -> anyhow::Result<String> {
    let assertion = key
        .do_authentication(url::Url::parse(ORIGIN)?, serde_json::from_value(options)?)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(serde_json::to_string(&assertion)?)
}

async fn refreshed(pim: &Pim, who: &Principal) -> anyhow::Result<Principal> {
    let identity = pim_service::SessionIdentity {
        user_id: who.user_id,
        epoch: 0,
        signed_in_at: pim.now(),
        emergency_use: None,
    };
    Ok(pim.principal(&identity).await?)
}

/// A service on a fresh SQLite file, and the first administrator, enrolled.
async fn service(work: &Path) -> anyhow::Result<(Pim, Arc<FixedClock>, Person)> {
    let clock = Arc::new(FixedClock::at(Timestamp::from_unix(1_800_000_000)));
    let config = PimConfig {
        public_url: url::Url::parse(ORIGIN)?,
        enrollment_ttl_seconds: DAY,
        bootstrap_admin_hours: 24,
    };
    let path = work.join("approval.db");
    let db = pim_store::connect(&format!("sqlite://{}", path.display()), 4).await?;
    let pim = Pim::new(Store::new(db, b"bench key"), clock.clone(), config)?
        .with_rate_limits(RateLimits::new(100_000, 100_000));
    let BootstrapOutcome::Created { enrollment_url } = pim.ensure_bootstrap().await? else {
        anyhow::bail!("expected an empty database");
    };
    let (who, key) = enroll(&pim, &enrollment_url).await?;
    Ok((pim, clock, Person { who, key }))
}

async fn enroll(pim: &Pim, link: &str) -> anyhow::Result<(Principal, SoftPasskey)> {
    let mut key = SoftPasskey::new(true);
    let token = link.rsplit('/').next().unwrap_or_default().to_owned();
    let c = pim.start_enrollment("e", "127.0.0.1", &token).await?;
    let reg = key
        .do_registration(url::Url::parse(ORIGIN)?, serde_json::from_value(c.options)?)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let user = pim
        .finish_enrollment("e", &token, &c.id, "Bench", &serde_json::to_string(&reg)?)
        .await?;
    let identity = pim.identity_after_enrollment(user).await?;
    Ok((pim.principal(&identity).await?, key))
}

async fn second_person(pim: &Pim, admin: &Principal) -> anyhow::Result<Person> {
    let user_admin = pim
        .require_user_admin(admin)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let form = UserForm {
        display_name: "Bench approver".into(),
        email: "approver@bench.example".into(),
        manager_email: String::new(),
    };
    let (_, link) = pim.create_user(&user_admin, &form).await?;
    let (who, key) = enroll(pim, &link).await?;
    Ok(Person { who, key })
}

/// Set-up through the store: approval by `approver` alone.
async fn require_approval_by(pim: &Pim, role: RoleId, approver: &Principal) -> anyhow::Result<()> {
    let mut policy = pim_core::policy::RolePolicy::default();
    policy.activation.require_approval = true;
    policy.activation.approvers = vec![approver.user_id];
    let mut tx = pim.store().begin().await?;
    tx.save_policy(role, &policy, approver.user_id, pim.now())
        .await?;
    tx.commit().await?;
    Ok(())
}

//! `server`: loads the configuration, builds Stint and serves it; `server verify-audit` checks
//! the audit chain and exits 0 when it is intact, 1 when broken. No logic lives here.

use std::process::ExitCode;
use std::sync::Arc;

use pim_service::{BootstrapOutcome, SystemClock};
use server::config::Settings;
use server::startup::Application;
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(err) => {
            eprintln!("stint: {err}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    if std::env::args().nth(1).as_deref() == Some("verify-audit") {
        return match Application::verify_audit(&settings).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(err) => {
                eprintln!("stint: {err:#}");
                ExitCode::from(2)
            }
        };
    }
    match run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stint: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    let app = build(&settings).await?;
    let url = settings.public_url.as_str().trim_end_matches('/');
    println!("Stint is listening on {} (open {url})", settings.listen);
    match &app.bootstrap {
        BootstrapOutcome::Created { enrollment_url }
        | BootstrapOutcome::Pending { enrollment_url } => {
            println!();
            println!("First administrator: open this one-time link to create your passkey");
            println!(
                "(valid for {} hours; restart Stint for a new one):",
                settings.enrollment_link_hours
            );
            println!("BOOTSTRAP_ENROLLMENT_URL={enrollment_url}");
            println!();
        }
        BootstrapOutcome::Done => {}
    }
    app.run().await
}

#[cfg(debug_assertions)]
async fn build(settings: &Settings) -> anyhow::Result<Application> {
    if settings.test_clock {
        eprintln!("stint: STINT_TEST_CLOCK is on: POST /__test/clock/advance moves time");
        let clock = Arc::new(pim_service::OffsetClock::default());
        let app = Application::build(settings, clock.clone()).await?;
        return Ok(app.with_test_clock(clock));
    }
    Application::build(settings, Arc::new(SystemClock)).await
}

#[cfg(not(debug_assertions))]
async fn build(settings: &Settings) -> anyhow::Result<Application> {
    if settings.test_clock {
        anyhow::bail!("STINT_TEST_CLOCK exists only in debug builds");
    }
    Application::build(settings, Arc::new(SystemClock)).await
}

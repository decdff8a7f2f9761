//! My roles, signed in with 20 eligible roles, against an axum hello-world on the same
//! machine and load generator.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::serve::ListenerExt;
use pim_service::{BootstrapOutcome, SystemClock};
use server::config::Settings;
use server::startup::Application;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use reqwest::cookie::CookieStore;

use crate::load::{self, LoadResult};

const ORIGIN: &str = "http://localhost:3000";
const CONNECTIONS: usize = 64;
/// A page that shows one person's roles may slow as the organisation grows, not in
/// proportion to it: the large organisation has a hundred times the assignments and sixteen
/// times the roles, and the page must keep at least half its speed among them (a
/// per-request read of every pending request left it a tenth, of every role a quarter).
const LARGE_ORG_TARGET: f64 = 0.5;

/// Stint serving the bench: the page to load, its signed-in user's cookie, and the roles the
/// user is eligible for (the large organisation shares them).
struct StintUnderTest {
    page_url: String,
    cookie: String,
    page_bytes: usize,
    pim: pim_service::Pim,
    roles: Vec<pim_core::RoleId>,
}

pub struct PageFigures {
    stint: LoadResult,
    hello: LoadResult,
    /// The same page once the organisation around the user is large.
    large: LoadResult,
    /// The Approvals page among the large organisation's waiting requests, all of them the
    /// page's user's to decide.
    inbox: LoadResult,
    /// The rendered page as sent, HTML and hydration data together.
    page_bytes: usize,
}

pub async fn run(work: &Path, site_root: &Path, seconds: u64) -> anyhow::Result<PageFigures> {
    let hello_url = spawn_hello_world().await?;
    let stint_app = spawn_stint(work, site_root).await?;
    let url = &stint_app.page_url;
    let cookie = Some(stint_app.cookie.as_str());
    let stint = load::run(url, cookie, CONNECTIONS, seconds).await?;
    let hello = load::run(&hello_url, None, CONNECTIONS, seconds).await?;
    crate::large_org::seed(&stint_app.pim, &stint_app.roles).await?;
    let large = load::run(url, cookie, CONNECTIONS, seconds).await?;
    let inbox_url = url.replace("/roles", "/approvals");
    expect_waiting_requests(&inbox_url, &stint_app.cookie).await?;
    let inbox = load::run(&inbox_url, cookie, CONNECTIONS, seconds).await?;
    Ok(PageFigures {
        stint,
        hello,
        large,
        inbox,
        page_bytes: stint_app.page_bytes,
    })
}

impl PageFigures {
    pub fn print(&self) {
        let ratio =
            self.stint.requests_per_second / self.hello.requests_per_second.max(f64::EPSILON);
        println!(
            "| My roles page, req/s (20 eligible roles) | {:.0} | {:.0} (axum hello world) | {ratio:.3} × | ≥ 0.06 {} |",
            self.stint.requests_per_second,
            self.hello.requests_per_second,
            crate::mark(ratio >= 0.06)
        );
        println!(
            "| My roles page, p99 at 64 connections | {:.1} ms (p50 {:.1}) | {:.1} ms | {:.1} × | ≤ 10 ms {} |",
            self.stint.p99_ms,
            self.stint.p50_ms,
            self.hello.p99_ms,
            self.stint.p99_ms / self.hello.p99_ms.max(f64::EPSILON),
            crate::mark(self.stint.p99_ms <= 10.0)
        );
        println!(
            "| My roles page, bytes sent (uncompressed) | {} KB | | | |",
            self.page_bytes / 1024
        );
        let people = crate::large_org::PEOPLE;
        let scaled =
            self.large.requests_per_second / self.stint.requests_per_second.max(f64::EPSILON);
        println!(
            "| My roles page among {people} more people ({} assignments, {} more roles, {people} active, {} pending), req/s | {:.0} (p99 {:.1} ms) | {:.0} (the same page alone) | {scaled:.2} × | ≥ {LARGE_ORG_TARGET} {} |",
            people * crate::large_org::ROLES_EACH,
            crate::large_org::OTHER_ROLES,
            people / crate::large_org::PENDING_EVERY,
            self.large.requests_per_second,
            self.large.p99_ms,
            self.stint.requests_per_second,
            crate::mark(scaled >= LARGE_ORG_TARGET)
        );
        let waiting = people / crate::large_org::PENDING_EVERY;
        println!(
            "| Approvals page with {waiting} requests waiting for the user, req/s | {:.0} (p99 {:.1} ms) | {:.0} (My roles alone) | {:.2} × | reported |",
            self.inbox.requests_per_second,
            self.inbox.p99_ms,
            self.stint.requests_per_second,
            self.inbox.requests_per_second / self.stint.requests_per_second.max(f64::EPSILON),
        );
        let errors = self.stint.errors + self.hello.errors + self.large.errors + self.inbox.errors;
        if errors > 0 {
            println!(
                "| Errors during load | {} (large organisation: {}) | {} | | |",
                self.stint.errors,
                self.large.errors + self.inbox.errors,
                self.hello.errors
            );
        }
    }
}

async fn spawn_hello_world() -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, world!" }));
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(format!("http://{addr}/"))
}

/// Stint on a fresh SQLite file: the first administrator enrolled over HTTP, eligible for the
/// five built-in roles and fifteen custom ones.
async fn spawn_stint(work: &Path, site_root: &Path) -> anyhow::Result<StintUnderTest> {
    let data_dir = work.join("page");
    std::fs::create_dir_all(&data_dir)?;
    let settings: Settings = serde_json::from_value(serde_json::json!({
        "public_url": ORIGIN,
        "listen": "127.0.0.1:0",
        "database_url": "",
        "data_dir": data_dir,
        "site_root": site_root,
        "audit_key": "bench audit key",
        "enrollment_link_hours": 24,
        "bootstrap_admin_hours": 24,
        "due_work_seconds": 60,
        "audit_checkpoint_seconds": 300,
        "drift_check_seconds": 300,
        "trusted_proxy_header": "",
        "trusted_proxies": "",
        "test_clock": false,
        "log": "error",
    }))?;
    let app = Application::build(&settings, Arc::new(SystemClock)).await?;
    let BootstrapOutcome::Created { enrollment_url } = app.bootstrap.clone() else {
        anyhow::bail!("expected an empty database");
    };
    let pim = app.pim.clone();
    let addr = SocketAddr::from(([127, 0, 0, 1], app.port));
    tokio::spawn(app.run());
    let base = format!("http://{addr}");

    let jar = Arc::new(reqwest::cookie::Jar::default());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", ORIGIN.parse()?);
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .default_headers(headers)
        .build()?;
    let token = enrollment_url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let start: serde_json::Value = client
        .post(format!("{base}/api/enroll/start"))
        .form(&[("token", token.as_str())])
        .send()
        .await?
        .json()
        .await?;
    let options = serde_json::from_str(start["options_json"].as_str().unwrap_or_default())?;
    let mut key = SoftPasskey::new(true);
    let credential = key
        .do_registration(url::Url::parse(ORIGIN)?, options)
        .map_err(|e| anyhow::anyhow!("registration: {e:?}"))?;
    let finish = client
        .post(format!("{base}/api/enroll/finish"))
        .form(&[
            ("token", token.as_str()),
            ("ceremony_id", start["id"].as_str().unwrap_or_default()),
            ("label", "Bench"),
            ("credential", serde_json::to_string(&credential)?.as_str()),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        finish.status().is_success(),
        "enrollment failed: {}",
        finish.text().await?
    );

    let admin = pim
        .store()
        .find_bootstrap_user()
        .await?
        .ok_or_else(|| anyhow::anyhow!("no admin"))?;
    let names: Vec<String> = (1..=15).map(|i| format!("Bench role {i:02}")).collect();
    let roles = crate::seed::eligible_roles(&pim, admin, &names).await?;

    let page_url = format!("{base}/roles");
    let cookie = jar
        .cookies(&url::Url::parse(&base)?)
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    let body = reqwest::Client::new()
        .get(&page_url)
        .header("cookie", &cookie)
        .send()
        .await?
        .text()
        .await?;
    anyhow::ensure!(
        body.contains("Bench role 15") && body.contains("User Administrator"),
        "the page did not render the roles"
    );
    Ok(StintUnderTest {
        page_url,
        cookie,
        page_bytes: body.len(),
        pim,
        roles,
    })
}

/// Fails unless the Approvals page lists the large organisation's last waiting request, so
/// the figure measures a full inbox and not an empty or refused page.
async fn expect_waiting_requests(url: &str, cookie: &str) -> anyhow::Result<()> {
    let last = crate::large_org::PEOPLE - crate::large_org::PENDING_EVERY;
    let body = reqwest::Client::new()
        .get(url)
        .header("cookie", cookie)
        .send()
        .await?
        .text()
        .await?;
    anyhow::ensure!(
        body.contains(&format!("Person {last:04}")),
        "the Approvals page did not list the waiting requests"
    );
    Ok(())
}

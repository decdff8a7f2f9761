use std::sync::Arc;
use std::time::Duration;

use pim_core::Timestamp;
use pim_service::{BootstrapOutcome, FixedClock};
use serde_json::Value;
use server::config::Settings;
use server::startup::Application;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs_proto::CreationChallengeResponse;

pub struct TestApp {
    pub base: String,
    pub bootstrap_link: String,
    pub clock: Arc<FixedClock>,
    /// The application's database, for seeding what no HTTP call can (a stream's health).
    pub store: pim_store::Store,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// How long a test waits for any one answer: a server that stops answering fails its test
/// with a message instead of holding up the whole run.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// One Stint at a time in this process. Two applications rendering pages at once in one test
/// process sometimes leave a page unfinished forever (Leptos keeps its reactive state per
/// process); production runs one application per process, and concurrent requests to it are fine.
static ONE_APP_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Starts Stint on a free port with a fresh database and a fixed clock; it runs until the
/// test ends, and the next test's application waits for that.
pub async fn spawn_app() -> TestApp {
    let turn = ONE_APP_AT_A_TIME.lock().await;
    start_app(turn).await
}

/// A plain client (no cookies, no origin) that gives up after [`ANSWER_WITHIN`].
pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(ANSWER_WITHIN)
        .build()
        .unwrap()
}

async fn start_app(turn: tokio::sync::MutexGuard<'static, ()>) -> TestApp {
    let db = pim_store::testing::fresh_db().await.unwrap();
    let data_dir =
        std::env::temp_dir().join(format!("stint-api-{}", uuid::Uuid::new_v4().simple()));
    // Every field is given, so no configuration file or environment variable is consulted.
    let settings: Settings = serde_json::from_value(serde_json::json!({
        "public_url": "http://localhost:3000",
        "listen": "127.0.0.1:0",
        "database_url": "",
        "data_dir": data_dir,
        "site_root": "target/site",
        "audit_key": "test audit key",
        "enrollment_link_hours": 24,
        "bootstrap_admin_hours": 24,
        "due_work_seconds": 15,
        "audit_checkpoint_seconds": 300,
        "drift_check_seconds": 300,
        "trusted_proxy_header": "",
        "trusted_proxies": "",
        "test_clock": false,
        "log": "warn",
    }))
    .unwrap();
    std::fs::create_dir_all(&data_dir).unwrap();
    let clock = Arc::new(FixedClock::at(Timestamp::from_unix(1_800_000_000)));
    let app = Application::build_with_db(&settings, clock.clone(), db)
        .await
        .unwrap();
    let bootstrap_link = match &app.bootstrap {
        BootstrapOutcome::Created { enrollment_url } => enrollment_url.clone(),
        other => panic!("expected a fresh bootstrap, got {other:?}"),
    };
    let base = format!("http://127.0.0.1:{}", app.port);
    let store = app.pim.store().clone();
    tokio::spawn(app.run());
    TestApp {
        base,
        bootstrap_link,
        clock,
        store,
        _turn: turn,
    }
}

/// A client that keeps cookies and sends the configured origin, as a browser on the portal does.
pub fn browser() -> reqwest::Client {
    browser_with_jar().0
}

/// As [`browser`], with access to its cookies.
pub fn browser_with_jar() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", "http://localhost:3000".parse().unwrap());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(ANSWER_WITHIN)
        .build()
        .unwrap();
    (client, jar)
}

impl TestApp {
    /// Calls a server function the way the hydrated page does (form-encoded POST, JSON back).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (u16, Value) {
        answer(self.server_fn(client, endpoint).form(form)).await
    }

    /// Calls a server function that takes JSON (the forms sent as name/value pairs).
    pub async fn call_json(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        body: &Value,
    ) -> (u16, Value) {
        answer(self.server_fn(client, endpoint).json(body)).await
    }

    fn server_fn(&self, client: &reqwest::Client, endpoint: &str) -> reqwest::RequestBuilder {
        client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("accept", "application/json")
    }

    pub async fn enroll(&self, client: &reqwest::Client, key: &mut SoftPasskey, link: &str) {
        let token = link.rsplit('/').next().unwrap();
        let (status, ceremony) = self.call(client, "enroll/start", &[("token", token)]).await;
        assert_eq!(status, 200, "{ceremony}");
        let ccr: CreationChallengeResponse =
            serde_json::from_str(ceremony["options_json"].as_str().unwrap()).unwrap();
        let cred = key.do_registration(origin(), ccr).unwrap();
        let cred = serde_json::to_string(&cred).unwrap();
        let form = [
            ("token", token),
            ("ceremony_id", ceremony["id"].as_str().unwrap()),
            ("label", "Laptop"),
            ("credential", cred.as_str()),
        ];
        let (status, body) = self.call(client, "enroll/finish", &form).await;
        assert_eq!(status, 200, "{body}");
    }
}

/// The status and the JSON body (or the text, when it is not JSON).
async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub fn origin() -> url::Url {
    url::Url::parse("http://localhost:3000").unwrap()
}

//! Builds the application once: database, migrations, service, sessions, routes and layers.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use app::ssr::{AppState, ClientIpRule};
use app::{App, shell};
use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::serve::ListenerExt;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use pim_service::audit_checkpoints::CheckpointFile;
use pim_service::{BootstrapOutcome, Clock, Pim, PimConfig};
use pim_store::Store;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Settings;
use crate::security::{CspNonce, api_error_status, same_origin_writes, security_headers};
use crate::sessions::DbSessionStore;

/// Requests larger than this are refused before any handler reads them.
const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct Application {
    listener: TcpListener,
    router: Router,
    pub pim: Pim,
    pub port: u16,
    pub bootstrap: BootstrapOutcome,
}

impl Application {
    pub async fn build(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                settings.data_dir.display()
            )
        })?;
        let db = pim_store::connect(&settings.database_url(), 8)
            .await
            .context("the database could not be opened or migrated")?;
        Self::build_with_db(settings, clock, db).await
    }

    /// As [`Application::build`], on a database the caller opened (tests use fresh ones).
    pub async fn build_with_db(
        settings: &Settings,
        clock: Arc<dyn Clock>,
        db: pim_store::Db,
    ) -> anyhow::Result<Self> {
        let audit_key = audit_key(settings, true)?;
        let store = Store::new(db.clone(), &audit_key);
        let config = PimConfig {
            public_url: settings.public_url.clone(),
            enrollment_ttl_seconds: settings.enrollment_link_hours * 3600,
            bootstrap_admin_hours: settings.bootstrap_admin_hours,
        };
        let pim = Pim::new(store, clock, config)?;
        let bootstrap = pim
            .ensure_bootstrap()
            .await
            .context("first-start set-up failed")?;

        let session_store = DbSessionStore::new(&db)
            .await
            .context("the session store could not be set up")?;
        crate::tasks::spawn_session_cleanup(session_store.clone());
        crate::tasks::spawn_due_work(pim.clone(), settings.due_work_seconds);
        crate::tasks::spawn_delivery(pim.clone());
        crate::tasks::spawn_provisioning(pim.clone());
        crate::tasks::spawn_security_checks(pim.clone(), settings.drift_check_seconds);
        let checkpoints = CheckpointFile::in_data_dir(&settings.data_dir);
        crate::tasks::spawn_checkpoints(
            pim.clone(),
            checkpoints.clone(),
            settings.audit_checkpoint_seconds,
        );
        let streams = settings.audit_streams().map_err(anyhow::Error::msg)?;
        for target in streams {
            crate::tasks::spawn_audit_stream(pim.clone(), target);
        }
        let secure = settings.secure_cookies();
        let sessions = SessionManagerLayer::new(session_store)
            .with_name(if secure { "__Host-stint" } else { "stint" })
            .with_secure(secure)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(
                tower_sessions::cookie::time::Duration::minutes(30),
            ));

        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let leptos_options = LeptosOptions::builder()
            .output_name("stint")
            .site_root(settings.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr()?)
            .build();
        let state = AppState {
            leptos_options,
            pim: pim.clone(),
            audit_checkpoints: checkpoints,
            client_ip: ClientIpRule {
                header: (!settings.trusted_proxy_header.is_empty())
                    .then(|| http::HeaderName::try_from(settings.trusted_proxy_header.as_str()))
                    .transpose()?,
                proxies: settings.proxy_networks().map_err(anyhow::Error::msg)?,
            },
        };
        let routes = generate_route_list(App);
        let http_metrics = crate::metrics::HttpMetrics::default();
        let origin = settings.public_url.origin().ascii_serialization();
        let router = Router::new()
            .leptos_routes_with_context(&state, routes, provide_request_context, {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            })
            .route(
                "/settings/reviews/{id}/export/{format}",
                axum::routing::get(crate::downloads::review_export),
            )
            .route(
                "/audit/export/{format}",
                axum::routing::get(crate::downloads::audit_export),
            )
            .route(
                "/api/v1/users/{email}/active-roles",
                axum::routing::get(crate::authz_api::active_roles),
            )
            .route(
                "/api/v1/users/{email}/roles/{role_id}",
                axum::routing::get(crate::authz_api::role_check),
            )
            .route(
                "/metrics",
                axum::routing::get({
                    let http = http_metrics.clone();
                    move |axum::extract::State(state): axum::extract::State<AppState>,
                          headers: http::HeaderMap| {
                        crate::metrics::endpoint(state, http.clone(), headers)
                    }
                }),
            )
            .route("/favicon.svg", axum::routing::get(crate::favicon::icon))
            .route("/favicon.ico", axum::routing::get(crate::favicon::icon))
            // The compiled WASM, JS and CSS straight from disk. Served by the fallback below,
            // files fetched alongside a 404 render (the browser's favicon request) sometimes came
            // back with the file but status 404; a split build's first load fetches dozens.
            .route_service(
                &leptos_axum::site_pkg_dir_service_route_path(&state.leptos_options),
                leptos_axum::site_pkg_dir_service(&state.leptos_options),
            )
            .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
            .with_state(state)
            .layer(from_fn(api_error_status))
            .layer(sessions)
            .layer(from_fn_with_state(origin, same_origin_writes))
            .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
            .layer(from_fn(security_headers))
            .layer(from_fn_with_state(
                http_metrics,
                crate::metrics::track_latency,
            ));
        Ok(Self {
            listener,
            router,
            pim,
            port,
            bootstrap,
        })
    }

    /// Debug builds only: `POST /__test/clock/advance?seconds=N` moves Stint's clock, so
    /// end-to-end tests can show expiry without waiting, and `POST /__test/due-work` runs the
    /// background job's pass now (a review's end, say) instead of on its timer,
    /// `POST /__test/drift-check` lists the connectors' downstream members now, and
    /// `POST /__test/break-glass/soft-key?email=…&label=…` enrolls a software hardware key for
    /// a break-glass account (see `test_hooks`). Release builds do not contain them.
    #[cfg(debug_assertions)]
    #[must_use]
    pub fn with_test_clock(mut self, clock: Arc<pim_service::OffsetClock>) -> Self {
        use axum::extract::Query;
        use axum::routing::post;
        #[derive(serde::Deserialize)]
        struct Advance {
            seconds: i64,
        }
        let route = post(move |Query(a): Query<Advance>| async move {
            clock.advance(a.seconds);
            "ok"
        });
        let pim = self.pim.clone();
        let due_work = post(move || async move {
            match pim.run_due_work().await {
                Ok(report) => (http::StatusCode::OK, format!("{report:?}")),
                Err(e) => (http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        });
        let pim = self.pim.clone();
        let drift_check = post(move || async move {
            match pim.check_drift().await {
                Ok(report) => (http::StatusCode::OK, format!("{report:?}")),
                Err(e) => (http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        });
        #[derive(serde::Deserialize)]
        struct SoftKey {
            email: String,
            label: String,
        }
        let pim = self.pim.clone();
        let soft_key = post(move |Query(k): Query<SoftKey>| async move {
            match crate::test_hooks::enroll_soft_key(&pim, &k.email, &k.label).await {
                Ok(()) => (http::StatusCode::OK, "ok".to_owned()),
                Err(e) => (http::StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
            }
        });
        self.router = self
            .router
            .route("/__test/clock/advance", route)
            .route("/__test/due-work", due_work)
            .route("/__test/drift-check", drift_check)
            .route("/__test/break-glass/soft-key", soft_key);
        self
    }

    /// `server verify-audit`: checks the audit chain against its key and checkpoints; true
    /// when it is intact.
    pub async fn verify_audit(settings: &Settings) -> anyhow::Result<bool> {
        let db = pim_store::connect(&settings.database_url(), 2)
            .await
            .context("the database could not be opened")?;
        let store = Store::new(db, &audit_key(settings, false)?);
        let file = CheckpointFile::in_data_dir(&settings.data_dir);
        let (report, intact) = pim_service::audit_checkpoints::verify(&store, &file).await?;
        println!("{report}");
        Ok(intact)
    }

    pub async fn run(self) -> anyhow::Result<()> {
        let listener = self.listener.tap_io(|tcp| {
            // Without it every streamed page waits for a delayed ACK (~40 ms).
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped with an error")
    }
}

/// What every request's Leptos context gets besides the state: its CSP nonce, and for a page
/// render one answer to who is signed in.
fn provide_request_context() {
    app::ssr::provide_page_principal();
    provide_csp_nonce();
}

/// Hands the response's CSP nonce to Leptos, which puts it on the hydration scripts.
fn provide_csp_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// The audit chain key: configured, or generated once (when `create` allows) into the data
/// directory, outside the database, so that whoever can edit rows cannot re-sign them.
pub fn audit_key(settings: &Settings, create: bool) -> anyhow::Result<Vec<u8>> {
    let configured = settings.audit_key.expose_secret();
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    let path = settings.data_dir.join("audit.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return hex::decode(existing.trim())
            .with_context(|| format!("{} is not a hex key", path.display()));
    }
    if !create {
        anyhow::bail!(
            "no audit key: set STINT_AUDIT_KEY or run from the data directory that holds audit.key ({})",
            path.display()
        );
    }
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    write_private(&path, &hex::encode(key))?;
    Ok(key.to_vec())
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

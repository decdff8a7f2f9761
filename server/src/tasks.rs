//! Background loops. Each is a thin timer around a step function that tests call directly.

use pim_service::Pim;
use tower_sessions::session_store::ExpiredDeletion;

use crate::sessions::DbSessionStore;

/// Deletes expired sessions every minute.
pub fn spawn_session_cleanup(store: DbSessionStore) {
    tokio::spawn(async move {
        let period = tokio::time::Duration::from_secs(60);
        if let Err(err) = store.continuously_delete_expired(period).await {
            tracing::error!(error = %err, "session cleanup stopped");
        }
    });
}

/// Records expiries, starts scheduled activations and lapses old requests: once at start (so
/// what fell due while Stint was down is processed), then when the next activation falls due
/// and at least every `seconds`, so an expiry (and its downstream revoke) is recorded within
/// about a second.
pub fn spawn_due_work(pim: Pim, seconds: u64) {
    tokio::spawn(async move {
        loop {
            match pim.run_due_work().await {
                Ok(report) if report != pim_service::DueWorkReport::default() => {
                    tracing::info!(?report, "due work done");
                }
                Ok(_) => {}
                Err(err) => tracing::error!(error = %err, "due work failed; retrying next tick"),
            }
            let wait = match pim.seconds_until_next_due(seconds).await {
                Ok(wait) => wait,
                Err(err) => {
                    tracing::error!(error = %err, "next due time unknown; waiting a full tick");
                    seconds
                }
            };
            tokio::time::sleep(tokio::time::Duration::from_secs(wait)).await;
        }
    });
}

/// Sends what the outbox holds as soon as a commit queued something, and every few seconds
/// for retries; each pass is one [`pim_notify::Deliverer::deliver_due`] at the service
/// clock's now.
pub fn spawn_delivery(pim: Pim) {
    let deliverer = match pim_notify::Deliverer::new(pim.store().clone()) {
        Ok(deliverer) => deliverer,
        Err(err) => {
            tracing::error!(error = %err, "notifications cannot be sent: no HTTP client");
            return;
        }
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(tokio::time::Duration::from_secs(DELIVERY_SECONDS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = pim.outbox_changed() => {}
            }
            match deliverer.deliver_due(pim.now()).await {
                Ok(report) if report != pim_notify::DeliveryReport::default() => {
                    tracing::info!(?report, "notifications delivered");
                }
                Ok(_) => {}
                Err(err) => tracing::error!(error = %err, "delivery failed; retrying next tick"),
            }
        }
    });
}

const DELIVERY_SECONDS: u64 = 5;

/// Runs connector grants and revokes as soon as a commit queued one, and every few seconds
/// for retries; each pass is one [`Pim::run_provisioning`].
pub fn spawn_provisioning(pim: Pim) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(tokio::time::Duration::from_secs(DELIVERY_SECONDS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = pim.provisioning_queued() => {}
            }
            match pim.run_provisioning().await {
                Ok(report)
                    if report != pim_service::provisioning::ProvisioningReport::default() =>
                {
                    tracing::info!(?report, "provisioning done");
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "provisioning failed; retrying next tick")
                }
            }
        }
    });
}

/// Every `seconds` (and at start): lists each connector's downstream members for drift, then
/// announces the alert findings (of the chosen severity and up) that appeared since the last
/// pass, and queues the weekly digest once it is due.
pub fn spawn_security_checks(pim: Pim, seconds: u64) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(tokio::time::Duration::from_secs(seconds));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match pim.check_drift().await {
                Ok(report) if report.new_findings > 0 || report.unreachable > 0 => {
                    tracing::warn!(?report, "connector drift check found something");
                }
                Ok(_) => {}
                Err(err) => tracing::error!(error = %err, "drift check failed; retrying next tick"),
            }
            match pim.announce_new_alerts().await {
                Ok(0) => {}
                Ok(new) => tracing::warn!(new, "new security alerts announced"),
                Err(err) => {
                    tracing::error!(error = %err, "alerts not announced; retrying next tick")
                }
            }
            match pim.queue_weekly_digest().await {
                Ok(true) => tracing::info!("weekly digest queued"),
                Ok(false) => {}
                Err(err) => tracing::error!(error = %err, "weekly digest not queued; retrying"),
            }
        }
    });
}

/// Checkpoints at start and then every `seconds` while the log grows.
pub fn spawn_checkpoints(
    pim: Pim,
    file: pim_service::audit_checkpoints::CheckpointFile,
    seconds: u64,
) {
    tokio::spawn(async move {
        let mut last = file
            .read()
            .ok()
            .and_then(|all| all.iter().map(|c| c.seq).max());
        let mut tick = tokio::time::interval(tokio::time::Duration::from_secs(seconds));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match pim_service::audit_checkpoints::checkpoint_if_moved(
                pim.store(),
                &file,
                last,
                pim.now(),
            )
            .await
            {
                Ok(seq) => last = Some(seq),
                Err(err) => tracing::error!(error = %err, "audit checkpoint not written"),
            }
        }
    });
}

/// How often a stream looks for new audit events; after a failure it waits twice as long
/// each time, up to [`AUDIT_STREAM_MAX_BACKOFF`].
const AUDIT_STREAM_SECONDS: u64 = 2;
const AUDIT_STREAM_MAX_BACKOFF: u64 = 60;

/// Streams the audit log to one SIEM target, from its persisted cursor on.
pub fn spawn_audit_stream(pim: Pim, target: pim_notify::audit_stream::Target) {
    let name = target.stream_name();
    let mut stream = match pim_notify::audit_stream::AuditStream::new(pim.store().clone(), target) {
        Ok(stream) => stream,
        Err(err) => {
            tracing::error!(error = %err, stream = name, "audit stream cannot start");
            return;
        }
    };
    tokio::spawn(async move {
        let mut wait = AUDIT_STREAM_SECONDS;
        loop {
            match stream.catch_up(pim.now()).await {
                Ok(_) => wait = AUDIT_STREAM_SECONDS,
                Err(err) => {
                    wait = (wait * 2).min(AUDIT_STREAM_MAX_BACKOFF);
                    tracing::warn!(error = %err, stream = name, retry_in = wait, "audit stream paused");
                }
            }
            tokio::time::sleep(tokio::time::Duration::from_secs(wait)).await;
        }
    });
}

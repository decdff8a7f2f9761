//! Background loops. Each is a thin timer around a step function that tests call directly.

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

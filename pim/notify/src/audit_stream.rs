//! Streams the audit log to a SIEM, at least once: RFC 5424 syslog over TCP, or JSON lines
//! POSTed over HTTP. Each stream keeps a cursor in the database (the last sequence number its
//! receiver accepted) and moves it only after a batch was handed over, so a restart resumes
//! where the stream stopped. A receiver may see a batch again only if Stint stops between
//! sending it and recording the cursor; every event carries its `seq` and `hash` for
//! de-duplication.

pub mod syslog;

use std::time::Duration;

use pim_core::Timestamp;
use pim_store::audit_search::AuditEntry;
use pim_store::{Store, StoreError};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Events sent in one batch (one HTTP request, one burst of syslog frames).
pub const BATCH: i64 = 500;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a stream sends the audit log.
#[derive(Debug, Clone)]
pub enum Target {
    /// `host:port` of a syslog receiver over TCP; `hostname` names Stint in each message.
    Syslog { address: String, hostname: String },
    /// An HTTP endpoint taking newline-delimited JSON, with an optional bearer token.
    Http { url: String, token: Option<String> },
}

impl Target {
    /// The cursor's name; one cursor per kind of target, so changing the address of a syslog
    /// receiver continues where the old one stopped.
    #[must_use]
    pub const fn stream_name(&self) -> &'static str {
        match self {
            Self::Syslog { .. } => "syslog",
            Self::Http { .. } => "http",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the receiver could not be reached: {0}")]
    Unreachable(String),
    #[error("the receiver refused the batch: {0}")]
    Refused(String),
}

/// One stream: its target, its open connection if any, and the store holding its cursor.
pub struct AuditStream {
    store: Store,
    target: Target,
    http: reqwest::Client,
    connection: Option<TcpStream>,
}

impl AuditStream {
    pub fn new(store: Store, target: Target) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            store,
            target,
            http,
            connection: None,
        })
    }

    /// Sends every event after the cursor, batch by batch, and returns how many went out.
    /// On an error the cursor stays after the last batch the receiver took.
    pub async fn catch_up(&mut self, now: Timestamp) -> Result<usize, StreamError> {
        let name = self.target.stream_name();
        let mut cursor = self.store.audit_stream_cursor(name).await?.unwrap_or(0);
        let mut sent = 0;
        loop {
            let batch = self.store.audit_after(cursor, BATCH).await?;
            let Some(last) = batch.last().map(|e| e.record.seq) else {
                return Ok(sent);
            };
            self.send(&batch).await?;
            self.store.advance_audit_stream(name, last, now).await?;
            cursor = last;
            sent += batch.len();
        }
    }

    async fn send(&mut self, events: &[AuditEntry]) -> Result<(), StreamError> {
        match self.target.clone() {
            Target::Syslog { address, hostname } => {
                let mut bytes = Vec::new();
                for event in events {
                    bytes.extend(syslog::frame(event, &hostname));
                }
                let result = self.write_syslog(&address, &bytes).await;
                if result.is_err() {
                    self.connection = None;
                }
                result
            }
            Target::Http { url, token } => {
                let body: String = events
                    .iter()
                    .map(|e| e.to_json().to_string() + "\n")
                    .collect();
                let first = events.first().map_or(0, |e| e.record.seq);
                let last = events.last().map_or(0, |e| e.record.seq);
                let mut request = (self.http.post(&url))
                    .header("content-type", "application/x-ndjson")
                    .header("idempotency-key", format!("audit-{first}-{last}"))
                    .body(body);
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let response = (request.send().await)
                    .map_err(|e| StreamError::Unreachable(e.without_url().to_string()))?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(StreamError::Refused(format!("HTTP {}", response.status())))
                }
            }
        }
    }

    async fn write_syslog(&mut self, address: &str, bytes: &[u8]) -> Result<(), StreamError> {
        let unreachable = |e: std::io::Error| StreamError::Unreachable(e.to_string());
        if self.connection.as_ref().is_some_and(peer_closed) {
            self.connection = None;
        }
        let connection = match &mut self.connection {
            Some(open) => open,
            None => {
                let open = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
                    .await
                    .map_err(|_| StreamError::Unreachable("connection timed out".into()))?
                    .map_err(unreachable)?;
                self.connection.insert(open)
            }
        };
        // A receiver that stops reading fills the socket's buffers; give up rather than wait
        // forever, and send the batch again on a new connection.
        let write = async {
            connection.write_all(bytes).await?;
            connection.flush().await
        };
        tokio::time::timeout(WRITE_TIMEOUT, write)
            .await
            .map_err(|_| StreamError::Unreachable("the receiver stopped reading".into()))?
            .map_err(unreachable)
    }
}

/// A syslog receiver never writes back, so a readable connection means it was closed (or
/// reset); writing to it would succeed locally and lose the batch.
fn peer_closed(connection: &TcpStream) -> bool {
    let mut probe = [0_u8; 1];
    !matches!(
        connection.try_read(&mut probe),
        Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock
    )
}

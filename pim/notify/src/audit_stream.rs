//! Streams the audit log to a SIEM, at least once: RFC 5424 syslog over TCP or TLS, or JSON
//! lines POSTed over HTTP. Each stream keeps a cursor in the database (the last sequence number its
//! receiver accepted) and moves it only after a batch was handed over, so a restart resumes
//! where the stream stopped. A receiver may see a batch again only if Stint stops between
//! sending it and recording the cursor; every event carries its `seq` and `hash` for
//! de-duplication.

pub mod cef;
mod connection;
pub mod syslog;

use std::time::Duration;

use pim_core::Timestamp;
use pim_store::audit_search::AuditEntry;
use pim_store::{Store, StoreError};
use tokio_rustls::TlsConnector;

use connection::Connection;
pub use connection::{SyslogTls, tls_connector};
pub use syslog::SyslogFormat;

/// Events sent in one batch (one HTTP request, one burst of syslog frames).
pub const BATCH: i64 = 500;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a stream sends the audit log.
#[derive(Debug, Clone)]
pub enum Target {
    /// `host:port` of a syslog receiver over TCP, or over TLS when `tls` is given;
    /// `hostname` names Stint in each message.
    Syslog {
        address: String,
        hostname: String,
        tls: Option<SyslogTls>,
        format: SyslogFormat,
    },
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

    /// The receiver as people read it, without secrets (the token, a URL's query or
    /// password): "syslog over TLS to siem.example.org:6514".
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Syslog {
                address,
                tls,
                format,
                ..
            } => {
                let transport = if tls.is_some() { "TLS" } else { "TCP" };
                let payload = match format {
                    SyslogFormat::Json => "",
                    SyslogFormat::Cef => " (CEF)",
                };
                format!("syslog{payload} over {transport} to {address}")
            }
            Self::Http { url, .. } => {
                let shown = reqwest::Url::parse(url).map_or_else(
                    |_| "an unparsable URL".to_owned(),
                    |mut url| {
                        url.set_query(None);
                        url.set_fragment(None);
                        let _ = url.set_username("");
                        let _ = url.set_password(None);
                        url.to_string()
                    },
                );
                format!("JSON lines over HTTP to {shown}")
            }
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
    #[error("the stream cannot start: {0}")]
    Setup(String),
}

/// One stream: its target, its open connection if any, and the store holding its cursor.
pub struct AuditStream {
    store: Store,
    target: Target,
    http: reqwest::Client,
    tls: Option<TlsConnector>,
    connection: Option<Connection>,
    /// Whether the last pass failed; `None` before the first, which is always reported.
    failing: Option<bool>,
}

impl AuditStream {
    pub fn new(store: Store, target: Target) -> Result<Self, StreamError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StreamError::Setup(e.to_string()))?;
        let tls = match &target {
            Target::Syslog { tls: Some(tls), .. } => {
                Some(tls_connector(tls).map_err(StreamError::Setup)?)
            }
            _ => None,
        };
        Ok(Self {
            store,
            target,
            http,
            tls,
            connection: None,
            failing: None,
        })
    }

    /// Sends every event after the cursor, batch by batch, and returns how many went out.
    /// On an error the cursor stays after the last batch the receiver took. The stream's
    /// health is recorded when it starts, fails or recovers, not after every delivery.
    pub async fn catch_up(&mut self, now: Timestamp) -> Result<usize, StreamError> {
        let result = self.deliver(now).await;
        let error = result.as_ref().err().map(ToString::to_string);
        if error.is_some() || self.failing != Some(false) {
            let name = self.target.stream_name();
            let target = self.target.describe();
            let reported = (self.store)
                .report_audit_stream(name, &target, error.as_deref(), now)
                .await;
            // The delivery's own error says more than a failed report of it.
            if let (Err(e), Ok(_)) = (reported, &result) {
                return Err(e.into());
            }
        }
        self.failing = Some(error.is_some());
        result
    }

    async fn deliver(&mut self, now: Timestamp) -> Result<usize, StreamError> {
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
            Target::Syslog {
                address,
                hostname,
                format,
                ..
            } => {
                let mut bytes = Vec::new();
                for event in events {
                    bytes.extend(syslog::frame(event, &hostname, format));
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
                    .map_err(|e| StreamError::Unreachable(with_causes(&e.without_url())))?;
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
        if self
            .connection
            .as_mut()
            .is_some_and(Connection::peer_closed)
        {
            self.connection = None;
        }
        let connection = match &mut self.connection {
            Some(open) => open,
            None => {
                let open = Connection::open(address, self.tls.as_ref());
                let open = tokio::time::timeout(CONNECT_TIMEOUT, open)
                    .await
                    .map_err(|_| StreamError::Unreachable("connection timed out".into()))?
                    .map_err(unreachable)?;
                self.connection.insert(open)
            }
        };
        // A receiver that stops reading fills the socket's buffers; give up rather than wait
        // forever, and send the batch again on a new connection.
        tokio::time::timeout(WRITE_TIMEOUT, connection.send(bytes))
            .await
            .map_err(|_| StreamError::Unreachable("the receiver stopped reading".into()))?
            .map_err(unreachable)
    }
}

/// An error with the causes under it ("error sending request: … Connection refused"): the
/// top line alone does not tell an operator what to fix.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let line = inner.to_string();
        if !text.ends_with(&line) {
            text = format!("{text}: {line}");
        }
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receiver_is_described_without_its_token_query_or_password() {
        let http = Target::Http {
            url: "https://ingest:hunter2@siem.example.org/in?key=s3cret#x".into(),
            token: Some("bearer-secret".into()),
        };
        let shown = http.describe();
        assert_eq!(shown, "JSON lines over HTTP to https://siem.example.org/in");
        let syslog = Target::Syslog {
            address: "siem.example.org:6514".into(),
            hostname: "pim".into(),
            tls: Some(SyslogTls::default()),
            format: SyslogFormat::Json,
        };
        assert_eq!(
            syslog.describe(),
            "syslog over TLS to siem.example.org:6514"
        );
    }
}

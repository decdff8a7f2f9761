//! Streaming the audit log to SIEM receivers started by the test: a syslog server over TCP
//! and over TLS, and an HTTP endpoint, on whichever engine the test command selects.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use pim_core::Timestamp;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_notify::audit_stream::{AuditStream, SyslogFormat, SyslogTls, Target};
use pim_store::Store;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const NOW: Timestamp = Timestamp::from_unix(1_800_000_000);

async fn store() -> Store {
    Store::new(pim_store::testing::fresh_db().await.unwrap(), b"key")
}

async fn append(store: &Store, n: usize) {
    let mut tx = store.begin().await.unwrap();
    for _ in 0..n {
        let event = AuditEvent::success(AuditAction::SignInSucceeded, None);
        tx.append_audit(&event, NOW).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Syslog messages a receiver took, in order, one per octet-counted frame.
type Received = Arc<Mutex<Vec<String>>>;
/// Each accepted HTTP batch: its `Authorization` header and its body.
type Batches = Arc<Mutex<Vec<(Option<String>, String)>>>;

/// A syslog receiver on `listener`; each connection is read until it closes, or until
/// `frames_per_connection` frames were taken when given (then it hangs up, as a receiver
/// restarting would).
fn syslog_receiver(listener: TcpListener, frames_per_connection: Option<usize>) -> Received {
    receiver(listener, None, frames_per_connection)
}

/// A syslog receiver over TLS, with `tls` as its server side; also counts the handshakes
/// that succeeded.
fn tls_syslog_receiver(listener: TcpListener, tls: TlsAcceptor) -> (Received, Arc<AtomicUsize>) {
    let secured = Arc::new(AtomicUsize::new(0));
    (
        receiver(listener, Some((tls, secured.clone())), None),
        secured,
    )
}

fn receiver(
    listener: TcpListener,
    tls: Option<(TlsAcceptor, Arc<AtomicUsize>)>,
    frames_per_connection: Option<usize>,
) -> Received {
    let received = Received::default();
    let sink = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (sink, tls) = (sink.clone(), tls.clone());
            tokio::spawn(async move {
                let Some((tls, secured)) = tls else {
                    return take_frames(socket, &sink, frames_per_connection).await;
                };
                // A client that does not trust the certificate ends the handshake.
                if let Ok(socket) = tls.accept(socket).await {
                    secured.fetch_add(1, Ordering::SeqCst);
                    take_frames(socket, &sink, frames_per_connection).await;
                }
            });
        }
    });
    received
}

async fn take_frames(
    mut socket: impl AsyncRead + Unpin,
    sink: &Received,
    frames_per_connection: Option<usize>,
) {
    let mut buffer = Vec::new();
    let mut taken = 0;
    loop {
        while let Some((message, rest)) = next_frame(&buffer) {
            sink.lock().unwrap().push(message);
            buffer = rest;
            taken += 1;
            if frames_per_connection.is_some_and(|most| taken >= most) {
                return;
            }
        }
        let mut chunk = [0_u8; 4096];
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A private CA (its PEM) and a TLS server whose certificate it signed for `localhost`.
fn private_ca_and_server() -> (String, TlsAcceptor) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .signed_by(&server_key, &ca, &ca_key)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![server.der().clone()], key)
        .unwrap();
    (ca.pem(), TlsAcceptor::from(Arc::new(config)))
}

/// `LEN SP MESSAGE` (RFC 6587 octet counting): the message and what follows it.
fn next_frame(buffer: &[u8]) -> Option<(String, Vec<u8>)> {
    let space = buffer.iter().position(|b| *b == b' ')?;
    let length: usize = std::str::from_utf8(&buffer[..space]).ok()?.parse().ok()?;
    let end = space + 1 + length;
    (buffer.len() >= end).then(|| {
        let message = String::from_utf8(buffer[space + 1..end].to_vec()).unwrap();
        (message, buffer[end..].to_vec())
    })
}

/// The `seq` of each message, from its structured data.
fn seqs(received: &Received) -> Vec<i64> {
    (received.lock().unwrap().iter())
        .map(|m| {
            let start = m.find("seq=\"").unwrap() + 5;
            let end = start + m[start..].find('"').unwrap();
            m[start..end].parse().unwrap()
        })
        .collect()
}

async fn until_received(received: &Received, count: usize) {
    for _ in 0..200 {
        if received.lock().unwrap().len() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "the receiver got {} of {count} messages",
        received.lock().unwrap().len()
    );
}

fn syslog_target(listener: &TcpListener) -> Target {
    Target::Syslog {
        address: listener.local_addr().unwrap().to_string(),
        hostname: "pim.example.org".into(),
        tls: None,
        format: SyslogFormat::Json,
    }
}

/// A syslog target over TLS, by the name `host` at the listener's port.
fn tls_target(listener: &TcpListener, host: &str, ca_pem: Option<&str>) -> Target {
    Target::Syslog {
        address: format!("{host}:{}", listener.local_addr().unwrap().port()),
        hostname: "pim.example.org".into(),
        tls: Some(SyslogTls {
            ca_pem: ca_pem.map(str::to_owned),
        }),
        format: SyslogFormat::Json,
    }
}

#[tokio::test]
async fn over_tls_the_receiver_gets_every_event_only_when_its_certificate_is_trusted_for_its_name()
{
    let store = store().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (ca_pem, server) = private_ca_and_server();
    let trusted = tls_target(&listener, "localhost", Some(&ca_pem));
    let unknown_issuer = tls_target(&listener, "localhost", None);
    let wrong_name = tls_target(&listener, "127.0.0.1", Some(&ca_pem));
    let (received, handshakes) = tls_syslog_receiver(listener, server);
    append(&store, 3).await;

    for (target, why) in [
        (unknown_issuer, "a private CA that was not configured"),
        (wrong_name, "a certificate for another name"),
    ] {
        let mut stream = AuditStream::new(store.clone(), target).unwrap();
        let refused = stream.catch_up(NOW).await;
        assert!(
            matches!(&refused, Err(e) if e.to_string().contains("certificate")),
            "{why}: {refused:?}"
        );
    }
    assert_eq!(store.audit_stream_cursor("syslog").await.unwrap(), None);
    assert!(received.lock().unwrap().is_empty());

    let mut stream = AuditStream::new(store.clone(), trusted).unwrap();
    assert_eq!(stream.catch_up(NOW).await.unwrap(), 3);
    until_received(&received, 3).await;
    // The receiver's session tickets are not mistaken for a hang-up: the connection stays.
    tokio::time::sleep(Duration::from_millis(100)).await;
    append(&store, 2).await;
    assert_eq!(stream.catch_up(NOW).await.unwrap(), 2);
    until_received(&received, 5).await;
    assert_eq!(seqs(&received), vec![1, 2, 3, 4, 5]);
    assert_eq!(store.audit_stream_cursor("syslog").await.unwrap(), Some(5));
    assert_eq!(
        handshakes.load(Ordering::SeqCst),
        1,
        "one connection for both batches"
    );
}

#[tokio::test]
async fn a_ca_file_that_is_not_pem_stops_the_stream_from_starting() {
    let target = Target::Syslog {
        address: "siem.example.org:6514".into(),
        hostname: "pim.example.org".into(),
        tls: Some(SyslogTls {
            ca_pem: Some(
                "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".into(),
            ),
        }),
        format: SyslogFormat::Json,
    };
    let refused = AuditStream::new(store().await, target);
    assert!(
        matches!(&refused, Err(e) if e.to_string().contains("not PEM")),
        "{:?}",
        refused.err()
    );
}

#[tokio::test]
async fn a_syslog_receiver_gets_every_event_once_in_order_across_a_restart_of_the_stream() {
    let store = store().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = syslog_target(&listener);
    let received = syslog_receiver(listener, None);
    append(&store, 620).await;

    let mut stream = AuditStream::new(store.clone(), target.clone()).unwrap();
    assert_eq!(stream.catch_up(NOW).await.unwrap(), 620, "two batches");
    until_received(&received, 620).await;
    assert_eq!(stream.catch_up(NOW).await.unwrap(), 0, "nothing new");
    assert_eq!(
        store.audit_stream_cursor("syslog").await.unwrap(),
        Some(620)
    );
    drop(stream);

    // Stint restarts: a new stream with nothing in memory resumes from the stored cursor.
    append(&store, 5).await;
    let mut restarted = AuditStream::new(store.clone(), target).unwrap();
    assert_eq!(restarted.catch_up(NOW).await.unwrap(), 5);
    until_received(&received, 625).await;
    assert_eq!(seqs(&received), (1..=625).collect::<Vec<_>>());
    let first = received.lock().unwrap()[0].clone();
    assert!(
        first.starts_with("<109>1 2027-01-15T08:00:00Z pim.example.org stint - auth.sign_in.succeeded [stint@32473 seq=\"1\""),
        "{first}"
    );
}

#[tokio::test]
async fn a_receiver_that_is_down_or_hangs_up_loses_nothing() {
    let store = store().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let target = syslog_target(&listener);
    drop(listener);
    append(&store, 3).await;
    let mut stream = AuditStream::new(store.clone(), target).unwrap();
    let down = stream.catch_up(NOW).await;
    assert!(down.is_err(), "nobody listens");
    assert_eq!(store.audit_stream_cursor("syslog").await.unwrap(), None);
    let later = NOW.plus_seconds(60);
    assert!(stream.catch_up(later).await.is_err(), "still nobody");
    let health = store.audit_streams().await.unwrap();
    assert_eq!(health.len(), 1);
    assert_eq!(health[0].target, format!("syslog over TCP to {address}"));
    assert_eq!(
        health[0].failing_since,
        Some(NOW.unix()),
        "since the first failure"
    );
    assert!(
        (health[0].last_error.as_deref()).is_some_and(|e| e.contains("could not be reached")),
        "{health:?}"
    );
    assert_eq!((health[0].delivered_seq, health[0].delivered_at), (0, None));

    // The receiver comes up, takes three messages and hangs up (a restart on its side).
    let listener = TcpListener::bind(address).await.unwrap();
    let received = syslog_receiver(listener, Some(3));
    assert_eq!(stream.catch_up(later).await.unwrap(), 3);
    until_received(&received, 3).await;
    let health = store.audit_streams().await.unwrap();
    assert_eq!(
        (
            health[0].failing_since.as_ref(),
            health[0].last_error.as_ref()
        ),
        (None, None)
    );
    assert_eq!(health[0].delivered_seq, 3);
    assert_eq!(health[0].delivered_at, Some(later.unix()));
    // Give the hang-up time to reach Stint's side of the connection.
    tokio::time::sleep(Duration::from_millis(100)).await;
    append(&store, 2).await;
    assert_eq!(
        stream.catch_up(NOW).await.unwrap(),
        2,
        "a closed connection is noticed before writing, and a new one is opened"
    );
    until_received(&received, 5).await;
    assert_eq!(seqs(&received), vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn an_http_receiver_gets_json_lines_with_its_token_and_a_refused_batch_is_sent_again() {
    let store = store().await;
    let bodies = Batches::default();
    let refuse_next = Arc::new(Mutex::new(true));
    let app = {
        let (bodies, refuse_next) = (bodies.clone(), refuse_next.clone());
        axum::Router::new().route(
            "/ingest",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| async move {
                if std::mem::replace(&mut *refuse_next.lock().unwrap(), false) {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let auth = headers
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned());
                bodies
                    .lock()
                    .unwrap()
                    .push((auth, String::from_utf8(body.to_vec()).unwrap()));
                StatusCode::ACCEPTED
            }),
        )
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ingest", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    append(&store, 4).await;
    let target = Target::Http {
        url,
        token: Some("siem-token".into()),
    };
    let mut stream = AuditStream::new(store.clone(), target).unwrap();
    assert!(stream.catch_up(NOW).await.is_err(), "503: not taken");
    assert_eq!(store.audit_stream_cursor("http").await.unwrap(), None);
    assert_eq!(stream.catch_up(NOW).await.unwrap(), 4);

    let accepted = bodies.lock().unwrap().clone();
    assert_eq!(accepted.len(), 1, "one batch, accepted once");
    let (auth, body) = &accepted[0];
    assert_eq!(auth.as_deref(), Some("Bearer siem-token"));
    let events: Vec<serde_json::Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    assert_eq!(events[0]["action"], "auth.sign_in.succeeded");
    assert_eq!(events[0]["time"], "2027-01-15T08:00:00Z");
    assert_eq!(store.audit_stream_cursor("http").await.unwrap(), Some(4));
}

#[tokio::test]
async fn in_cef_format_each_event_is_one_cef_line_with_its_sequence_number() {
    let store = store().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = Target::Syslog {
        address: listener.local_addr().unwrap().to_string(),
        hostname: "pim.example.org".into(),
        tls: None,
        format: SyslogFormat::Cef,
    };
    let received = syslog_receiver(listener, None);
    append(&store, 2).await;
    let mut stream = AuditStream::new(store.clone(), target).unwrap();
    assert_eq!(stream.catch_up(NOW).await.unwrap(), 2);
    until_received(&received, 2).await;
    let messages = received.lock().unwrap().clone();
    for (message, seq) in messages.iter().zip(1..) {
        let cef = &message[message.find(" - CEF:0|").unwrap() + 3..];
        assert!(cef.starts_with("CEF:0|Stint|Stint PIM|"), "{message}");
        assert!(
            cef.contains("|auth.sign_in.succeeded|auth.sign_in.succeeded|3|"),
            "{cef}"
        );
        assert!(cef.contains(&format!(" externalId={seq} ")), "{cef}");
    }
}

//! The `server` binary streams its audit log to a syslog receiver started by the test, and a
//! restart (a kill, not a clean stop) neither loses nor repeats an event.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pim_core::Timestamp;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_store::Store;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

const KEY: &str = "audit stream test key";

/// A running `server`; killed when dropped, so a failing test leaves no process behind.
struct Stint(Child);

impl Drop for Stint {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data_dir: &Path, syslog: &str) -> Stint {
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        // No `stint.toml` there: only these settings and the defaults apply.
        .current_dir(data_dir)
        .env("STINT_DATA_DIR", data_dir)
        .env("STINT_LISTEN", "127.0.0.1:0")
        .env("STINT_AUDIT_KEY", KEY)
        .env("STINT_AUDIT_SYSLOG", syslog)
        .env("STINT_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Stint(child)
}

/// Every syslog message received (whatever the connection), one per octet-counted frame.
fn receiver(listener: TcpListener) -> Arc<Mutex<Vec<String>>> {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::<u8>::new();
                let mut chunk = [0_u8; 4096];
                while let Ok(n @ 1..) = socket.read(&mut chunk).await {
                    buffer.extend_from_slice(&chunk[..n]);
                    while let Some(space) = buffer.iter().position(|b| *b == b' ') {
                        let length: usize = std::str::from_utf8(&buffer[..space])
                            .unwrap()
                            .parse()
                            .unwrap();
                        if buffer.len() < space + 1 + length {
                            break;
                        }
                        let frame: Vec<u8> = buffer.drain(..space + 1 + length).collect();
                        let message = String::from_utf8(frame[space + 1..].to_vec()).unwrap();
                        sink.lock().unwrap().push(message);
                    }
                }
            });
        }
    });
    received
}

fn seqs(received: &Mutex<Vec<String>>) -> Vec<i64> {
    (received.lock().unwrap().iter())
        .map(|m| {
            let start = m.find("seq=\"").unwrap() + 5;
            let end = start + m[start..].find('"').unwrap();
            m[start..end].parse().unwrap()
        })
        .collect()
}

/// Waits until the receiver holds the whole log and Stint has recorded that it does, so a
/// kill now cannot fall between a send and its cursor; returns the head's sequence number.
async fn until_delivered(store: &Store, received: &Mutex<Vec<String>>) -> i64 {
    for _ in 0..300 {
        let head = store.audit_head(Timestamp::from_unix(0)).await.unwrap().seq;
        let cursor = store.audit_stream_cursor("syslog").await.unwrap();
        let count = received.lock().unwrap().len();
        if head > 0 && cursor == Some(head) && count >= usize::try_from(head).unwrap() {
            return head;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not delivered in 30 s: received {:?}", seqs(received));
}

#[tokio::test]
async fn a_syslog_receiver_gets_every_event_once_across_a_restart_of_stint() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let syslog = listener.local_addr().unwrap().to_string();
    let received = receiver(listener);
    let data_dir =
        std::env::temp_dir().join(format!("stint-stream-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&data_dir).unwrap();

    let stint = start(&data_dir, &syslog);
    // Wait for the first start to create the database before opening it alongside.
    let url = format!("sqlite://{}", data_dir.join("stint.db").display());
    let mut db = None;
    for _ in 0..300 {
        if data_dir.join("stint.db").exists()
            && let Ok(opened) = pim_store::connect(&url, 2).await
        {
            db = Some(opened);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let store = Store::new(db.expect("Stint created its database"), KEY.as_bytes());
    let before_restart = until_delivered(&store, &received).await;
    drop(stint);

    // While Stint is down, events are still written (another instance, a migration).
    let mut tx = store.begin().await.unwrap();
    for _ in 0..3 {
        let event = AuditEvent::failure(AuditAction::SignInFailed, None);
        tx.append_audit(&event, Timestamp::from_unix(1_800_000_000))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let _restarted = start(&data_dir, &syslog);
    let head = until_delivered(&store, &received).await;
    assert!(head >= before_restart + 3, "{before_restart} then {head}");
    assert_eq!(
        seqs(&received),
        (1..=head).collect::<Vec<_>>(),
        "every event once, in order"
    );
    let messages = received.lock().unwrap();
    assert!(
        (messages.iter()).any(|m| m.contains(" localhost stint - system.bootstrapped ")),
        "{}",
        messages[0]
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("<108>1 ") && m.contains(" auth.sign_in.failed ")),
        "failures arrive as warnings"
    );
}

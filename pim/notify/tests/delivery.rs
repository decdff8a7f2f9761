//! Delivery against real receivers on loopback: an SMTP server and an HTTP server started by
//! the test, on whichever engine the test command selects.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use pim_core::notify::{ChannelConfig, Notice, NoticeKind, SmtpSecurity, verify_webhook_signature};
use pim_core::user::UserKind;
use pim_core::{Timestamp, UserId};
use pim_notify::{Deliverer, SIGNATURE_HEADER};
use pim_store::notifications::NewNotification;
use pim_store::{NewUser, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const NOW: Timestamp = Timestamp::from_unix(1_800_000_000);
const SECRET: &str = "a webhook secret of some length";
const HOSTILE: &str = "Fix *payouts* <a href=\"https://evil.example\">here</a> & <b>now</b>";

fn notice() -> Notice {
    Notice {
        kind: NoticeKind::ApprovalNeeded,
        subject_id: "7d2f3c1e-0000-4000-8000-00000000beef".into(),
        role: "Payments database owner".into(),
        tier: 1,
        person: "Rita Requester".into(),
        actor: None,
        text: Some(HOSTILE.into()),
        starts_at: Some(NOW),
        ends_at: Some(NOW.plus_seconds(3600)),
        link: "http://localhost:3000/approvals/7d2f3c1e-0000-4000-8000-00000000beef".into(),
        at: NOW,
    }
}

async fn store() -> (Store, UserId) {
    let store = Store::new(pim_store::testing::fresh_db().await.unwrap(), b"key");
    let admin = UserId::new_random();
    let mut tx = store.begin().await.unwrap();
    let user = NewUser {
        id: admin,
        display_name: "Admin",
        email: "admin@example.org",
        manager_id: None,
        kind: UserKind::Regular,
    };
    tx.create_user(user, NOW).await.unwrap();
    tx.commit().await.unwrap();
    (store, admin)
}

/// Adds a channel and one message on it for `recipient`.
async fn queue(store: &Store, admin: UserId, config: ChannelConfig, recipient: &str) -> String {
    let channel = uuid::Uuid::new_v4().to_string();
    let json = serde_json::to_string(&notice()).unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.create_channel(&channel, &format!("channel {channel}"), &config, admin, NOW)
        .await
        .unwrap();
    for _ in 0..2 {
        let message = NewNotification {
            event_key: "approval_needed:7d2f3c1e",
            channel_id: &channel,
            recipient,
            notice_json: &json,
        };
        tx.enqueue_notification(message, NOW).await.unwrap();
    }
    tx.commit().await.unwrap();
    channel
}

/// What an HTTP receiver got: headers and body of each POST.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn http_receiver(listener: TcpListener) -> Received {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push((headers, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    received
}

/// A minimal SMTP server: accepts every message and keeps its DATA.
async fn smtp_receiver() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mails: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = mails.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let sink = sink.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            sink.lock().unwrap().push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (addr, mails)
}

#[tokio::test]
async fn an_email_arrives_once_as_plain_text_with_the_request_id_and_link() {
    let (store, admin) = store().await;
    let (addr, mails) = smtp_receiver().await;
    let relay = ChannelConfig::Email {
        host: addr.ip().to_string(),
        port: addr.port(),
        security: SmtpSecurity::Plain,
        username: String::new(),
        password: String::new(),
        from: "stint@example.org".into(),
    };
    queue(&store, admin, relay, "alex@example.org").await;
    let deliverer = Deliverer::new(store.clone()).unwrap();
    let report = deliverer.deliver_due(NOW).await.unwrap();
    assert_eq!(report.sent, 1, "two enqueues of one event make one message");
    assert_eq!(deliverer.deliver_due(NOW).await.unwrap().sent, 0);
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("Content-Type: text/plain"), "{mail}");
    assert!(mail.contains("To: alex@example.org"), "{mail}");
    assert!(
        mail.contains("7d2f3c1e-0000-4000-8000-00000000beef"),
        "{mail}"
    );
    assert!(mail.contains("http://localhost:3000/approvals/"), "{mail}");
    assert!(!mail.to_ascii_lowercase().contains("text/html"), "{mail}");
}

#[tokio::test]
async fn a_signed_webhook_reaches_a_receiver_that_was_down_exactly_once() {
    let (store, admin) = store().await;
    // Reserve a port, then close it: the receiver is down.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let hook = ChannelConfig::Webhook {
        url: format!("http://{addr}/hook"),
        secret: SECRET.into(),
    };
    queue(&store, admin, hook, "").await;
    let deliverer = Deliverer::new(store.clone()).unwrap();
    let down = deliverer.deliver_due(NOW).await.unwrap();
    assert_eq!((down.sent, down.retried), (0, 1));
    let failing = store.notifications_in("pending", 10).await.unwrap();
    assert!(
        failing[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("could not reach")
    );

    let received = http_receiver(TcpListener::bind(addr).await.unwrap()).await;
    assert_eq!(
        deliverer
            .deliver_due(NOW.plus_seconds(10))
            .await
            .unwrap()
            .sent,
        0,
        "the retry waits for its backoff"
    );
    let later = NOW.plus_seconds(31);
    assert_eq!(deliverer.deliver_due(later).await.unwrap().sent, 1);
    assert_eq!(
        deliverer
            .deliver_due(later.plus_seconds(3600))
            .await
            .unwrap()
            .sent,
        0
    );

    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "exactly once");
    let (headers, body) = &received[0];
    let signature = headers[SIGNATURE_HEADER].to_str().unwrap();
    assert!(verify_webhook_signature(SECRET, signature, body));
    assert!(!verify_webhook_signature(
        "the wrong secret, long",
        signature,
        body
    ));
    assert!(headers.contains_key("idempotency-key"));
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(json["notice"]["text"], HOSTILE, "user text arrives as data");
    assert_eq!(
        json["notice"]["subject_id"],
        "7d2f3c1e-0000-4000-8000-00000000beef"
    );
}

#[tokio::test]
async fn slack_and_teams_get_the_justification_as_inert_text() {
    let (store, admin) = store().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = http_receiver(listener).await;
    let url = format!("http://{addr}/hook");
    queue(&store, admin, ChannelConfig::Slack { url: url.clone() }, "").await;
    queue(&store, admin, ChannelConfig::Teams { url }, "").await;
    let deliverer = Deliverer::new(store.clone()).unwrap();
    assert_eq!(deliverer.deliver_due(NOW).await.unwrap().sent, 2);
    let bodies: Vec<serde_json::Value> = received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| serde_json::from_slice(body).unwrap())
        .collect();
    let slack = bodies.iter().find(|b| b.get("blocks").is_some()).unwrap();
    assert_eq!(slack["blocks"][1]["text"]["type"], "plain_text");
    assert!(!slack["text"].as_str().unwrap().contains('<'));
    let teams = bodies
        .iter()
        .find(|b| b.get("attachments").is_some())
        .unwrap();
    let text = teams["attachments"][0]["content"]["body"][1]["text"]
        .as_str()
        .unwrap();
    assert!(
        text.contains(r#"\<a href="https://evil\.example"\>"#),
        "{text}"
    );
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_given_up_and_shown_as_failed() {
    let (store, admin) = store().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://{addr}/hook");
    queue(&store, admin, ChannelConfig::Slack { url }, "").await;
    let deliverer = Deliverer::new(store.clone()).unwrap();
    let mut at = NOW;
    let mut failed = 0;
    for _ in 0..pim_notify::MAX_ATTEMPTS {
        failed += deliverer.deliver_due(at).await.unwrap().failed;
        at = at.plus_seconds(pim_notify::MAX_BACKOFF_SECONDS);
    }
    assert_eq!(failed, 1);
    let shown = store.notifications_in("failed", 10).await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].attempts, pim_notify::MAX_ATTEMPTS);
}

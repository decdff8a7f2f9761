//! Webhook connectors against a real HTTP receiver on loopback: each grant and revoke arrives
//! signed, exactly once per idempotency key across a receiver outage, and an event the
//! receiver keeps refusing becomes a dead letter an administrator can retry.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use pim_core::activation::ActivationForm;
use pim_core::connector::{ConnectorKind, ProvisioningStatus, WEBHOOK_ATTEMPTS};
use pim_core::notify::verify_webhook_signature;
use pim_core::role::BuiltinRole;
use pim_core::time::{HOUR, MINUTE};
use pim_core::{ActivationId, RoleId};
use pim_service::connectors::ConnectorForm;
use tokio::net::TcpListener;

const ROLE: RoleId = BuiltinRole::UserAdministrator.id();
const SECRET: &str = "a signing secret of some length";

/// A receiver that checks each signature, counts deliveries per idempotency key, and can be
/// taken down (503) and brought back.
#[derive(Clone, Default)]
struct Receiver {
    down: Arc<AtomicBool>,
    /// Idempotency key → (times delivered, the last body).
    seen: Arc<Mutex<BTreeMap<String, (u32, serde_json::Value)>>>,
    bad_signatures: Arc<Mutex<u32>>,
}

impl Receiver {
    async fn start(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/stint", listener.local_addr().unwrap());
        let me = self.clone();
        let app = axum::Router::new().route(
            "/stint",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let me = me.clone();
                async move { me.receive(&headers, &body) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn receive(&self, headers: &HeaderMap, body: &[u8]) -> StatusCode {
        if self.down.load(Ordering::SeqCst) {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        let signature = headers["stint-signature"].to_str().unwrap();
        if !verify_webhook_signature(SECRET, signature, body) {
            *self.bad_signatures.lock().unwrap() += 1;
            return StatusCode::UNAUTHORIZED;
        }
        let key = headers["idempotency-key"].to_str().unwrap().to_owned();
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        let mut seen = self.seen.lock().unwrap();
        let entry = seen.entry(key).or_insert((0, json.clone()));
        entry.0 += 1;
        entry.1 = json;
        StatusCode::NO_CONTENT
    }

    fn deliveries(&self) -> BTreeMap<String, u32> {
        let seen = self.seen.lock().unwrap();
        seen.iter().map(|(k, (n, _))| (k.clone(), *n)).collect()
    }
}

struct World {
    f: Fixture,
    admin: pim_core::principal::Principal,
    bob: pim_core::principal::Principal,
    bob_key: webauthn_authenticator_rs::softpasskey::SoftPasskey,
    receiver: Receiver,
}

async fn world() -> World {
    let f = fixture_without_rate_limits().await;
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    let (bob, bob_key) = signed_in_user(&f, &admin, "Bob Builder", "bob@example.com").await;
    assign(&f, &admin, &mut admin_key, "bob@example.com", ROLE, 30).await;
    let receiver = Receiver::default();
    let url = receiver.start().await;
    let form = ConnectorForm {
        name: "Helpdesk tool".into(),
        role_id: ROLE.to_string(),
        kind: ConnectorKind::Webhook,
        webhook_url: url,
        webhook_secret: SECRET.into(),
        ..ConnectorForm::default()
    };
    f.pim.create_connector(&admin, &form).await.unwrap();
    World {
        f,
        admin,
        bob,
        bob_key,
        receiver,
    }
}

impl World {
    async fn activate(&mut self, hours: i64) -> ActivationId {
        let form = ActivationForm {
            duration_seconds: hours * HOUR,
            justification: "Reset a locked-out colleague (INC-1042)".into(),
            ..ActivationForm::default()
        };
        activate_as(&self.f, &self.bob, &mut self.bob_key, ROLE, &form)
            .await
            .unwrap()
            .id
    }

    async fn status(&self, id: ActivationId) -> ProvisioningStatus {
        self.f.pim.provisioning_of(&[id]).await.unwrap()[0]
            .status
            .clone()
    }
}

#[tokio::test]
async fn each_grant_and_revoke_arrives_signed_exactly_once_across_a_receiver_outage() {
    let mut w = world().await;
    w.receiver.down.store(true, Ordering::SeqCst);
    let id = w.activate(1).await;
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().failed, 1);
    assert!(
        matches!(w.status(id).await, ProvisioningStatus::Failed { reason } if reason.contains("503"))
    );

    w.receiver.down.store(false, Ordering::SeqCst);
    w.f.clock.advance(5);
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().granted, 1);
    w.f.clock.advance(HOUR);
    w.f.pim.run_due_work().await.unwrap();
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().revoked, 1);
    // Nothing is sent again, however often the worker runs.
    w.f.clock.advance(HOUR);
    w.f.pim.run_provisioning().await.unwrap();

    let grant = format!("{id}:grant");
    let revoke = format!("{id}:revoke");
    assert_eq!(
        w.receiver.deliveries(),
        BTreeMap::from([(grant.clone(), 1), (revoke, 1)])
    );
    assert_eq!(*w.receiver.bad_signatures.lock().unwrap(), 0);
    let seen = w.receiver.seen.lock().unwrap();
    let body = &seen[&grant].1;
    assert_eq!(body["event"], "role.granted");
    assert_eq!(body["user"]["email"], "bob@example.com");
    assert_eq!(body["role"]["name"], "User Administrator");
    assert_eq!(body["activation_id"], id.to_string());
}

#[tokio::test]
async fn an_event_the_receiver_keeps_refusing_becomes_a_dead_letter_an_administrator_retries() {
    let mut w = world().await;
    w.receiver.down.store(true, Ordering::SeqCst);
    // Eight hours: the retries (about 80 minutes) end while the activation still runs.
    let id = w.activate(8).await;
    for _ in 0..WEBHOOK_ATTEMPTS {
        w.f.pim.run_provisioning().await.unwrap();
        w.f.clock.advance(15 * MINUTE);
    }
    assert!(matches!(
        w.status(id).await,
        ProvisioningStatus::GaveUp { .. }
    ));
    assert_eq!(
        w.f.pim.run_provisioning().await.unwrap(),
        Default::default(),
        "given up"
    );
    let waiting = w.f.pim.connector_overview(&w.admin).await.unwrap().waiting;
    assert_eq!((waiting.len(), waiting[0].state.as_str()), (1, "dead"));

    w.receiver.down.store(false, Ordering::SeqCst);
    w.f.pim
        .retry_provisioning(&w.admin, waiting[0].seq)
        .await
        .unwrap();
    assert_eq!(w.f.pim.run_provisioning().await.unwrap().granted, 1);
    assert_eq!(w.status(id).await, ProvisioningStatus::Granted);
    assert_eq!(
        w.receiver.deliveries(),
        BTreeMap::from([(format!("{id}:grant"), 1)])
    );
}

//! One suite for both engines: a fresh SQLite file by default, PostgreSQL when the test command
//! sets STINT_TEST_PG_URL.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use pim_core::audit::{AuditAction, AuditEvent, GENESIS_HASH, chain_hash};
use pim_core::role::BuiltinRole;
use pim_core::user::{UserKind, UserStatus};
use pim_core::{AssignmentId, PasskeyId, Timestamp, UserId};
use pim_store::testing::fresh_db;
use pim_store::{NewCeremony, NewEnrollmentLink, NewPasskey, NewUser, Store, StoreError, on_pool};

const KEY: &[u8] = b"test audit key";

async fn store() -> Store {
    Store::new(fresh_db().await.expect("test database"), KEY)
}

fn t(s: i64) -> Timestamp {
    Timestamp::from_unix(s)
}

async fn user(store: &Store, email: &str) -> UserId {
    let id = UserId::new_random();
    let mut tx = store.begin().await.unwrap();
    tx.create_user(
        NewUser {
            id,
            display_name: "Ada",
            email,
            manager_id: None,
            kind: UserKind::Regular,
        },
        t(1),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn passkey(store: &Store, owner: UserId, cred: &str) -> PasskeyId {
    let id = PasskeyId::new_random();
    let mut tx = store.begin().await.unwrap();
    tx.create_passkey(
        NewPasskey {
            id,
            user_id: owner,
            cred_id: cred,
            label: "key",
            aaguid: "00000000-0000-0000-0000-000000000000",
            attested: false,
            passkey_json: "{}",
            counter: 0,
        },
        t(1),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn a_second_user_with_the_same_email_is_refused() {
    let store = store().await;
    user(&store, "ada@example.org").await;
    let mut tx = store.begin().await.unwrap();
    let err = tx
        .create_user(
            NewUser {
                id: UserId::new_random(),
                display_name: "Other",
                email: "ada@example.org",
                manager_id: None,
                kind: UserKind::Regular,
            },
            t(2),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate("e-mail")), "{err:?}");
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_nothing_behind() {
    let store = store().await;
    let mut tx = store.begin().await.unwrap();
    tx.create_user(
        NewUser {
            id: UserId::new_random(),
            display_name: "Ghost",
            email: "g@x",
            manager_id: None,
            kind: UserKind::Regular,
        },
        t(1),
    )
    .await
    .unwrap();
    tx.append_audit(&AuditEvent::success(AuditAction::UserCreated, None), t(1))
        .await
        .unwrap();
    drop(tx);
    assert_eq!(store.count_users().await.unwrap(), 0);
    assert!(store.list_audit(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn disabling_a_user_bumps_their_session_epoch_once() {
    let store = store().await;
    let id = user(&store, "ada@example.org").await;
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.set_user_status(id, UserStatus::Disabled, t(5))
            .await
            .unwrap()
    );
    assert!(
        !tx.set_user_status(id, UserStatus::Disabled, t(6))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let row = store.find_user_row(id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.session_epoch), ("disabled", 1));
}

#[tokio::test]
async fn a_passkey_counter_only_moves_forward() {
    let store = store().await;
    let owner = user(&store, "ada@example.org").await;
    let key = passkey(&store, owner, "cred-1").await;
    let mut tx = store.begin().await.unwrap();
    assert!(tx.record_passkey_use(key, 5, "{}", t(2)).await.unwrap());
    assert!(
        !tx.record_passkey_use(key, 5, "{}", t(3)).await.unwrap(),
        "same counter is a replay"
    );
    assert!(
        !tx.record_passkey_use(key, 4, "{}", t(3)).await.unwrap(),
        "lower counter is a clone"
    );
    assert!(tx.record_passkey_use(key, 6, "{}", t(4)).await.unwrap());
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_same_credential_cannot_be_registered_twice() {
    let store = store().await;
    let a = user(&store, "a@example.org").await;
    let b = user(&store, "b@example.org").await;
    passkey(&store, a, "shared").await;
    let mut tx = store.begin().await.unwrap();
    let err = tx
        .create_passkey(
            NewPasskey {
                id: PasskeyId::new_random(),
                user_id: b,
                cred_id: "shared",
                label: "k",
                aaguid: "x",
                attested: false,
                passkey_json: "{}",
                counter: 0,
            },
            t(1),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
}

#[tokio::test]
async fn the_last_passkey_of_a_user_is_never_deleted() {
    let store = store().await;
    let owner = user(&store, "ada@example.org").await;
    let first = passkey(&store, owner, "c1").await;
    let second = passkey(&store, owner, "c2").await;
    let mut tx = store.begin().await.unwrap();
    assert!(tx.delete_passkey_unless_last(owner, first).await.unwrap());
    assert!(!tx.delete_passkey_unless_last(owner, second).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.list_passkeys(owner).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_ceremony_is_taken_once_and_only_by_its_session() {
    let store = store().await;
    let mut tx = store.begin().await.unwrap();
    let ceremony = |id| NewCeremony {
        id,
        session_binding: "session-a",
        user_id: None,
        purpose: "sign_in",
        subject_id: None,
        state_json: "{\"s\":1}",
        expires_at: t(100),
    };
    tx.create_ceremony(ceremony("c1"), t(1)).await.unwrap();
    tx.create_ceremony(ceremony("c2"), t(1)).await.unwrap();
    assert!(
        tx.take_ceremony("c1", "session-b", t(2))
            .await
            .unwrap()
            .is_none()
    );
    let taken = tx
        .take_ceremony("c1", "session-a", t(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.state_json, "{\"s\":1}");
    assert!(
        tx.take_ceremony("c1", "session-a", t(3))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        tx.take_ceremony("c2", "session-a", t(100))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_enrollment_link_is_used_once_and_a_newer_one_replaces_it() {
    let store = store().await;
    let owner = user(&store, "ada@example.org").await;
    let mut tx = store.begin().await.unwrap();
    let link = |id, hash| NewEnrollmentLink {
        id,
        token_hash: hash,
        user_id: owner,
        created_by: None,
        expires_at: t(1000),
    };
    tx.create_enrollment_link(link("l1", "h1"), t(10))
        .await
        .unwrap();
    tx.create_enrollment_link(link("l2", "h2"), t(20))
        .await
        .unwrap();
    assert!(
        !tx.use_enrollment_link("l1", t(30)).await.unwrap(),
        "replaced by the newer link"
    );
    assert!(tx.use_enrollment_link("l2", t(30)).await.unwrap());
    assert!(
        !tx.use_enrollment_link("l2", t(31)).await.unwrap(),
        "already used"
    );
    tx.commit().await.unwrap();
    let found = store.find_enrollment_link("h2").await.unwrap().unwrap();
    assert_eq!(found.state.used_at, Some(t(30)));
}

#[tokio::test]
async fn the_bootstrap_is_claimed_once() {
    let store = store().await;
    let a = user(&store, "a@example.org").await;
    let mut tx = store.begin().await.unwrap();
    assert!(tx.claim_bootstrap(a, t(1)).await.unwrap());
    assert!(!tx.claim_bootstrap(a, t(2)).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.find_bootstrap_user().await.unwrap(), Some(a));
}

/// Gives `owner` an active assignment of `role` from t(10) until `ends_at`.
async fn active_from_ten(
    store: &Store,
    owner: UserId,
    role: BuiltinRole,
    ends_at: Option<Timestamp>,
) {
    let mut tx = store.begin().await.unwrap();
    tx.create_assignment(
        pim_store::assignments::NewAssignment {
            id: AssignmentId::new_random(),
            user_id: owner,
            role_id: role.id(),
            kind: pim_store::assignments::AssignmentKind::Active,
            starts_at: t(10),
            ends_at,
            assigned_by: None,
            justification: "set-up",
        },
        t(10),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_active_assignment_counts_until_its_end_instant() {
    let store = store().await;
    let owner = user(&store, "ada@example.org").await;
    active_from_ten(&store, owner, BuiltinRole::UserAdministrator, Some(t(20))).await;
    assert!(
        store
            .find_active_roles(owner, t(9))
            .await
            .unwrap()
            .is_empty(),
        "not started"
    );
    let roles = store.find_active_roles(owner, t(19)).await.unwrap();
    assert_eq!(roles[0].name, "User Administrator");
    assert!(
        store
            .find_active_roles(owner, t(20))
            .await
            .unwrap()
            .is_empty(),
        "ended"
    );
}

#[tokio::test]
async fn assignments_are_listed_by_each_filter_alone_and_by_several_together() {
    use pim_store::assignments::{AssignmentFilter, AssignmentKind};
    let store = store().await;
    let ada = user(&store, "ada@example.org").await;
    let bo = user(&store, "bo@example.org").await;
    active_from_ten(&store, ada, BuiltinRole::UserAdministrator, Some(t(100))).await;
    active_from_ten(&store, ada, BuiltinRole::SecurityReader, None).await;
    active_from_ten(&store, bo, BuiltinRole::UserAdministrator, Some(t(100))).await;
    let count = |filter: AssignmentFilter, limit: i64, offset: i64| {
        let store = store.clone();
        async move {
            store
                .list_assignments(&filter, t(50), limit, offset)
                .await
                .unwrap()
                .len()
        }
    };
    let user_admin = Some(BuiltinRole::UserAdministrator.id());
    assert_eq!(count(AssignmentFilter::default(), 10, 0).await, 3);
    let adas = AssignmentFilter {
        user: Some(ada),
        ..AssignmentFilter::default()
    };
    assert_eq!(count(adas.clone(), 10, 0).await, 2);
    let role = AssignmentFilter {
        role: user_admin,
        ..AssignmentFilter::default()
    };
    assert_eq!(count(role.clone(), 10, 0).await, 2);
    let both = AssignmentFilter {
        role: user_admin,
        user: Some(ada),
        ..AssignmentFilter::default()
    };
    assert_eq!(count(both, 10, 0).await, 1);
    let eligible = AssignmentFilter {
        user: Some(ada),
        kind: Some(AssignmentKind::Eligible),
        ..AssignmentFilter::default()
    };
    assert_eq!(count(eligible, 10, 0).await, 0, "all three are active");
    let permanent = AssignmentFilter {
        permanent_only: true,
        ..AssignmentFilter::default()
    };
    assert_eq!(count(permanent, 10, 0).await, 1);
    let bos_permanent = AssignmentFilter {
        user: Some(bo),
        permanent_only: true,
        ..AssignmentFilter::default()
    };
    assert_eq!(count(bos_permanent, 10, 0).await, 0);
    assert_eq!(count(role, 1, 1).await, 1, "the second page of one");
    assert_eq!(count(adas, 10, 2).await, 0, "past the end");
    assert!(
        store
            .list_assignments(&AssignmentFilter::default(), t(100), 10, 0)
            .await
            .unwrap()
            .iter()
            .all(|a| a.ends_at.is_none()),
        "only the permanent one is open at its peers' end"
    );
}

#[tokio::test]
async fn the_signed_in_lookup_reads_the_user_with_exactly_the_roles_in_effect() {
    let store = store().await;
    let owner = user(&store, "ada@example.org").await;
    let bystander = user(&store, "bo@example.org").await;
    active_from_ten(&store, owner, BuiltinRole::UserAdministrator, Some(t(20))).await;
    active_from_ten(&store, owner, BuiltinRole::SecurityReader, None).await;

    for at in [t(15), t(25)] {
        let found = store.find_signed_in(owner, at).await.unwrap().unwrap();
        assert_eq!(found.user.id, owner.to_string());
        assert_eq!(found.user.email, "ada@example.org");
        let names = |roles: &[pim_core::principal::ActiveRole]| {
            roles.iter().map(|r| r.name.clone()).collect::<Vec<_>>()
        };
        assert_eq!(
            names(&found.active_roles),
            names(&store.find_active_roles(owner, at).await.unwrap()),
            "the same roles as the authorisation query at {at:?}"
        );
    }
    let during = store.find_signed_in(owner, t(15)).await.unwrap().unwrap();
    assert_eq!(
        during.active_roles.len(),
        2,
        "both roles, soonest end first"
    );
    assert_eq!(during.active_roles[0].name, "User Administrator");
    let after = store.find_signed_in(owner, t(25)).await.unwrap().unwrap();
    assert_eq!(after.active_roles.len(), 1, "the ended one is gone");

    let none = store
        .find_signed_in(bystander, t(15))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(none.user.email, "bo@example.org");
    assert!(
        none.active_roles.is_empty(),
        "a user without roles is still found"
    );
    assert!(
        store
            .find_signed_in(UserId::new_random(), t(15))
            .await
            .unwrap()
            .is_none(),
        "nobody by that id"
    );
}

#[tokio::test]
async fn audit_events_form_a_verifiable_hash_chain() {
    let store = store().await;
    for at in 1..=3 {
        let mut tx = store.begin().await.unwrap();
        tx.append_audit(
            &AuditEvent::success(AuditAction::SignInSucceeded, None),
            t(at),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut events = store.list_audit(None, 10).await.unwrap();
    events.reverse();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    let mut prev = GENESIS_HASH.to_owned();
    for e in &events {
        assert_eq!(e.prev_hash, prev);
        let canonical =
            AuditEvent::success(AuditAction::SignInSucceeded, None).canonical(e.seq, t(e.at));
        assert_eq!(e.hash, chain_hash(KEY, &prev, &canonical));
        prev = e.hash.clone();
    }
}

#[tokio::test]
async fn audit_rows_cannot_be_updated_or_deleted() {
    let store = store().await;
    let mut tx = store.begin().await.unwrap();
    tx.append_audit(&AuditEvent::success(AuditAction::UserCreated, None), t(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for sql in [
        "UPDATE audit_events SET action = 'forged'",
        "DELETE FROM audit_events",
    ] {
        let result = on_pool!(store.db(), |pool| sqlx::query(sql)
            .execute(pool)
            .await
            .map(|_| ()));
        let err = result.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(
        store.list_audit(None, 10).await.unwrap()[0].action,
        "user.created"
    );
}

#[tokio::test]
async fn a_channel_s_secrets_are_sealed_in_the_database_and_open_with_the_outside_key() {
    use pim_core::notify::{ChannelConfig, SmtpSecurity};
    let store = store().await;
    let admin = user(&store, "admin@example.com").await;
    let config = ChannelConfig::Email {
        host: "smtp.example.com".into(),
        port: 587,
        security: SmtpSecurity::StartTls,
        username: "stint".into(),
        password: "correct horse battery staple".into(),
        from: "stint@example.com".into(),
    };
    let mut tx = store.begin().await.unwrap();
    tx.create_channel("ch-1", "Mail", &config, admin, t(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let stored: String = on_pool!(store.db(), |pool| sqlx::query_scalar(
        "SELECT config_json FROM notification_channels WHERE id = 'ch-1'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(!stored.contains("correct horse"), "{stored}");
    assert!(!stored.contains("smtp.example.com"), "{stored}");
    assert_eq!(
        store.find_channel("ch-1").await.unwrap().unwrap().config,
        config
    );

    let other_key = Store::new(store.db().clone(), b"another key");
    let err = other_key.find_channel("ch-1").await.unwrap_err();
    assert!(err.to_string().contains("do not open"), "{err}");
}

/// Tables with rows get statistics when the pool's connections close (an empty table has
/// nothing to record).
#[tokio::test]
async fn sqlite_keeps_planner_statistics_for_the_tables_its_connections_searched() {
    let url = pim_store::testing::fresh_sqlite_url().unwrap();
    let store = Store::new(pim_store::connect(&url, 2).await.unwrap(), KEY);
    let owner = user(&store, "ada@example.org").await;
    active_from_ten(&store, owner, BuiltinRole::UserAdministrator, Some(t(100))).await;
    assert!(store.find_signed_in(owner, t(50)).await.unwrap().is_some());
    store.db().close().await;

    let reopened = pim_store::connect(&url, 1).await.unwrap();
    let analysed: Vec<String> = on_pool!(&reopened, |pool| {
        sqlx::query_scalar("SELECT DISTINCT tbl FROM sqlite_stat1")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert!(
        analysed.iter().any(|t| t == "assignments") && analysed.iter().any(|t| t == "users"),
        "statistics for {analysed:?}"
    );
}

#[tokio::test]
async fn several_roles_are_found_in_one_call_and_unknown_ids_are_left_out() {
    let store = store().await;
    let wanted = [
        BuiltinRole::UserAdministrator.id(),
        BuiltinRole::SecurityReader.id(),
        pim_core::RoleId::new_random(),
    ];
    let mut found: Vec<_> = store
        .find_roles(&wanted)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.info.id)
        .collect();
    found.sort();
    let mut expected = wanted[..2].to_vec();
    expected.sort();
    assert_eq!(found, expected);
    for one in &wanted[..2] {
        let alone = store.find_role(*one).await.unwrap().unwrap();
        let together = store.find_roles(&[*one]).await.unwrap();
        assert_eq!(together[0].policy, alone.policy);
    }
    assert!(store.find_roles(&[]).await.unwrap().is_empty());
}

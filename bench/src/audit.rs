//! The audit log at scale: a filtered audit page and a full `verify` over a million events
//! (SQLite), against a primary-key lookup and a plain scan of the same table.

use std::path::Path;
use std::time::{Duration, Instant};

use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::user::UserKind;
use pim_core::{Timestamp, UserId};
use pim_store::audit_search::AuditFilter;
use pim_store::{Db, NewUser, Store};

const PEOPLE: usize = 50;
const ROLES: usize = 20;
const QUERIES: usize = 400;
const PAGE: i64 = 51;
const FIRST_AT: i64 = 1_800_000_000;
const ACTIONS: [AuditAction; 6] = [
    AuditAction::SignInSucceeded,
    AuditAction::SelfActivate,
    AuditAction::ActivationExpired,
    AuditAction::AdminAssign,
    AuditAction::ApprovalRecorded,
    AuditAction::SignInFailed,
];

pub struct AuditFigures {
    events: i64,
    page_p99: Duration,
    page_p50: Duration,
    /// The filter whose pages were slowest at p99, and that p99.
    slowest: (&'static str, Duration),
    lookup_p99: Duration,
    verify: Duration,
    scan: Duration,
    intact: bool,
}

pub async fn run(work: &Path, events: i64) -> anyhow::Result<AuditFigures> {
    let db =
        pim_store::connect(&format!("sqlite://{}", work.join("audit.db").display()), 4).await?;
    let store = Store::new(db, b"bench key");
    let people = seed(&store, events).await?;

    let mut pages = Vec::with_capacity(QUERIES);
    let mut by_filter: [Vec<Duration>; 4] = Default::default();
    let mut lookups = Vec::with_capacity(QUERIES);
    for i in 0..QUERIES {
        let filter = filter_number(i, &people);
        // Half the queries open the first page, half jump deep into the log.
        let before = (i % 2 == 1).then(|| seq_number(pseudo_random(i as u64), events));
        let started = Instant::now();
        let page = store.search_audit(&filter, before, PAGE).await?;
        pages.push(started.elapsed());
        by_filter[i % 4].push(started.elapsed());
        anyhow::ensure!(
            !page.is_empty() || before.is_some(),
            "filter {i} found nothing"
        );

        let seq = seq_number(pseudo_random(i as u64 + 7), events);
        let started = Instant::now();
        store
            .search_audit(&AuditFilter::default(), Some(seq + 1), 1)
            .await?;
        lookups.push(started.elapsed());
    }
    pages.sort_unstable();
    lookups.sort_unstable();
    let slowest = (FILTER_NAMES.into_iter().zip(by_filter))
        .map(|(name, mut times)| {
            times.sort_unstable();
            (name, quantile(&times, 0.99))
        })
        .max_by_key(|(_, p99)| *p99)
        .unwrap_or_default();

    let started = Instant::now();
    let report = store.verify_audit(Vec::new()).await?;
    let verify = started.elapsed();
    let scan = time_scan(store.db()).await?;
    Ok(AuditFigures {
        events,
        page_p99: quantile(&pages, 0.99),
        page_p50: quantile(&pages, 0.50),
        slowest,
        lookup_p99: quantile(&lookups, 0.99),
        verify,
        scan,
        intact: report.broken.is_none() && report.checked == events,
    })
}

impl AuditFigures {
    pub fn print(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let page = ms(self.page_p99);
        println!(
            "| Audit page p99, {} events, filtered (action, actor, role, day) | {page:.2} ms (p50 {:.2}; slowest {} {:.2}) | {:.2} ms (lookup by seq) | {:.1} × | ≤ 5 ms {} |",
            self.events,
            ms(self.page_p50),
            self.slowest.0,
            ms(self.slowest.1),
            ms(self.lookup_p99),
            page / ms(self.lookup_p99).max(f64::EPSILON),
            crate::mark(page <= 5.0)
        );
        let verify = self.verify.as_secs_f64();
        println!(
            "| Audit verify, {} events{} | {verify:.2} s | {:.2} s (plain scan) | {:.1} × | ≤ 2 s {} |",
            self.events,
            if self.intact { "" } else { " (NOT INTACT)" },
            self.scan.as_secs_f64(),
            verify / self.scan.as_secs_f64().max(f64::EPSILON),
            crate::mark(verify <= 2.0 && self.intact)
        );
    }
}

/// What [`filter_number`] filters by, in its order.
const FILTER_NAMES: [&str; 4] = ["by action", "by actor", "by role", "by action and day"];

/// Cycles through the page's filters: by action, by actor, by role, by action within a day.
fn filter_number(i: usize, people: &[UserId]) -> AuditFilter {
    let r = pseudo_random(i as u64);
    match i % 4 {
        0 => AuditFilter {
            action: Some(ACTIONS[r as usize % ACTIONS.len()].code().into()),
            ..AuditFilter::default()
        },
        1 => AuditFilter {
            actor: Some(people[r as usize % people.len()]),
            ..AuditFilter::default()
        },
        2 => AuditFilter {
            role: Some(role_name(r as usize % ROLES)),
            ..AuditFilter::default()
        },
        _ => {
            let day = FIRST_AT + (r as i64 % 10) * 86_400;
            AuditFilter {
                action: Some(AuditAction::SelfActivate.code().into()),
                from: Some(Timestamp::from_unix(day)),
                to: Some(Timestamp::from_unix(day + 86_400)),
                ..AuditFilter::default()
            }
        }
    }
}

fn role_name(i: usize) -> String {
    format!("Bench role {i}")
}

/// `events` events, one a second, spread over people, actions and roles; set-up, not timed.
async fn seed(store: &Store, events: i64) -> anyhow::Result<Vec<UserId>> {
    let at = Timestamp::from_unix(FIRST_AT);
    let mut people = Vec::with_capacity(PEOPLE);
    let mut tx = store.begin().await?;
    for i in 0..PEOPLE {
        let id = UserId::new_random();
        let (name, email) = (format!("Person {i}"), format!("p{i}@bench.example"));
        let user = NewUser {
            id,
            display_name: &name,
            email: &email,
            manager_id: None,
            kind: UserKind::Regular,
        };
        tx.create_user(user, at).await?;
        people.push(id);
    }
    tx.commit().await?;
    let mut n = 0;
    while n < events {
        let mut tx = store.begin().await?;
        for _ in 0..10_000.min(events - n) {
            let r = pseudo_random(n as u64) as usize;
            let event = AuditEvent::success(ACTIONS[r % ACTIONS.len()], Some(people[r % PEOPLE]))
                .about(people[(r / 7) % PEOPLE])
                .with_details(serde_json::json!({ "role": role_name(r % ROLES), "n": n }));
            tx.append_audit(&event, at.plus_seconds(n)).await?;
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(people)
}

/// Reads every row as `verify` does, without checking anything.
async fn time_scan(db: &Db) -> anyhow::Result<Duration> {
    let Db::Sqlite(pool) = db else {
        anyhow::bail!("expected SQLite");
    };
    let started = Instant::now();
    let mut after = 0_i64;
    loop {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT seq, details, prev_hash, hash FROM audit_events WHERE seq > $1 \
             ORDER BY seq LIMIT 10000",
        )
        .bind(after)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
    }
    Ok(started.elapsed())
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// A sequence number from 1 to `events` picked by `r`.
fn seq_number(r: u64, events: i64) -> i64 {
    i64::try_from(r % events.unsigned_abs()).unwrap_or(0) + 1
}

/// A fixed, well-spread sequence (SplitMix64), so every run asks the same questions.
fn pseudo_random(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

//! The one time source. Rules take `now`; this is where `now` comes from.

use pim_core::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// Wall-clock time.
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the single permitted wall-clock read
    fn now(&self) -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Timestamp::from_unix(secs)
    }
}

/// A clock that moves only when told to, for tests and the end-to-end test clock.
#[derive(Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    #[must_use]
    pub fn at(t: Timestamp) -> Self {
        Self(AtomicI64::new(t.unix()))
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    pub fn set(&self, t: Timestamp) {
        self.0.store(t.unix(), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix(self.0.load(Ordering::SeqCst))
    }
}

/// Wall-clock time moved by an offset: the end-to-end tests' clock control, so that expiry can
/// be shown in a real browser without waiting. Only debug builds ever expose a way to move it.
#[derive(Default)]
pub struct OffsetClock(AtomicI64);

impl OffsetClock {
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        SystemClock
            .now()
            .plus_seconds(self.0.load(Ordering::SeqCst))
    }
}

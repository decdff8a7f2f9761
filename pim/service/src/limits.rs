//! Rate limits on sign-in and ceremony starts, per client address and per account, so that
//! nobody can hammer the WebAuthn endpoints or enumerate accounts at speed.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

use crate::ServiceError;

pub struct RateLimits {
    per_ip: DefaultKeyedRateLimiter<String>,
    per_account: DefaultKeyedRateLimiter<String>,
}

const fn per_minute(n: u32) -> Quota {
    match NonZeroU32::new(n) {
        Some(n) => Quota::per_minute(n),
        None => panic!("a quota needs at least one request"),
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::new(60, 10)
    }
}

impl RateLimits {
    /// `ip_per_minute` ceremony starts per address, `account_per_minute` per account.
    #[must_use]
    pub fn new(ip_per_minute: u32, account_per_minute: u32) -> Self {
        Self {
            per_ip: RateLimiter::keyed(per_minute(ip_per_minute)),
            per_account: RateLimiter::keyed(per_minute(account_per_minute)),
        }
    }

    pub fn check_ip(&self, ip: &str) -> Result<(), ServiceError> {
        self.per_ip
            .check_key(&ip.to_owned())
            .map_err(|_| ServiceError::RateLimited)
    }

    pub fn check_account(&self, account: &str) -> Result<(), ServiceError> {
        self.per_account
            .check_key(&account.to_owned())
            .map_err(|_| ServiceError::RateLimited)
    }
}

//! Stint's server: configuration, wiring and background jobs. No rules live here.
#![forbid(unsafe_code)]

pub mod authz_api;
pub mod config;
pub mod downloads;
pub mod favicon;
pub mod metrics;
pub mod security;
pub mod sessions;
pub mod startup;
pub mod tasks;
#[cfg(debug_assertions)]
mod test_hooks;

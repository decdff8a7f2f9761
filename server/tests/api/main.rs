//! The HTTP surface of Stint, over real sockets, on whichever engine the test command selects.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod activation;
mod audit;
mod audit_checkpoints;
mod audit_stream;
mod authz_api;
mod helpers;
mod metrics;
mod passkey_flows;
mod reviews;
mod security;

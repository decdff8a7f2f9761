//! Stint's privileged-identity workflow as pure rules.
//!
//! Nothing here reads a clock, touches a database or speaks HTTP: every rule takes `now` as a
//! parameter so that expiry and validity are testable, and the crate compiles to wasm so the
//! browser can share types with the server.
#![forbid(unsafe_code)]

pub mod activation;
pub mod alerts;
pub mod api_token;
pub mod approval;
pub mod assignment;
pub mod audit;
pub mod break_glass;
pub mod change;
pub mod connector;
pub mod detection;
pub mod enrollment;
pub mod error;
pub mod ids;
pub mod insights;
pub mod my_roles;
pub mod notify;
pub mod notify_rules;
pub mod policy;
pub mod principal;
pub mod review;
pub mod role;
pub mod text;
pub mod time;
pub mod user;

pub use error::ParseError;
pub use ids::{ActivationId, ApiTokenId, AssignmentId, ConnectorId, PasskeyId, RoleId, UserId};
pub use time::Timestamp;

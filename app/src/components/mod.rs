pub mod nav;
pub mod time;
pub mod webauthn;

pub mod badges;
pub mod nav;
pub mod notice;
pub mod time;
pub mod webauthn;

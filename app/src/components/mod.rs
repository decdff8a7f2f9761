pub mod badges;
pub mod chart;
pub mod downstream;
pub mod emergency;
pub mod nav;
pub mod notice;
pub mod time;
pub mod webauthn;

//! The WebAuthn assertion check alone: the library call and key type (ES256) every step-up
//! pays for, with no database. It shows how much of the activation figure is signature
//! verification, which no change to Stint's own code can remove.

use std::time::{Duration, Instant};

use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{PasskeyAuthentication, PublicKeyCredential};

/// Times `rounds` checks of fresh assertions; signing them (the browser's part) is not timed.
pub fn time_checks(origin: &str, rounds: u32) -> anyhow::Result<Duration> {
    let origin = url::Url::parse(origin)?;
    let rp_id = origin
        .host_str()
        .ok_or_else(|| anyhow::anyhow!("{origin} has no host"))?;
    let webauthn = webauthn_rs::WebauthnBuilder::new(rp_id, &origin)?
        .rp_name("Stint")
        .build()?;
    let mut key = SoftPasskey::new(true);
    let (options, registration) =
        webauthn.start_passkey_registration(uuid::Uuid::new_v4(), "bench", "Bench", None)?;
    let credential = key
        .do_registration(origin.clone(), options)
        .map_err(|e| anyhow::anyhow!("registration: {e:?}"))?;
    let passkey = webauthn.finish_passkey_registration(&credential, &registration)?;

    let mut signed: Vec<(PublicKeyCredential, PasskeyAuthentication)> = Vec::new();
    for _ in 0..rounds {
        let (options, state) =
            webauthn.start_passkey_authentication(std::slice::from_ref(&passkey))?;
        let assertion = key
            .do_authentication(origin.clone(), options)
            .map_err(|e| anyhow::anyhow!("assertion: {e:?}"))?;
        signed.push((assertion, state));
    }
    let started = Instant::now();
    for (assertion, state) in &signed {
        webauthn.finish_passkey_authentication(assertion, state)?;
    }
    Ok(started.elapsed())
}

//! Channel settings hold secrets (an SMTP password, webhook URLs that are credentials, an HMAC
//! signing secret). They are sealed with XChaCha20-Poly1305 under a key derived from the key
//! outside the database, so a copy of the database alone does not reveal them; the channel id
//! is the associated data, so a sealed value moved to another row does not open.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::StoreError;

const PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 24;

/// The sealing key: HMAC-SHA256 of a fixed label under the outside key, so it differs from
/// the audit chain's use of that key.
fn cipher(outside_key: &[u8]) -> XChaCha20Poly1305 {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(outside_key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"stint/notification-channel-secrets/v1");
    XChaCha20Poly1305::new(&mac.finalize().into_bytes())
}

pub(crate) fn seal(
    outside_key: &[u8],
    channel_id: &str,
    plain: &str,
) -> Result<String, StoreError> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let payload = Payload {
        msg: plain.as_bytes(),
        aad: channel_id.as_bytes(),
    };
    let sealed = cipher(outside_key)
        .encrypt(&nonce, payload)
        .map_err(|_| StoreError::Corrupt("sealing a channel's settings failed".into()))?;
    let mut bytes = nonce.to_vec();
    bytes.extend(sealed);
    Ok(format!("{PREFIX}{}", STANDARD_NO_PAD.encode(bytes)))
}

/// The plain settings; rows written before sealing existed are returned as they are.
pub(crate) fn open(
    outside_key: &[u8],
    channel_id: &str,
    stored: &str,
) -> Result<String, StoreError> {
    let Some(encoded) = stored.strip_prefix(PREFIX) else {
        return Ok(stored.to_owned());
    };
    let unreadable = || {
        StoreError::Corrupt(format!(
            "channel {channel_id}: sealed settings do not open with this key"
        ))
    };
    let bytes = STANDARD_NO_PAD.decode(encoded).map_err(|_| unreadable())?;
    if bytes.len() < NONCE_LEN {
        return Err(unreadable());
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let payload = Payload {
        msg: sealed,
        aad: channel_id.as_bytes(),
    };
    let plain = cipher(outside_key)
        .decrypt(XNonce::from_slice(nonce), payload)
        .map_err(|_| unreadable())?;
    String::from_utf8(plain).map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"outside key for tests, 32 bytes!";

    #[test]
    fn sealed_settings_open_with_the_same_key_and_channel() {
        let sealed = seal(KEY, "ch-1", r#"{"password":"hunter2"}"#).ok();
        let sealed = sealed.as_deref().unwrap_or_default();
        assert!(sealed.starts_with(PREFIX));
        assert!(!sealed.contains("hunter2"));
        assert_eq!(
            open(KEY, "ch-1", sealed).ok().as_deref(),
            Some(r#"{"password":"hunter2"}"#)
        );
    }

    #[test]
    fn sealed_settings_do_not_open_with_another_key_or_in_another_row() {
        let sealed = seal(KEY, "ch-1", "{}").ok().unwrap_or_default();
        assert!(open(b"another key", "ch-1", &sealed).is_err());
        assert!(open(KEY, "ch-2", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(open(KEY, "ch-1", &tampered).is_err());
    }

    #[test]
    fn settings_stored_before_sealing_are_read_as_they_are() {
        assert_eq!(open(KEY, "ch-1", "{}").ok().as_deref(), Some("{}"));
    }

    #[test]
    fn the_same_settings_seal_differently_each_time() {
        let a = seal(KEY, "ch-1", "{}").ok();
        let b = seal(KEY, "ch-1", "{}").ok();
        assert_ne!(a, b, "a fresh nonce per sealing");
    }
}

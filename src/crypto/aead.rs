//! The primitives every key and value goes through: AES-256-GCM with a
//! random nonce, HMAC-SHA256, and the associated data that binds each
//! ciphertext to its place.

use hmac::{Hmac, Mac};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::Sha256;
use uuid::Uuid;

use super::error::CryptoError;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The data key version in front of every sealed value.
pub(crate) const VERSION_LEN: usize = 4;
const TAG_LEN: usize = 16;
/// Data keys, blind-index keys and master keys are all 256 bits.
pub(crate) const KEY_LEN: usize = 32;

/// Binds a value to where it lives, so it cannot be replayed elsewhere.
pub(crate) fn field_aad(table: &str, column: &str, row: Uuid) -> String {
    format!("{table}\0{column}\0{row}")
}

pub(crate) fn data_key_aad(version: u32) -> String {
    format!("odb.data_key.v{version}")
}

pub(crate) fn blind_key_aad(version: u32) -> String {
    format!("odb.blind_index_key.v{version}")
}

pub(crate) fn hmac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac
}

pub(crate) fn no_randomness() -> CryptoError {
    CryptoError::Io(std::io::Error::other("the system random source failed"))
}

/// A fresh random 256-bit key.
pub(crate) fn random_key(rng: &SystemRandom) -> Result<[u8; KEY_LEN], CryptoError> {
    let mut key = [0u8; KEY_LEN];
    rng.fill(&mut key).map_err(|_| no_randomness())?;
    Ok(key)
}

pub(crate) fn aes_key(bytes: &[u8]) -> Result<LessSafeKey, CryptoError> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::Malformed)
}

/// `[nonce][ciphertext+tag]` (wrapped keys) — the version sits in front for fields.
pub(crate) fn seal_raw(
    rng: &SystemRandom,
    key: &LessSafeKey,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce).map_err(|_| no_randomness())?;
    let mut buffer = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut buffer,
    )
    .map_err(|_| CryptoError::Malformed)?;
    let mut out = Vec::with_capacity(NONCE_LEN + buffer.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buffer);
    Ok(out)
}

pub(crate) fn open_raw(
    key: &LessSafeKey,
    aad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Malformed);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Malformed)?;
    let mut buffer = ciphertext.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad), &mut buffer)
        .map_err(|_| CryptoError::Open)?;
    Ok(plain.to_vec())
}

/// Uppercase, ASCII letters and digits only (drops spaces, dots, dashes): "001 234-567" -> "001234567".
pub fn normalize_identifier(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The data key version a sealed value names, without opening it.
pub fn key_version(sealed: &[u8]) -> Option<u32> {
    let head: [u8; VERSION_LEN] = sealed.get(..VERSION_LEN)?.try_into().ok()?;
    Some(u32::from_be_bytes(head))
}

/// HMAC-SHA256 of the normalized value under a per-column key derived from
/// `root`: equal inputs match, the same number in two columns gives
/// unrelated indexes. `whole` keeps 32 bytes (unique columns); otherwise 16
/// suffice for lookups.
pub(crate) fn blind_index(
    root: &[u8],
    table: &str,
    column: &str,
    normalized: &str,
    whole: bool,
) -> Vec<u8> {
    let column_key = hmac(
        root,
        &[
            b"odb.blind_index\0",
            table.as_bytes(),
            b"\0",
            column.as_bytes(),
        ],
    )
    .finalize()
    .into_bytes();
    let mut index = hmac(&column_key, &[normalized.as_bytes()])
        .finalize()
        .into_bytes()
        .to_vec();
    if !whole {
        index.truncate(16);
    }
    index
}

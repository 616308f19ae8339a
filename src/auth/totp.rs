//! RFC 6238 TOTP as authenticator apps speak it (SHA-1, 6 digits, 30 s steps), plus recovery
//! codes. Time is always passed in; replay refusal relies on the caller storing the last
//! accepted step.

use base64::Engine;
use rand::distributions::{Distribution, Uniform};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;

/// One step either way tolerates clock drift and a code typed just before it rolled over.
const SKEW_STEPS: u8 = 1;
const ISSUER: &str = "ODB";
/// 160 bits, the length RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
/// RFC 4226's floor (128 bits); shorter stored secrets are refused rather than trusted.
const MIN_SECRET_BYTES: usize = 16;
const RECOVERY_CODE_COUNT: usize = 10;
/// Lowercase base32-like, without 0/o/1/l/i, so codes copied from paper are unambiguous.
const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// Messages never include the secret itself.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("TOTP secret is not valid base32")]
    InvalidSecret,
    #[error("TOTP secret is {bits} bits; at least 128 are required")]
    SecretTooShort { bits: usize },
    #[error("could not render the enrollment QR code: {0}")]
    Qr(String),
}

fn decode_secret(secret_b32: &str) -> Result<Vec<u8>, TotpError> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|_| TotpError::InvalidSecret)?;
    if bytes.len() < MIN_SECRET_BYTES {
        return Err(TotpError::SecretTooShort {
            bits: bytes.len() * 8,
        });
    }
    Ok(bytes)
}

/// `new_unchecked` because our own checks apply: the secret length in `decode_secret`, and
/// account names are percent-encoded by totp-rs, so a colon in a username is harmless.
fn totp(secret: Vec<u8>, digits: usize, username: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        digits,
        SKEW_STEPS,
        STEP_SECONDS,
        secret,
        Some(ISSUER.to_string()),
        username.to_string(),
    )
}

/// The code at a unix time with any number of digits, so the RFC's 8-digit vectors exercise
/// the same path as the 6-digit codes.
fn code_with_digits(
    secret_b32: &str,
    digits: usize,
    unix_seconds: u64,
) -> Result<String, TotpError> {
    Ok(totp(decode_secret(secret_b32)?, digits, "").generate(unix_seconds))
}

/// Compares without an early exit, so response time does not reveal how many digits matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Percent-encodes all but RFC 3986 unreserved characters, as totp-rs does for the QR label.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn random_chars(alphabet: &[u8], len: usize) -> String {
    let index = Uniform::from(0..alphabet.len());
    (0..len)
        .map(|_| char::from(alphabet[index.sample(&mut OsRng)]))
        .collect()
}

/// A new random secret (160 bits), base32 without padding, as authenticator apps expect.
pub fn new_secret() -> String {
    let mut bytes = vec![0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes).to_encoded().to_string()
}

/// `otpauth://totp/ODB:<username>?secret=...&issuer=ODB&algorithm=SHA1&digits=6&period=30`.
///
/// The parameters are spelled out even though they are the defaults, so no app has to guess.
pub fn otpauth_url(secret_b32: &str, username: &str) -> Result<String, TotpError> {
    let secret = totp(decode_secret(secret_b32)?, DIGITS, username).get_secret_base32();
    Ok(format!(
        "otpauth://totp/{ISSUER}:{account}?secret={secret}&issuer={ISSUER}\
         &algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = percent_encode(username),
    ))
}

/// PNG of the enrollment QR code, base64-encoded (standard alphabet), for an enrollment screen.
///
/// totp-rs renders its own URL for the same secret, issuer and account; it leaves out the
/// algorithm, digits and period because ours are the defaults, so apps read the same thing as
/// `otpauth_url`.
pub fn qr_png_base64(secret_b32: &str, username: &str) -> Result<String, TotpError> {
    let png = totp(decode_secret(secret_b32)?, DIGITS, username)
        .get_qr_png()
        .map_err(TotpError::Qr)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(png))
}

/// The 6-digit code at a unix time.
pub fn code_at(secret_b32: &str, unix_seconds: u64) -> Result<String, TotpError> {
    code_with_digits(secret_b32, DIGITS, unix_seconds)
}

/// Checks `code` at `unix_seconds` against steps t-1, t, t+1 (t = unix / 30). Returns the
/// matched step if it is strictly greater than `last_accepted_step` (None = no previous), else
/// None; the caller stores it so the same code cannot be replayed. Codes that are not exactly
/// 6 ASCII digits after trimming are refused before the secret is touched.
pub fn verify(
    secret_b32: &str,
    code: &str,
    unix_seconds: u64,
    last_accepted_step: Option<i64>,
) -> Result<Option<i64>, TotpError> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(decode_secret(secret_b32)?, DIGITS, "");
    let current = unix_seconds / STEP_SECONDS;
    let skew = u64::from(SKEW_STEPS);
    let mut accepted = None;
    // Every candidate is computed and compared, so timing does not reveal which step matched.
    // Ascending order leaves the latest acceptable step, which burns the most for replay.
    for step in current.saturating_sub(skew)..=current.saturating_add(skew) {
        let (Ok(step_id), Some(time)) = (i64::try_from(step), step.checked_mul(STEP_SECONDS))
        else {
            continue;
        };
        let matches = constant_time_eq(totp.generate(time).as_bytes(), code.as_bytes());
        if matches && last_accepted_step.is_none_or(|last| step_id > last) {
            accepted = Some(step_id);
        }
    }
    Ok(accepted)
}

/// Ten single-use recovery codes in the form xxxx-xxxx-xxxx (about 59 bits, so their
/// unsalted hashes resist offline guessing), from the operating system's CSPRNG.
pub fn recovery_codes() -> Vec<String> {
    let mut codes = Vec::with_capacity(RECOVERY_CODE_COUNT);
    // A duplicate is vanishingly rare, but two equal codes would be one code counted twice.
    while codes.len() < RECOVERY_CODE_COUNT {
        let code = format!(
            "{}-{}-{}",
            random_chars(RECOVERY_ALPHABET, 4),
            random_chars(RECOVERY_ALPHABET, 4),
            random_chars(RECOVERY_ALPHABET, 4)
        );
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// How a recovery code is stored: hex SHA-256 of the normalized code (lowercase, hyphens and
/// whitespace removed). Random codes need no salt or slow hash, unlike chosen passwords.
pub fn hash_recovery_code(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    hex::encode(Sha256::digest(normalized.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Base32 of the RFC 6238 Appendix B SHA-1 seed, ASCII "12345678901234567890".
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    /// RFC 6238 Appendix B, SHA-1 rows: (unix time, 8-digit code).
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn rfc_secret_decodes_to_the_ascii_seed() {
        assert_eq!(decode_secret(RFC_SECRET).unwrap(), b"12345678901234567890");
    }

    #[test]
    fn rfc6238_sha1_vectors_eight_digits() {
        for (time, expected) in RFC_VECTORS {
            assert_eq!(code_with_digits(RFC_SECRET, 8, time).unwrap(), expected);
        }
    }

    #[test]
    fn rfc6238_sha1_vectors_six_digits() {
        for (time, expected) in RFC_VECTORS {
            assert_eq!(code_at(RFC_SECRET, time).unwrap(), expected[2..]);
        }
        assert_eq!(code_at(RFC_SECRET, 59).unwrap(), "287082");
        assert_eq!(code_at(RFC_SECRET, 20_000_000_000).unwrap(), "353130");
    }

    #[test]
    fn rfc6238_vectors_verify() {
        for (time, expected) in RFC_VECTORS {
            let step = i64::try_from(time / STEP_SECONDS).unwrap();
            assert_eq!(
                verify(RFC_SECRET, &expected[2..], time, None).unwrap(),
                Some(step)
            );
        }
    }

    #[test]
    fn verify_returns_the_step() {
        let secret = new_secret();
        let now = 1_700_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(
            verify(&secret, &code, now, None).unwrap(),
            Some(1_700_000_000 / 30)
        );
        assert_eq!(
            verify(&secret, &format!(" {code} "), now, None).unwrap(),
            Some(1_700_000_000 / 30)
        );
    }

    #[test]
    fn one_step_of_skew_either_way() {
        let secret = new_secret();
        let now: u64 = 1_700_000_010;
        let step = i64::try_from(now / 30).unwrap();
        let previous = code_at(&secret, now - 30).unwrap();
        let next = code_at(&secret, now + 30).unwrap();
        assert_eq!(
            verify(&secret, &previous, now, None).unwrap(),
            Some(step - 1)
        );
        assert_eq!(verify(&secret, &next, now, None).unwrap(), Some(step + 1));
    }

    #[test]
    fn two_steps_away_refused() {
        let secret = new_secret();
        let now: u64 = 1_700_000_010;
        for time in [now - 60, now + 60] {
            let code = code_at(&secret, time).unwrap();
            // Guard against the one-in-a-million case of the code also being valid nearby.
            let nearby: Vec<String> = [now - 30, now, now + 30]
                .iter()
                .map(|t| code_at(&secret, *t).unwrap())
                .collect();
            if !nearby.contains(&code) {
                assert_eq!(verify(&secret, &code, now, None).unwrap(), None);
            }
        }
    }

    #[test]
    fn replay_refused_and_later_step_accepted() {
        let secret = new_secret();
        let now: u64 = 1_700_000_010;
        let step = i64::try_from(now / 30).unwrap();
        let code = code_at(&secret, now).unwrap();
        assert_eq!(verify(&secret, &code, now, Some(step)).unwrap(), None);
        assert_eq!(verify(&secret, &code, now, Some(step + 1)).unwrap(), None);
        assert_eq!(
            verify(&secret, &code, now, Some(step - 1)).unwrap(),
            Some(step)
        );
        let later = code_at(&secret, now + 30).unwrap();
        assert_eq!(
            verify(&secret, &later, now + 30, Some(step)).unwrap(),
            Some(step + 1)
        );
    }

    #[test]
    fn malformed_codes_refused() {
        let secret = new_secret();
        for code in ["12345", "abcdef", "1234567", "", "123 456", "１２３４５６"] {
            assert_eq!(verify(&secret, code, 1_700_000_000, None).unwrap(), None);
        }
        // Refused before the secret is decoded, so even a bad secret is not an error here.
        assert_eq!(verify("not base32!", "12345", 0, None).unwrap(), None);
    }

    #[test]
    fn invalid_secrets_are_errors() {
        assert!(matches!(
            code_at("not base32!", 0),
            Err(TotpError::InvalidSecret)
        ));
        // "GEZDGNBV" is 40 bits.
        assert!(matches!(
            verify("GEZDGNBV", "123456", 0, None),
            Err(TotpError::SecretTooShort { bits: 40 })
        ));
    }

    #[test]
    fn secrets_are_160_bit_base32() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        assert!(!secret.contains('='));
        assert_eq!(decode_secret(&secret).unwrap().len(), 20);
        assert_ne!(secret, new_secret());
    }

    #[test]
    fn otpauth_url_format() {
        let url = otpauth_url(RFC_SECRET, "alice").unwrap();
        assert_eq!(
            url,
            format!(
                "otpauth://totp/ODB:alice?secret={RFC_SECRET}&issuer=ODB\
                 &algorithm=SHA1&digits=6&period=30"
            )
        );
        let odd = otpauth_url(RFC_SECRET, "a b:c@d").unwrap();
        assert!(odd.starts_with("otpauth://totp/ODB:a%20b%3Ac%40d?"));
    }

    #[test]
    fn qr_is_a_png() {
        let encoded = qr_png_base64(RFC_SECRET, "alice").unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert!(png.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]));
    }

    #[test]
    fn recovery_code_format() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        for code in &codes {
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(
                groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
                [4, 4, 4]
            );
            assert!(groups
                .concat()
                .bytes()
                .all(|c| RECOVERY_ALPHABET.contains(&c)));
        }
    }

    #[test]
    fn recovery_hash_normalizes() {
        assert_eq!(
            hash_recovery_code("ABCD-EFGH"),
            hash_recovery_code("abcdefgh")
        );
        assert_eq!(
            hash_recovery_code(" abcd efgh "),
            hash_recovery_code("abcdefgh")
        );
        assert_ne!(
            hash_recovery_code("abcd-efgh"),
            hash_recovery_code("abcd-efgj")
        );
        assert_eq!(hash_recovery_code("abcdefgh").len(), 64);
    }
}

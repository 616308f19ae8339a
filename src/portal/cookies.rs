//! The portal's cookies and its CSRF tokens.
//!
//! The session cookie carries the same session token the API takes as a
//! bearer token: the auth services make and check both alike. Every cookie
//! is HttpOnly and SameSite=Strict, and Secure when the browser reached ODB
//! over TLS. A form's `csrf_token` is an HMAC keyed by the secret cookie the
//! form acts under (the session, or before sign-in a random browser key), so
//! a page elsewhere can neither read nor forge it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The session token (signed in).
pub const SESSION: &str = "odb_session";
/// A random key for the forms of someone not signed in yet.
pub const BROWSER: &str = "odb_browser";
/// The token between the password and the code, for five minutes.
pub const SIGN_IN: &str = "odb_sign_in";
/// `vi` or `en`.
pub const LANGUAGE: &str = "odb_lang";

/// How long the password step's token lives (the service's challenge
/// lifetime).
pub const SIGN_IN_SECONDS: i64 = 300;
/// The language choice is kept for a year.
pub const LANGUAGE_SECONDS: i64 = 365 * 24 * 3600;

/// Longest cookie value the portal reads; its own are 43 characters.
const MAX_VALUE: usize = 200;

/// The value of cookie `name` in a `Cookie` request header.
pub fn read(header: &str, name: &str) -> Option<String> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|value| !value.is_empty() && value.len() <= MAX_VALUE)
}

/// A `Set-Cookie` value: for the whole site, never readable by scripts nor
/// sent from other sites; `max_age` in seconds (`None`: until the browser
/// closes; `Some(0)`: remove it).
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// Removes cookie `name`.
pub fn remove(name: &str, secure: bool) -> String {
    set(name, "", Some(0), secure)
}

type HmacSha256 = Hmac<Sha256>;

const CSRF_PURPOSE: &[u8] = b"odb portal form";

fn mac(key: &str) -> HmacSha256 {
    // HMAC takes a key of any length
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(CSRF_PURPOSE);
    mac
}

/// The `csrf_token` of the forms made under the secret `key`.
pub fn csrf_token(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(key).finalize().into_bytes())
}

/// Whether `sent` is the token of `key`, compared in constant time.
pub fn csrf_ok(key: &str, sent: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(sent)
        .is_ok_and(|bytes| mac(key).verify_slice(&bytes).is_ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let header = "odb_lang=en; odb_session=abc123; other=\"x\"";
        assert_eq!(read(header, SESSION).as_deref(), Some("abc123"));
        assert_eq!(read(header, LANGUAGE).as_deref(), Some("en"));
        assert_eq!(read(header, "other").as_deref(), Some("x"));
        assert_eq!(read(header, BROWSER), None);
        assert_eq!(read("odb_session=", SESSION), None);
    }

    #[test]
    fn cookies_are_http_only_and_strict_and_secure_over_tls() {
        assert_eq!(
            set(SESSION, "t", None, false),
            "odb_session=t; Path=/; HttpOnly; SameSite=Strict"
        );
        assert_eq!(
            remove(SIGN_IN, true),
            "odb_sign_in=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
        );
    }

    #[test]
    fn a_token_is_good_only_for_its_own_key() {
        let token = csrf_token("session-one");
        assert!(csrf_ok("session-one", &token));
        assert!(!csrf_ok("session-two", &token));
        assert!(!csrf_ok("session-one", ""));
        assert!(!csrf_ok("session-one", "not base64 !"));
    }
}

//! Signed requests from machine clients (docs/integration/moha-sync.md): HMAC-SHA256, keyed
//! by the client's secret, over the scheme, the client id as sent, the
//! timestamp, the method, the path with its query, and the SHA-256 of the
//! body. Pure functions: the worked example in docs/integration/moha-sync.md is a test here.

use chrono::{DateTime, Utc};
use ring::{digest, hmac};

/// The first line of every string to sign, and the scheme 401s name.
pub const SCHEME: &str = "ODB-HMAC-SHA256";

/// How far a request's timestamp may be from the server's clock, either way.
pub const WINDOW_SECONDS: i64 = 300;

/// A request as its signature covers it, read from the wire by `http/`.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    /// `X-ODB-Client` (or `X-Road-Client`) exactly as sent.
    pub client: String,
    /// `X-ODB-Timestamp`: Unix seconds, as sent.
    pub timestamp: String,
    /// `X-ODB-Signature`: lowercase hex, as sent.
    pub signature: String,
    pub method: String,
    /// The path and, when there is one, `?` and the query, as sent.
    pub target: String,
    pub body_sha256: String,
}

impl SignedRequest {
    /// The request's lines, the body given as its bytes.
    pub fn lines(&self) -> String {
        string_to_sign(
            &self.client,
            &self.timestamp,
            &self.method,
            &self.target,
            &self.body_sha256,
        )
    }

    /// The timestamp, when it is Unix seconds within the window around `now`.
    pub fn fresh_at(&self, now: DateTime<Utc>) -> bool {
        self.timestamp
            .parse::<i64>()
            .ok()
            .filter(|_| self.timestamp.bytes().all(|b| b.is_ascii_digit()))
            .is_some_and(|at| (now.timestamp() - at).abs() <= WINDOW_SECONDS)
    }

    /// Whether `secret` produced this request's signature (compared in
    /// constant time).
    pub fn signed_with(&self, secret: &str) -> bool {
        let Ok(given) = hex::decode(&self.signature) else {
            return false;
        };
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        hmac::verify(&key, self.lines().as_bytes(), &given).is_ok()
    }
}

/// Lowercase hex SHA-256 of a body (of nothing, for a GET).
pub fn body_sha256(body: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, body))
}

/// The string a client signs: six lines joined by `\n`, no trailing newline.
pub fn string_to_sign(
    client: &str,
    timestamp: &str,
    method: &str,
    target: &str,
    body_sha256: &str,
) -> String {
    format!(
        "{SCHEME}\n{client}\n{timestamp}\n{}\n{target}\n{body_sha256}",
        method.to_ascii_uppercase()
    )
}

/// The signature of `lines` under `secret`, in lowercase hex.
pub fn sign(secret: &str, lines: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hex::encode(hmac::sign(&key, lines.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The worked example of docs/integration/moha-sync.md, byte for byte.
    const EXAMPLE_SECRET: &str = "4f1c2a9b7e3d5f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718";
    const EXAMPLE_CLIENT: &str = "0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f";
    const EXAMPLE_BODY: &str = r#"{"events":[]}"#;

    fn example() -> SignedRequest {
        SignedRequest {
            client: EXAMPLE_CLIENT.into(),
            timestamp: "1795939200".into(),
            signature: String::new(),
            method: "POST".into(),
            target: "/api/v1/sync/moha/events".into(),
            body_sha256: body_sha256(EXAMPLE_BODY.as_bytes()),
        }
    }

    #[test]
    fn the_documented_example_signs_as_documented() {
        let request = example();
        assert_eq!(
            request.body_sha256,
            "24de1c4a19c43ad41b013f13dcd858c17b0daa7f33a53f19913e5b11366d1c2e"
        );
        let lines = request.lines();
        let signature = sign(EXAMPLE_SECRET, &lines);
        assert_eq!(
            signature,
            "1d4aedbd3662187244bcfd5de963aa39e248a8de708f74c775c7694e48453b21"
        );
        let signed = SignedRequest {
            signature,
            ..request
        };
        assert!(signed.signed_with(EXAMPLE_SECRET));
        assert!(!signed.signed_with("another secret"));
        // docs/integration/moha-sync.md shows these very bytes
        let doc = include_str!("../../docs/integration/moha-sync.md");
        for shown in [
            EXAMPLE_SECRET,
            EXAMPLE_CLIENT,
            EXAMPLE_BODY,
            &signed.body_sha256,
            &format!("```\n{lines}\n```"),
            &signed.signature,
        ] {
            assert!(
                doc.contains(shown),
                "docs/integration/moha-sync.md does not show {shown}"
            );
        }
    }

    #[test]
    fn the_timestamp_must_be_seconds_within_five_minutes() {
        let now = DateTime::from_timestamp(1_795_939_200, 0).unwrap();
        let at = |timestamp: &str| SignedRequest {
            timestamp: timestamp.into(),
            ..example()
        };
        assert!(at("1795939200").fresh_at(now));
        assert!(at("1795939500").fresh_at(now));
        assert!(at("1795938900").fresh_at(now));
        assert!(!at("1795939501").fresh_at(now));
        assert!(!at("1795938899").fresh_at(now));
        assert!(!at("+1795939200").fresh_at(now));
        assert!(!at("2026-11-29T00:00:00Z").fresh_at(now));
    }

    #[test]
    fn a_signature_that_is_not_hex_fails_without_panicking() {
        let request = SignedRequest {
            signature: "zz".into(),
            ..example()
        };
        assert!(!request.signed_with(EXAMPLE_SECRET));
    }
}

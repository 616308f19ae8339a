//! Keyset pagination: `limit` and an opaque `cursor` naming the last row seen.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct Limit(pub i64);

impl Limit {
    pub fn parse(raw: Option<i64>) -> AppResult<Limit> {
        match raw {
            None => Ok(Limit(DEFAULT_LIMIT)),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(Limit(n)),
            Some(_) => Err(AppError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// One more than asked for, to learn whether another page follows.
    pub fn probe(self) -> i64 {
        self.0 + 1
    }
}

pub fn encode<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode<K: DeserializeOwned>(cursor: &str) -> AppResult<K> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::invalid("cursor", "is not a cursor this list returned"))
}

/// Cuts the probe row off and derives the next cursor from the last row kept.
pub fn finish<T, K: Serialize>(
    mut rows: Vec<T>,
    limit: Limit,
    key: impl Fn(&T) -> K,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit.0;
    rows.truncate(limit.0 as usize);
    let next = if more {
        rows.last().map(|r| encode(&key(r)))
    } else {
        None
    };
    (rows, next)
}

#[derive(Debug, Deserialize, Serialize, Clone, PartialEq)]
pub struct NameKey(pub String, pub uuid::Uuid);

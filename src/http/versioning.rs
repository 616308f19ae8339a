//! Optimistic concurrency: a resource's `version` is its ETag, and an update
//! must say which version it changes.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::{AppError, AppResult};

pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// The version named by `If-Match` (`"3"`, `W/"3"` or `3`); required.
pub fn required_if_match(req: &HttpRequest) -> AppResult<i32> {
    optional_if_match(req)?.ok_or(AppError::PreconditionRequired)
}

pub fn optional_if_match(req: &HttpRequest) -> AppResult<Option<i32>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(version_named)
        .map(Some)
        .ok_or_else(|| AppError::invalid("If-Match", "must be an ETag such as \"3\""))
}

/// `"3"`, `W/"3"` or `3`, and nothing else: not `*` (any version would
/// defeat the check) nor a list.
fn version_named(value: &str) -> Option<i32> {
    let value = value.trim();
    let digits = match value.strip_prefix("W/") {
        Some(weak) => quoted(weak)?,
        None => quoted(value).unwrap_or(value),
    };
    let is_version = (1..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    is_version.then(|| digits.parse().ok()).flatten()
}

fn quoted(tag: &str) -> Option<&str> {
    tag.strip_prefix('"')?.strip_suffix('"')
}

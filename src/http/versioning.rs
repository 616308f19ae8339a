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
    let bad = || AppError::invalid("If-Match", "must be an ETag such as \"3\"");
    let raw = value.to_str().map_err(|_| bad())?;
    raw.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| bad())
}

/// The version an update changes, from `If-Match`; a request without it is
/// refused with 428 before any work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub i32);

impl actix_web::FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(required_if_match(req).map(IfMatch))
    }
}

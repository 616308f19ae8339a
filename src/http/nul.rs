//! PostgreSQL text cannot hold NUL, so no string may carry one past the edge:
//! a query parameter or path segment holding NUL is refused here, once for
//! every route, with a 422 naming it. (JSON bodies are checked by
//! `http::json`.)

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::AppError;

const MESSAGE: &str = "must not contain the NUL character";

pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // An address no route serves is left to answer 404.
    let field = req
        .match_pattern()
        .and_then(|pattern| nul_in_path(&pattern, req.path()))
        .or_else(|| nul_in_query(req.query_string()));
    match field {
        Some(field) => Ok(req
            .error_response(AppError::invalid(field, MESSAGE))
            .map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// The name of the `{parameter}` whose segment of `path` holds NUL. `path`
/// is still percent-encoded, and decoding is one pass, so `%00` is exactly
/// an encoded NUL.
fn nul_in_path(pattern: &str, path: &str) -> Option<String> {
    pattern
        .split('/')
        .zip(path.split('/'))
        .find(|(_, segment)| segment.contains("%00") || segment.contains('\0'))
        .map(|(template, _)| {
            let name = template.trim_start_matches('{').trim_end_matches('}');
            name.split(':').next().unwrap_or(name).to_owned()
        })
}

/// The name of the first query parameter whose name or value holds NUL.
fn nul_in_query(query: &str) -> Option<String> {
    if !query.contains("%00") && !query.contains('\0') {
        return None;
    }
    let Ok(pairs) = web::Query::<Vec<(String, String)>>::from_query(query) else {
        return Some("query".to_owned());
    };
    pairs
        .into_inner()
        .into_iter()
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| name.replace('\0', "\\0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_parameter_holding_nul_is_named() {
        assert_eq!(
            nul_in_path("/api/v1/catalogs/{name}", "/api/v1/catalogs/a%00b"),
            Some("name".to_owned())
        );
        assert_eq!(
            nul_in_path(
                "/api/v1/users/{id}/grants/{grant_id}",
                "/api/v1/users/x/grants/%00"
            ),
            Some("grant_id".to_owned())
        );
        // `%2500` is the text "%00", not a NUL
        assert_eq!(
            nul_in_path("/api/v1/catalogs/{name}", "/api/v1/catalogs/a%2500"),
            None
        );
    }

    #[test]
    fn a_query_parameter_holding_nul_is_named() {
        assert_eq!(
            nul_in_query("limit=5&action=a%00b"),
            Some("action".to_owned())
        );
        assert_eq!(nul_in_query("a%00b=1"), Some("a\\0b".to_owned()));
        assert_eq!(nul_in_query("q=a%2500b&limit=5"), None);
        assert_eq!(nul_in_query(""), None);
    }
}

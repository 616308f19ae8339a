//! Extractors: who calls (`Caller`) and where from (`RequestMeta`).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::request_id::RequestId;
use super::state::AppState;
use crate::auth::caller::Caller;
use crate::context::RequestMeta;
use crate::error::AppError;

/// Longest User-Agent kept for the audit log and the session list.
const USER_AGENT_CHARS: usize = 300;

impl FromRequest for RequestMeta {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(request_meta(req)))
    }
}

fn request_meta(req: &HttpRequest) -> RequestMeta {
    RequestMeta {
        address: req
            .app_data::<web::Data<AppState>>()
            .and_then(|state| state.client_address(req))
            .map(|a| a.to_string()),
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(USER_AGENT_CHARS).collect()),
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() && token.len() <= 200)
        .then(|| token.trim().to_owned())
}

/// A request with a body does not keep the connection its caller was
/// resolved on: the body may take long to arrive, and a connection held
/// meanwhile is one the pool lacks (db::request).
pub fn carries_body(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
}

/// Resolves a request's bearer token before anything else about the
/// request is looked at, and refuses a token no live session holds with 401
/// there and then: actix polls a handler's extractors together, and a bad
/// path, query or body is found before a caller looked up in PostgreSQL, so
/// without this a stranger could learn which ids and values the API accepts.
/// A request that presents a credential must present a valid one, on every
/// API route (RFC 6750, `invalid_token`). Requests without a token pass: the
/// `Caller` extractor refuses them at once, and routes for anyone (sign-in,
/// health) never ask for one.
pub async fn authenticate_first(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let token = req
        .path()
        .starts_with("/api/")
        .then(|| bearer(req.request()))
        .flatten();
    if let Some(token) = token {
        match resolve(req.request(), token).await {
            Ok(caller) => {
                req.extensions_mut().insert(caller);
            }
            Err(refused) => return Ok(req.error_response(refused).map_into_right_body()),
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

async fn resolve(req: &HttpRequest, token: String) -> Result<Caller, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?;
    let request = request_meta(req);
    let keep_connection = !carries_body(req);
    let now = state.clock.now();
    state
        .db
        .resolve_caller(keep_connection, move |conn| {
            crate::auth::service::authenticate(conn, &token, request.clone(), now)
        })
        .await
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    /// The caller `authenticate_first` resolved; ready at once, so that it
    /// answers before the handler's other extractors.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = req.extensions_mut().remove::<Caller>();
        std::future::ready(caller.ok_or_else(|| {
            AppError::Unauthenticated(
                "sign in and send Authorization: Bearer <access_token>".into(),
            )
        }))
    }
}

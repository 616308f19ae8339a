//! Every error leaves the service as RFC 9457 `application/problem+json`.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{error, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use diesel::result::{DatabaseErrorKind, Error::DatabaseError};

use crate::error::{AppError, FieldError};

pub const CONTENT_TYPE: &str = "application/problem+json";
const TYPE_BASE: &str = "https://odb.gov.vn/problems/";

#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a duplicate: the record that exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("{TYPE_BASE}{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            existing: None,
        }
    }

    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .content_type(CONTENT_TYPE)
            .json(self)
    }
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::StepUpRequired { .. } => (StatusCode::FORBIDDEN, "step-up-required"),
            AppError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::SignatureRefused(_) => (StatusCode::UNAUTHORIZED, "signature-refused"),
            AppError::Locked { .. } => (StatusCode::LOCKED, "account-locked"),
            AppError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-attempts"),
            AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
            AppError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            AppError::Duplicate { .. } => (StatusCode::CONFLICT, "duplicate"),
            AppError::StaleVersion { .. } => (StatusCode::PRECONDITION_FAILED, "stale-version"),
            AppError::PreconditionRequired => {
                (StatusCode::PRECONDITION_REQUIRED, "if-match-required")
            }
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request"),
            AppError::Unavailable(_) | AppError::Pool(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            AppError::DurabilityUnknown(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "durability-unknown")
            }
            AppError::Database(DatabaseError(kind, _)) => match kind {
                // The services check these first; the constraints are the backstop.
                DatabaseErrorKind::UniqueViolation => (StatusCode::CONFLICT, "conflict"),
                DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::NotNullViolation => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "constraint-violation")
                }
                _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            },
            AppError::Database(_) | AppError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }

    /// The service's fault rather than the request's (a 5xx).
    pub fn is_server_fault(&self) -> bool {
        self.status_and_code().0.is_server_error()
    }

    pub fn to_problem(&self) -> Problem {
        let (status, code) = self.status_and_code();
        let detail = match self {
            AppError::Database(DatabaseError(_, info)) if !status.is_server_error() => {
                format!(
                    "refused by a database rule: {}",
                    info.constraint_name().unwrap_or("unnamed")
                )
            }
            // The cause is logged once, here; the caller gets nothing internal.
            AppError::Database(_) | AppError::Pool(_) | AppError::Internal(_) => {
                tracing::error!(error = ?self, "request failed");
                "an internal error occurred; it has been logged with this request's id".to_owned()
            }
            AppError::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("invalid value for: {}", fields.join(", "))
            }
            other => other.to_string(),
        };
        let mut problem = Problem::new(status, code, detail);
        match self {
            AppError::Validation(errors) => problem.errors = errors.clone(),
            AppError::Duplicate { existing, .. } => problem.existing = Some(existing.clone()),
            AppError::Conflict { existing, .. } => problem.existing.clone_from(existing),
            _ => {}
        }
        problem
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status_and_code().0
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.to_problem().response();
        let headers = response.headers_mut();
        match self {
            AppError::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            AppError::SignatureRefused(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(crate::sync::signature::SCHEME),
                );
            }
            AppError::Throttled {
                retry_after_seconds,
            } => {
                if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            _ => {}
        }
        response
    }
}

pub fn query_error(err: error::QueryPayloadError, _req: &HttpRequest) -> error::Error {
    let detail = err.to_string();
    let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", &detail);
    problem.errors = vec![FieldError::new(query_field_of(&detail), detail.clone())];
    error::InternalError::from_response(err, problem.response()).into()
}

fn query_field_of(detail: &str) -> String {
    detail
        .split('`')
        .nth(1)
        .map(str::to_owned)
        .unwrap_or_else(|| "query".to_owned())
}

pub fn path_error(err: error::PathError, _req: &HttpRequest) -> error::Error {
    let problem = Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "no resource at this address (malformed identifier)",
    );
    error::InternalError::from_response(err, problem.response()).into()
}

/// Last line of defence: any error response not already problem+json or a
/// portal page (unknown route, wrong method, framework errors) is rewritten
/// as problem+json.
pub fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // problem+json already, or a page of the portal explaining itself
    let answered = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes().starts_with(CONTENT_TYPE.as_bytes())
                || v.as_bytes().starts_with(b"text/html")
        });
    if answered {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => ("not-found", "no resource at this address".to_owned()),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload-too-large",
            "the request body is larger than this route accepts".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            format!("{} is not allowed on this resource", res.request().method()),
        ),
        s if s.is_server_error() => ("internal", "an internal error occurred".to_owned()),
        s => (
            "http-error",
            s.canonical_reason().unwrap_or("error").to_owned(),
        ),
    };
    let (req, original) = res.into_parts();
    let mut response = Problem::new(status, code, detail).response();
    let headers = response.headers_mut();
    // What the framework said beside the status stays: `Allow` on a 405.
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            headers.append(name.clone(), value.clone());
        }
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    let res = ServiceResponse::new(req, response.map_into_boxed_body()).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

//! The one error type of the domain layer. `http::problem` maps it, once, to
//! `application/problem+json`.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the offending input, e.g. `parent_id` or `sources[1]`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// Signed in, but this needs a grant the caller does not hold.
    #[error("{0}")]
    Forbidden(String),
    /// The second factor is older than the caller's level policy allows.
    #[error("this action needs a second factor proved in the last {max_age_seconds} seconds; call POST /api/v1/auth/step-up")]
    StepUpRequired { max_age_seconds: i32 },
    #[error("{0}")]
    Unauthenticated(String),
    /// A machine client's signed request refused (docs/integration/moha-sync.md).
    #[error("{0}")]
    SignatureRefused(String),
    /// Too many failures: the account is locked until the given time.
    #[error(
        "too many failed attempts; the account is locked until {}",
        until.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )]
    Locked {
        until: chrono::DateTime<chrono::Utc>,
    },
    #[error(
        "too many failed attempts from this address; retry after {retry_after_seconds} seconds"
    )]
    Throttled { retry_after_seconds: i64 },
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// A request that is well-formed but clashes with what is stored; `code`
    /// is stable; `existing`, when known, is the address of what it clashes with.
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        existing: Option<String>,
    },
    /// The record exists already; `existing` is where.
    #[error("{detail}")]
    Duplicate { detail: String, existing: String },
    #[error("the resource has changed since version {expected}; current version is {current}")]
    StaleVersion { expected: i32, current: i32 },
    #[error("this update needs an If-Match header with the version being changed")]
    PreconditionRequired,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A change committed on the primary that the synchronous standbys did
    /// not confirm (`db::Committed::Unconfirmed`): it is there now, but a
    /// failover may lose it.
    #[error("the change was saved on the primary database, but its copy on the standby was not confirmed ({0}): it may be lost if the primary fails; read it back before repeating it")]
    DurabilityUnknown(&'static str),
    #[error("database error")]
    Database(#[from] diesel::result::Error),
    #[error("connection pool error")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            detail: detail.into(),
            existing: None,
        }
    }

    /// A conflict with the record at `existing` (a booking that holds the time).
    pub fn clash(code: &'static str, detail: impl Into<String>, existing: String) -> Self {
        AppError::Conflict {
            code,
            detail: detail.into(),
            existing: Some(existing),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Collects validator's nested errors into flat JSON paths.
pub fn field_errors(errors: &validator::ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn collect(errors: &validator::ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind as Kind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            Kind::Field(list) => out.extend(list.iter().map(|e| {
                let message = e
                    .message
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| e.code.replace('_', " "));
                FieldError::new(path.clone(), message)
            })),
            Kind::Struct(inner) => collect(inner, &path, out),
            Kind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

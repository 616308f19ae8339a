//! What the portal answers when a page cannot be shown: the services' errors
//! as pages a person can act on, in their language, with the status the API
//! would give (a record outside one's scope is a 404 here too).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use super::browser::Visitor;
use super::cookies::{self, SESSION};
use super::i18n::Lang;
use super::page;
use crate::error::AppError;

#[derive(Debug)]
pub enum PortalError {
    /// Not signed in, or the session ended: to the sign-in page (removing
    /// a session cookie that no longer works).
    SignIn { clear_session: bool, secure: bool },
    /// The page needs the second factor proved again; back here after.
    StepUp { next: String },
    /// A form without its page's CSRF token.
    Forgery { lang: Lang },
    /// A refusal or failure, shown as a page.
    Page {
        status: StatusCode,
        lang: Lang,
        /// Message keys of the title and the explanation.
        title: &'static str,
        detail: String,
    },
}

impl std::fmt::Display for PortalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl PortalError {
    pub fn internal(cause: &str) -> PortalError {
        tracing::error!(cause, "portal request failed");
        PortalError::page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Lang::default(),
            "error-internal",
        )
    }

    pub fn sign_in(visitor: &Visitor, clear_session: bool) -> PortalError {
        PortalError::SignIn {
            clear_session,
            secure: visitor.secure,
        }
    }

    fn page(status: StatusCode, lang: Lang, key: &'static str) -> PortalError {
        PortalError::Page {
            status,
            lang,
            title: key,
            detail: lang.t(&format!("{key}-detail")),
        }
    }

    /// The service's error as the page the visitor sees.
    pub fn from_app(error: AppError, visitor: &Visitor) -> PortalError {
        let lang = visitor.lang;
        let page = |status, key| PortalError::page(status, lang, key);
        match error {
            AppError::Unauthenticated(_) => PortalError::sign_in(visitor, true),
            AppError::StepUpRequired { .. } => PortalError::StepUp {
                next: visitor.here.clone(),
            },
            AppError::NotFound { .. } => page(StatusCode::NOT_FOUND, "error-not-found"),
            AppError::Forbidden(_) | AppError::SignatureRefused(_) => {
                page(StatusCode::FORBIDDEN, "error-forbidden")
            }
            AppError::StaleVersion { .. } => page(StatusCode::PRECONDITION_FAILED, "error-stale"),
            AppError::Conflict { code, .. } => {
                let key = format!("conflict-{code}");
                let mut shown = page(StatusCode::CONFLICT, "error-conflict");
                if let PortalError::Page { detail, .. } = &mut shown {
                    if lang.has(&key) {
                        *detail = lang.t(&key);
                    }
                }
                shown
            }
            AppError::Duplicate { .. } => page(StatusCode::CONFLICT, "error-conflict"),
            AppError::Validation(_) | AppError::BadRequest(_) | AppError::PreconditionRequired => {
                page(StatusCode::UNPROCESSABLE_ENTITY, "error-invalid")
            }
            AppError::Locked { .. } => page(StatusCode::LOCKED, "error-locked"),
            AppError::Throttled { .. } => page(StatusCode::TOO_MANY_REQUESTS, "error-throttled"),
            AppError::Unavailable(_) | AppError::Pool(_) => {
                page(StatusCode::SERVICE_UNAVAILABLE, "error-unavailable")
            }
            AppError::DurabilityUnknown(_) => {
                page(StatusCode::SERVICE_UNAVAILABLE, "error-durability-unknown")
            }
            AppError::Database(_) | AppError::Internal(_) => {
                // logged once, with its cause; the page says nothing internal
                tracing::error!(error = ?error, "portal request failed");
                page(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        }
    }
}

/// `Location` for a 303 to a page of this site.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

impl ResponseError for PortalError {
    fn status_code(&self) -> StatusCode {
        match self {
            PortalError::SignIn { .. } | PortalError::StepUp { .. } => StatusCode::SEE_OTHER,
            PortalError::Forgery { .. } => StatusCode::FORBIDDEN,
            PortalError::Page { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PortalError::SignIn {
                clear_session,
                secure,
            } => {
                let mut response = see_other("/sign-in");
                if *clear_session {
                    page::add_cookie(&mut response, &cookies::remove(SESSION, *secure));
                }
                response
            }
            PortalError::StepUp { next } => {
                let query = super::sign_in::next_query(next);
                see_other(&format!("/step-up?{query}"))
            }
            PortalError::Forgery { lang } => page::html(
                StatusCode::FORBIDDEN,
                page::error_page(
                    *lang,
                    &lang.t("error-forgery"),
                    &lang.t("error-forgery-detail"),
                ),
            ),
            PortalError::Page {
                status,
                lang,
                title,
                detail,
            } => page::html(*status, page::error_page(*lang, &lang.t(title), detail)),
        }
    }
}

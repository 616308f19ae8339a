//! Who is at the browser: a visitor (language, TLS, cookies), a signed-in
//! user (the same `Caller` the API resolves, from the session cookie), and
//! a posted form whose CSRF token has been checked. Each is an extractor,
//! so a handler cannot forget the check.

use std::collections::HashMap;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use maud::Markup;

use super::cookies::{self, BROWSER, LANGUAGE, SESSION, SIGN_IN};
use super::error::PortalError;
use super::i18n::Lang;
use super::page;
use crate::auth::caller::{Caller, Permission};
use crate::context::{Ctx, RequestMeta, Scope};
use crate::error::AppResult;
use crate::http::AppState;

/// Anyone at the browser, signed in or not.
pub struct Visitor {
    pub app: web::Data<AppState>,
    pub lang: Lang,
    /// Whether the browser reached ODB over TLS (through a trusted proxy).
    pub secure: bool,
    pub session: Option<String>,
    /// The key of the forms shown before sign-in; new when the browser had none.
    pub browser_key: String,
    new_browser_key: bool,
    /// The password step's token, between the two sign-in steps.
    pub sign_in: Option<String>,
    pub meta: RequestMeta,
    /// This page's path and query, to come back to after a step-up.
    pub here: String,
}

fn visitor(req: &HttpRequest) -> Result<Visitor, PortalError> {
    let app = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| PortalError::internal("application state missing"))?;
    let cookie_header = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let cookie = |name| cookies::read(cookie_header, name);
    let (browser_key, new_browser_key) = match cookie(BROWSER) {
        Some(key) => (key, false),
        None => (crate::auth::service::new_token(), true),
    };
    let peer = req.peer_addr().map(|a| a.ip());
    Ok(Visitor {
        lang: cookie(LANGUAGE)
            .and_then(|code| Lang::from_code(&code))
            .unwrap_or_default(),
        secure: app.trusted_proxies.forwards_tls(peer, req.headers()),
        session: cookie(SESSION),
        browser_key,
        new_browser_key,
        sign_in: cookie(SIGN_IN),
        meta: RequestMeta::extract(req).into_inner().unwrap_or_default(),
        here: req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned()),
        app,
    })
}

impl FromRequest for Visitor {
    type Error = PortalError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(visitor(req))
    }
}

impl Visitor {
    /// The token of the forms shown before sign-in.
    pub fn csrf(&self) -> String {
        cookies::csrf_token(&self.browser_key)
    }

    /// A page, keeping the browser key it was made with.
    pub fn respond(&self, status: actix_web::http::StatusCode, markup: Markup) -> HttpResponse {
        let mut response = page::html(status, markup);
        if self.new_browser_key {
            let cookie = cookies::set(BROWSER, &self.browser_key, None, self.secure);
            page::add_cookie(&mut response, &cookie);
        }
        response
    }

    pub fn ok(&self, markup: Markup) -> HttpResponse {
        self.respond(actix_web::http::StatusCode::OK, markup)
    }

    /// The error as a page in this visitor's language.
    pub fn fail(&self, error: crate::error::AppError) -> PortalError {
        PortalError::from_app(error, self)
    }
}

/// A signed-in user: the API's `Caller`, resolved from the session cookie by
/// the same auth service that resolves a bearer token.
pub struct SignedIn {
    pub visitor: Visitor,
    pub caller: Caller,
}

impl FromRequest for SignedIn {
    type Error = PortalError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let visitor = visitor(req);
        let keep_connection = !crate::http::extract::carries_body(req);
        Box::pin(async move {
            let visitor = visitor?;
            let Some(token) = visitor.session.clone() else {
                return Err(PortalError::sign_in(&visitor, false));
            };
            let (meta, now) = (visitor.meta.clone(), visitor.app.clock.now());
            let resolved = visitor
                .app
                .db
                .resolve_caller(keep_connection, move |conn| {
                    crate::auth::service::authenticate(conn, &token, meta.clone(), now)
                })
                .await;
            match resolved {
                Ok(caller) => Ok(SignedIn { visitor, caller }),
                Err(crate::error::AppError::Unauthenticated(_)) => {
                    Err(PortalError::sign_in(&visitor, true))
                }
                Err(other) => Err(visitor.fail(other)),
            }
        })
    }
}

impl SignedIn {
    pub fn lang(&self) -> Lang {
        self.visitor.lang
    }

    /// The token of this session's forms.
    pub fn csrf(&self) -> String {
        self.visitor
            .session
            .as_deref()
            .map(cookies::csrf_token)
            .unwrap_or_default()
    }

    /// The scope for `permission`; a page saying so when no grant allows it.
    pub fn require(&self, permission: Permission) -> Result<Scope, PortalError> {
        self.caller.require(permission).map_err(|e| self.fail(e))
    }

    /// Whether some grant allows `permission` (for links to show).
    pub fn may(&self, permission: Permission) -> bool {
        self.caller.require(permission).is_ok()
    }

    /// Sensitive pages need a second factor proved recently.
    pub fn require_fresh_mfa(&self) -> Result<(), PortalError> {
        self.caller
            .require_fresh_mfa(self.visitor.app.clock.now())
            .map_err(|e| self.fail(e))
    }

    /// Runs `work` as this user in one transaction under `scope`, as the
    /// API's handlers do.
    pub async fn run<T, F>(&self, scope: Scope, work: F) -> Result<T, PortalError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx) -> AppResult<T> + Send + 'static,
    {
        self.visitor
            .app
            .as_caller(&self.caller, scope, work)
            .await
            .map_err(|e| self.fail(e))
    }

    pub fn fail(&self, error: crate::error::AppError) -> PortalError {
        self.visitor.fail(error)
    }

    pub fn ok(&self, markup: Markup) -> HttpResponse {
        self.visitor.ok(markup)
    }
}

/// A submitted form's fields; a blank field counts as not given.
#[derive(Debug, Default, Clone)]
pub struct FormData(HashMap<String, String>);

impl FormData {
    /// Fields read from a body other than a plain form (an upload).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormData {
        FormData(pairs.into_iter().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// What follows `prefix` in the names of the fields sent (a checked
    /// box per row: `support-<id>`).
    pub fn suffixes<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .keys()
            .filter_map(move |name| name.strip_prefix(prefix))
    }

    /// The field as typed (for showing it again), or empty.
    pub fn raw(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or_default()
    }
}

/// Whose secret a form's CSRF token is made from.
pub trait FormKey {
    fn form_key(&self) -> Option<&str>;
    fn lang(&self) -> Lang;
}

impl FormKey for Visitor {
    fn form_key(&self) -> Option<&str> {
        Some(&self.browser_key)
    }
    fn lang(&self) -> Lang {
        self.lang
    }
}

impl FormKey for SignedIn {
    fn form_key(&self) -> Option<&str> {
        self.visitor.session.as_deref()
    }
    fn lang(&self) -> Lang {
        self.visitor.lang
    }
}

/// A form posted by `W` with the right `csrf_token`; anything else is
/// refused before the handler runs.
pub struct Posted<W> {
    pub who: W,
    pub form: FormData,
}

impl<W> FromRequest for Posted<W>
where
    W: FromRequest<Error = PortalError> + FormKey + 'static,
{
    type Error = PortalError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let who = W::from_request(req, payload);
        // at most 16 KiB, actix's default for forms
        let fields = web::Form::<Vec<(String, String)>>::from_request(req, payload).map(|f| f.ok());
        Box::pin(async move {
            let who = who.await?;
            let Some(fields) = fields.await else {
                return Err(PortalError::Forgery { lang: who.lang() });
            };
            let form = FormData(fields.into_inner().into_iter().collect());
            let sent = form.get("csrf_token").unwrap_or_default();
            match who.form_key() {
                Some(key) if cookies::csrf_ok(key, sent) => Ok(Posted { who, form }),
                _ => Err(PortalError::Forgery { lang: who.lang() }),
            }
        })
    }
}

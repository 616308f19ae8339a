//! Signing in from the browser: the password, then a TOTP code (the first
//! time, enrolling the authenticator from a QR code and showing the
//! recovery codes once), step-up for sensitive pages, signing out and the
//! language choice. Every rule (lockout, level policy, replay, audit) is the
//! auth services'; these handlers only carry their answers to pages.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use maud::{html, Markup};

use super::browser::{FormData, Posted, SignedIn, Visitor};
use super::cookies::{self, LANGUAGE, SESSION, SIGN_IN};
use super::error::PortalError;
use super::i18n::Lang;
use super::page::{self, csrf, Field, Kind};
use crate::auth::service;
use crate::auth::sign_in::{
    self, Enrollment, LoginRequest, LoginResponse, MfaRequest, MfaResponse, StepUpRequest,
};
use crate::context::Scope;
use crate::error::AppError;

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A path of this site to go back to; anything else goes to the start.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// `next=<path>`, percent-encoded for a query string.
pub fn next_query(next: &str) -> String {
    super::format::query_string(&[("next", next)])
}

/// Refuses a burst from one address as the API's sign-in routes do.
fn admit(visitor: &Visitor) -> Result<(), PortalError> {
    let address = visitor.meta.address.as_deref().and_then(|a| a.parse().ok());
    let Some(address) = address else {
        return Ok(());
    };
    let now = visitor.app.clock.now();
    visitor
        .app
        .sign_in_limiter
        .admit(crate::context::limit_key(address), now)
        .map_err(|retry_after_seconds| {
            visitor.fail(AppError::Throttled {
                retry_after_seconds,
            })
        })
}

/// A refusal the sign-in page explains in place: its message and status.
fn refusal(lang: Lang, error: &AppError) -> Option<(StatusCode, String)> {
    let (status, key) = match error {
        AppError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "sign-in-wrong"),
        AppError::Locked { .. } => (StatusCode::LOCKED, "error-locked-detail"),
        AppError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "error-throttled-detail"),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "sign-in-level-closed"),
        _ => return None,
    };
    Some((status, lang.t(key)))
}

fn sign_in_form(visitor: &Visitor, form: &FormData, errors: &SignInErrors) -> Markup {
    let lang = visitor.lang;
    let mut username = Field::new(
        "username",
        lang.t("field-username"),
        form.raw("username"),
        Kind::Text,
    );
    username.required = true;
    username.autocomplete = Some("username");
    username.error = errors.username.clone();
    let mut password = Field::new("password", lang.t("field-password"), "", Kind::Password);
    password.required = true;
    password.autocomplete = Some("current-password");
    password.error = errors.password.clone();
    let summary: Vec<(String, String)> =
        [("username", &username.error), ("password", &password.error)]
            .into_iter()
            .filter_map(|(name, error)| error.clone().map(|e| (name.to_owned(), e)))
            .collect();
    let body = html! {
        @if let Some(message) = &errors.general {
            div.error-summary role="alert" tabindex="-1" { p { (message) } }
        }
        (page::error_summary(lang, &summary))
        p.lead { (lang.t("sign-in-intro")) }
        form.stack method="post" action="/sign-in" novalidate {
            (csrf(&visitor.csrf()))
            (page::field(lang, &username))
            (page::field(lang, &password))
            div.actions { button.button type="submit" { (lang.t("sign-in-continue")) } }
        }
        p { (lang.t("sign-in-help")) }
    };
    page::visitor_page(visitor, &lang.t("sign-in-title"), body)
}

#[derive(Default)]
struct SignInErrors {
    general: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

pub async fn sign_in_page(visitor: Visitor) -> HttpResponse {
    visitor.ok(sign_in_form(
        &visitor,
        &FormData::default(),
        &SignInErrors::default(),
    ))
}

/// The password step; on success the code step's page, with the enrollment
/// for an account that has no authenticator yet.
pub async fn submit_password(posted: Posted<Visitor>) -> Result<HttpResponse, PortalError> {
    let Posted { who: visitor, form } = posted;
    let lang = visitor.lang;
    admit(&visitor)?;
    let (username, password) = (form.get("username"), form.raw("password"));
    let mut errors = SignInErrors::default();
    if username.is_none() {
        errors.username = Some(lang.t("sign-in-username-missing"));
    }
    if password.is_empty() {
        errors.password = Some(lang.t("sign-in-password-missing"));
    }
    if errors.username.is_some() || errors.password.is_some() {
        let markup = sign_in_form(&visitor, &form, &errors);
        return Ok(visitor.respond(StatusCode::UNPROCESSABLE_ENTITY, markup));
    }
    let request = LoginRequest {
        username: username.unwrap_or_default().to_owned(),
        password: password.to_owned(),
    };
    let answer = visitor
        .app
        .anonymous(visitor.meta.clone(), move |ctx| {
            sign_in::login(ctx, request)
        })
        .await
        .map_err(|e| visitor.fail(e))?;
    match answer {
        Ok(login) => Ok(code_step(&visitor, login)),
        Err(error) => {
            let (status, message) = refusal(lang, &error).ok_or_else(|| visitor.fail(error))?;
            errors.general = Some(message);
            let markup = sign_in_form(&visitor, &form, &errors);
            Ok(visitor.respond(status, markup))
        }
    }
}

/// The code page, holding the password step's token in a cookie.
fn code_step(visitor: &Visitor, login: LoginResponse) -> HttpResponse {
    let markup = code_form(visitor, login.enrollment.as_ref(), None);
    let mut response = visitor.ok(markup);
    let cookie = cookies::set(
        SIGN_IN,
        &login.mfa_token,
        Some(cookies::SIGN_IN_SECONDS),
        visitor.secure,
    );
    page::add_cookie(&mut response, &cookie);
    response
}

fn code_field(lang: Lang, error: Option<String>) -> Markup {
    let mut code = Field::new("code", lang.t("field-code"), "", Kind::Text);
    code.required = true;
    code.autocomplete = Some("one-time-code");
    code.hint = Some(lang.t("hint-code"));
    code.error = error;
    page::field(lang, &code)
}

/// `ABCD EFGH …`: a secret typed by hand is easier read in groups.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn enrollment_steps(lang: Lang, enrollment: &Enrollment) -> Markup {
    html! {
        div.notice { p { (lang.t("enroll-intro")) } }
        ol {
            li { (lang.t("enroll-step-app")) }
            li {
                (lang.t("enroll-step-scan"))
                p {
                    img.qr src=(format!("data:image/png;base64,{}", enrollment.qr_png_base64))
                        alt=(lang.t("enroll-qr-alt")) width="220" height="220";
                }
                p { (lang.t("enroll-step-type")) }
                p.secret { (grouped(&enrollment.secret)) }
            }
            li { (lang.t("enroll-step-code")) }
        }
    }
}

fn code_form(visitor: &Visitor, enrollment: Option<&Enrollment>, error: Option<String>) -> Markup {
    let lang = visitor.lang;
    let enrolling = enrollment.is_some();
    let summary: Vec<(String, String)> = error
        .iter()
        .map(|e| ("code".to_owned(), e.clone()))
        .collect();
    let title = lang.t(if enrolling {
        "enroll-title"
    } else {
        "code-title"
    });
    let body = html! {
        (page::error_summary(lang, &summary))
        @if let Some(enrollment) = enrollment {
            (enrollment_steps(lang, enrollment))
        } @else {
            p.lead { (lang.t("code-intro")) }
        }
        form.stack method="post" action="/sign-in/code" novalidate {
            (csrf(&visitor.csrf()))
            (code_field(lang, error))
            div.actions {
                button.button type="submit" { (lang.t("sign-in-submit")) }
                a href="/sign-in" { (lang.t("sign-in-again")) }
            }
        }
    };
    page::visitor_page(visitor, &title, body)
}

/// The code step: a session on success (with the recovery codes, once,
/// when the authenticator was just enrolled).
pub async fn submit_code(posted: Posted<Visitor>) -> Result<HttpResponse, PortalError> {
    let Posted { who: visitor, form } = posted;
    let lang = visitor.lang;
    admit(&visitor)?;
    let Some(mfa_token) = visitor.sign_in.clone() else {
        let errors = SignInErrors {
            general: Some(lang.t("sign-in-expired")),
            ..SignInErrors::default()
        };
        let markup = sign_in_form(&visitor, &FormData::default(), &errors);
        return Ok(visitor.respond(StatusCode::UNAUTHORIZED, markup));
    };
    let Some(code) = form.get("code").map(str::to_owned) else {
        let markup = code_form(&visitor, None, Some(lang.t("code-missing")));
        return Ok(visitor.respond(StatusCode::UNPROCESSABLE_ENTITY, markup));
    };
    let request = MfaRequest { mfa_token, code };
    let answer = visitor
        .app
        .anonymous(visitor.meta.clone(), move |ctx| {
            sign_in::complete_mfa(ctx, request)
        })
        .await
        .map_err(|e| visitor.fail(e))?;
    match answer {
        Ok(session) => Ok(signed_in(&visitor, session)),
        Err(AppError::Unauthenticated(_)) => {
            let markup = code_form(&visitor, None, Some(lang.t("code-wrong")));
            Ok(visitor.respond(StatusCode::UNAUTHORIZED, markup))
        }
        Err(error) => {
            let (status, message) = refusal(lang, &error).ok_or_else(|| visitor.fail(error))?;
            let errors = SignInErrors {
                general: Some(message),
                ..SignInErrors::default()
            };
            let mut response = visitor.respond(status, sign_in_form(&visitor, &form, &errors));
            page::add_cookie(&mut response, &cookies::remove(SIGN_IN, visitor.secure));
            Ok(response)
        }
    }
}

/// The session cookie set; the recovery codes shown if there are any.
fn signed_in(visitor: &Visitor, session: MfaResponse) -> HttpResponse {
    let mut response = match &session.recovery_codes {
        Some(codes) => visitor.ok(recovery_codes(visitor, codes)),
        None => see_other("/"),
    };
    page::add_cookie(
        &mut response,
        &cookies::set(SESSION, &session.access_token, None, visitor.secure),
    );
    page::add_cookie(&mut response, &cookies::remove(SIGN_IN, visitor.secure));
    response
}

fn recovery_codes(visitor: &Visitor, codes: &[String]) -> Markup {
    let lang = visitor.lang;
    let body = html! {
        div.notice.notice--ok role="status" { p { (lang.t("recovery-enrolled")) } }
        p.lead { (lang.t("recovery-intro")) }
        ul.codes { @for code in codes { li { (code) } } }
        p { strong { (lang.t("recovery-once")) } }
        p { a.button href="/" { (lang.t("recovery-continue")) } }
    };
    page::visitor_page(visitor, &lang.t("recovery-title"), body)
}

/// Ends this session.
pub async fn sign_out(posted: Posted<SignedIn>) -> Result<HttpResponse, PortalError> {
    let user = posted.who;
    let own = user.caller.own_session();
    user.run(Scope::nothing(), move |ctx| {
        service::revoke_own(ctx, own, own.session)
    })
    .await?;
    let mut response = see_other("/sign-in");
    page::add_cookie(
        &mut response,
        &cookies::remove(SESSION, user.visitor.secure),
    );
    Ok(response)
}

fn step_up_form(user: &SignedIn, next: &str, error: Option<String>) -> Markup {
    let lang = user.lang();
    let summary: Vec<(String, String)> = error
        .iter()
        .map(|e| ("code".to_owned(), e.clone()))
        .collect();
    let body = html! {
        (page::error_summary(lang, &summary))
        p.lead { (lang.t("step-up-intro")) }
        form.stack method="post" action="/step-up" novalidate {
            (csrf(&user.csrf()))
            input type="hidden" name="next" value=(next);
            (code_field(lang, error))
            div.actions {
                button.button type="submit" { (lang.t("step-up-submit")) }
                a href="/" { (lang.t("cancel")) }
            }
        }
    };
    page::signed_in_page(user, page::Nav::Account, &lang.t("step-up-title"), body)
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn step_up_page(user: SignedIn, query: actix_web::web::Query<NextQuery>) -> HttpResponse {
    let next = safe_next(query.next.as_deref());
    user.ok(step_up_form(&user, &next, None))
}

/// Proves the second factor again, then goes back to the page that asked.
pub async fn submit_step_up(posted: Posted<SignedIn>) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let lang = user.lang();
    admit(&user.visitor)?;
    let next = safe_next(form.get("next"));
    let Some(code) = form.get("code").map(str::to_owned) else {
        let markup = step_up_form(&user, &next, Some(lang.t("code-missing")));
        return Ok(user
            .visitor
            .respond(StatusCode::UNPROCESSABLE_ENTITY, markup));
    };
    let own = user.caller.own_session();
    let answer = user
        .run(Scope::nothing(), move |ctx| {
            sign_in::step_up(ctx, own, StepUpRequest { code })
        })
        .await?;
    match answer {
        Ok(()) => Ok(see_other(&next)),
        Err(AppError::Unauthenticated(_)) => {
            let markup = step_up_form(&user, &next, Some(lang.t("code-wrong")));
            Ok(user.visitor.respond(StatusCode::UNAUTHORIZED, markup))
        }
        Err(error) => Err(user.fail(error)),
    }
}

/// Keeps the language chosen, and shows the same page in it.
pub async fn choose_language(posted: Posted<Visitor>) -> HttpResponse {
    let Posted { who: visitor, form } = posted;
    let lang = form
        .get("lang")
        .and_then(Lang::from_code)
        .unwrap_or(visitor.lang);
    let mut response = see_other(&safe_next(form.get("next")));
    let cookie = cookies::set(
        LANGUAGE,
        lang.code(),
        Some(cookies::LANGUAGE_SECONDS),
        visitor.secure,
    );
    page::add_cookie(&mut response, &cookie);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_gone_back_to() {
        assert_eq!(
            safe_next(Some("/officials/1?reveal=true")),
            "/officials/1?reveal=true"
        );
        for elsewhere in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "x",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(elsewhere)), "/", "{elsewhere}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_next_path_is_encoded_for_a_query() {
        assert_eq!(
            next_query("/officials/1?reveal=true"),
            "next=/officials/1%3Freveal%3Dtrue"
        );
    }
}

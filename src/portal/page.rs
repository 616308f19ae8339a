//! The frame every page shares (skip link, header, navigation, language
//! choice, sign-out), the form widgets, and the HTML response with the
//! portal's Content-Security-Policy.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use maud::{html, Markup, DOCTYPE};

use super::browser::{SignedIn, Visitor};
use super::i18n::Lang;
use crate::auth::caller::Permission;

/// Pages load only this site's stylesheet, script and images (QR codes come
/// as data: URLs); no inline script or style; the script fetches only from
/// here (a running import's report); forms post only here; no site may
/// frame them.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

/// An HTML page with the portal's headers.
pub fn html(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", CSP))
        .body(markup.into_string())
}

pub fn add_cookie(response: &mut HttpResponse, cookie: &str) {
    if let Ok(value) = header::HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The part of the site a page belongs to, marked in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Start,
    Organizations,
    Officials,
    Party,
    Groupware,
    Reports,
    Audit,
    Admin,
    Account,
}

fn document(lang: Lang, title: &str, header: Markup, body: Markup) -> Markup {
    let site = lang.t("site-name");
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (site) }
                // no favicon request (a data: URL is all the CSP allows besides this site)
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/static/portal.css";
                script src="/static/portal.js" defer {}
            }
            body {
                a.skip-link href="#main" { (lang.t("skip-to-content")) }
                header.site-header {
                    div.site-header__inner {
                        a.site-name href="/" { (site) }
                        (header)
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer.site-footer {
                    p { (lang.t("footer-text")) }
                }
            }
        }
    }
}

/// Vietnamese or English, for anyone; the choice is a cookie.
fn language_form(visitor: &Visitor) -> Markup {
    let lang = visitor.lang;
    html! {
        form.language method="post" action="/language" {
            (csrf(&visitor.csrf()))
            input type="hidden" name="next" value=(visitor.here);
            span.visually-hidden { (lang.t("language-choose")) }
            @for other in Lang::ALL {
                @if other == lang {
                    span.language__current aria-current="true" lang=(other.code()) {
                        (lang.t(&format!("language-{}", other.code())))
                    }
                } @else {
                    button.link-button type="submit" name="lang" value=(other.code())
                        lang=(other.code()) {
                        (other.t(&format!("language-{}", other.code())))
                    }
                }
            }
        }
    }
}

/// A page for someone not signed in.
pub fn visitor_page(visitor: &Visitor, title: &str, body: Markup) -> Markup {
    document(visitor.lang, title, language_form(visitor), body)
}

/// A page of the signed-in portal.
pub fn signed_in_page(user: &SignedIn, nav: Nav, title: &str, body: Markup) -> Markup {
    let lang = user.lang();
    let mut links = vec![
        (Nav::Start, "/", "nav-start"),
        (Nav::Organizations, "/organizations", "nav-organizations"),
    ];
    if user.may(Permission::ReadPersonnel) {
        links.push((Nav::Officials, "/officials", "nav-officials"));
    }
    if user.may(Permission::ReadParty) {
        links.push((Nav::Party, "/party", "nav-party"));
    }
    if user.may(Permission::UseGroupware) {
        links.push((Nav::Groupware, "/documents", "nav-groupware"));
    }
    if user.may(Permission::ReadPersonnel) {
        links.push((Nav::Reports, "/statistics", "nav-reports"));
    }
    if user.may(Permission::ReadAudit) {
        links.push((Nav::Audit, "/audit", "nav-audit"));
    }
    if user.may(Permission::ManageUsers) {
        links.push((Nav::Admin, "/admin/users", "nav-admin"));
    }
    let header = html! {
        nav.site-nav aria-label=(lang.t("nav-label")) {
            ul {
                @for (item, href, key) in links {
                    li {
                        @if item == nav {
                            a href=(href) aria-current="page" { (lang.t(key)) }
                        } @else {
                            a href=(href) { (lang.t(key)) }
                        }
                    }
                }
            }
        }
        div.account {
            span.account__name { (lang.t_with("signed-in-as", &[("name", &user.caller.username)])) }
            form method="post" action="/sign-out" {
                (csrf(&user.csrf()))
                button.link-button type="submit" { (lang.t("sign-out")) }
            }
            (language_form(&user.visitor))
        }
    };
    document(lang, title, header, body)
}

/// A page saying what went wrong and where to go.
pub fn error_page(lang: Lang, title: &str, detail: &str) -> Markup {
    let body = html! {
        p.lead { (detail) }
        p { a href="/" { (lang.t("error-back-to-start")) } }
    };
    document(lang, title, html! {}, body)
}

/// The hidden CSRF field every posted form carries.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

/// What a form field is.
pub enum Kind {
    Text,
    LongText,
    Password,
    Email,
    Tel,
    Number,
    /// Typed as dd/mm/yyyy.
    Date,
    /// One of (value, label); an empty value first means "none".
    Select(Vec<(String, String)>),
    /// A spreadsheet to upload (CSV or XLSX).
    File,
    /// A document to attach (PDF, JPEG, PNG, plain text, DOCX).
    Attachment,
}

/// One labelled form field, with its hint and its error beside it.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: String,
    pub value: String,
    pub kind: Kind,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub required: bool,
    pub autocomplete: Option<&'static str>,
}

impl<'a> Field<'a> {
    pub fn new(name: &'a str, label: String, value: impl Into<String>, kind: Kind) -> Self {
        Field {
            name,
            label,
            value: value.into(),
            kind,
            hint: None,
            error: None,
            required: false,
            autocomplete: None,
        }
    }
}

pub fn field_id(name: &str) -> String {
    format!("f-{}", name.replace('_', "-"))
}

/// A field: label, hint and error above the control, tied to it for screen
/// readers.
pub fn field(lang: Lang, f: &Field) -> Markup {
    let id = field_id(f.name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described: Vec<&str> = [
        f.hint.as_ref().map(|_| hint_id.as_str()),
        f.error.as_ref().map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = f.error.as_ref().map(|_| "true");
    let hint = match (&f.kind, &f.hint) {
        (_, Some(hint)) => Some(hint.clone()),
        (Kind::Date, None) => Some(lang.t("hint-date")),
        _ => None,
    };
    html! {
        div.field.field--error[f.error.is_some()] {
            label for=(id) {
                (f.label)
                @if f.required { " " span.required { "(" (lang.t("required")) ")" } }
            }
            @if let Some(hint) = &hint { p.hint id=(hint_id) { (hint) } }
            @if let Some(error) = &f.error {
                p.field-error id=(error_id) {
                    span.visually-hidden { (lang.t("error-prefix")) " " }
                    (error)
                }
            }
            @match &f.kind {
                Kind::LongText => {
                    textarea id=(id) name=(f.name) rows="3" required[f.required]
                        aria-invalid=[invalid] aria-describedby=[&described] { (f.value) }
                }
                Kind::Select(options) => {
                    select id=(id) name=(f.name) required[f.required]
                        aria-invalid=[invalid] aria-describedby=[&described] {
                        @for (value, label) in options {
                            option value=(value) selected[*value == f.value] { (label) }
                        }
                    }
                }
                Kind::Attachment => {
                    input id=(id) name=(f.name) type="file" accept=".pdf,.jpg,.jpeg,.png,.txt,.docx"
                        required[f.required] aria-invalid=[invalid] aria-describedby=[&described];
                }
                Kind::File => {
                    input id=(id) name=(f.name) type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                        required[f.required] aria-invalid=[invalid] aria-describedby=[&described];
                }
                kind => {
                    input id=(id) name=(f.name) type=(input_type(kind)) value=(f.value)
                        inputmode=[input_mode(kind)] autocomplete=[f.autocomplete]
                        required[f.required] aria-invalid=[invalid]
                        aria-describedby=[&described];
                }
            }
        }
    }
}

fn input_type(kind: &Kind) -> &'static str {
    match kind {
        Kind::Password => "password",
        Kind::Email => "email",
        Kind::Tel => "tel",
        _ => "text",
    }
}

/// Numbers and dates are typed as text (dd/mm/yyyy whatever the browser's
/// language) with the keyboard that suits them.
fn input_mode(kind: &Kind) -> Option<&'static str> {
    match kind {
        Kind::Number => Some("decimal"),
        Kind::Date => Some("numeric"),
        _ => None,
    }
}

/// The list of a form's errors at its top, each a link to its field.
pub fn error_summary(lang: Lang, errors: &[(String, String)]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" tabindex="-1" aria-labelledby="error-summary-title" {
                h2 #error-summary-title { (lang.t("error-summary-title")) }
                ul {
                    @for (name, message) in errors {
                        li { a href=(format!("#{}", field_id(name))) { (message) } }
                    }
                }
            }
        }
    }
}

//! The correspondence register for staff (issue 14 over issue 16): the
//! caller's documents found by subject (without diacritics), direction,
//! status or lateness; one document with its handling history; and the
//! registration form, whose answer is the registration number. The
//! register's services decide, number and audit, as for the API.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::browser::{FormData, Posted, SignedIn};
use super::error::{see_other, PortalError};
use super::form::{self, choice, date, integer, optional, text, Shown, Spec};
use super::format::{self, given};
use super::i18n::Lang;
use super::page::{self, Field, Kind, Nav};
use crate::auth::caller::Permission;
use crate::context::{Ctx, Scope};
use crate::error::{AppError, AppResult, FieldError};
use crate::groupware::correspondence::input::{DocumentFilter, ListQuery, NewDocument};
use crate::groupware::correspondence::model::{DocumentView, EventRow, Status};
use crate::groupware::correspondence::service;
use crate::groupware::notices::model::Notices;
use crate::http::route_table::RouteTable;
use crate::ids::DocumentId;

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/documents", |r| r.get(list))
        .resource("/documents/new", |r| r.get(register_form).post(register))
        .resource("/documents/{id}", |r| r.get(document))
        .resource("/documents/{id}/status", |r| r.post(change_status));
}

const WORDS: &str = "gw-field";

const DIRECTIONS: [&str; 3] = ["incoming", "outgoing", "internal"];
const TYPES: [&str; 14] = [
    "resolution",
    "decision",
    "directive",
    "conclusion",
    "regulation",
    "rules",
    "guidance",
    "notice",
    "report",
    "submission",
    "plan",
    "official_letter",
    "minutes",
    "other",
];
const FORMS: [&str; 2] = ["party", "state"];
const STATUSES: [&str; 4] = ["registered", "assigned", "in_progress", "done"];

/// The registration form: the API's body, the unit typed by its code.
const REGISTER: &[Spec] = &[
    text("organization_code"),
    choice("direction", &DIRECTIONS, "gw-direction"),
    choice("document_type", &TYPES, "gw-type"),
    choice("form", &FORMS, "gw-form"),
    optional(integer("document_number")),
    optional(text("issuer_code")),
    date("document_date"),
    text("issuer"),
    text("subject"),
    optional(date("handling_deadline")),
];

/// Staff's scope, or one covering nothing: a refusal is a 404.
fn scope(user: &SignedIn) -> Scope {
    user.caller.require_or_nothing(Permission::UseGroupware)
}

fn word(lang: Lang, prefix: &str, value: impl std::fmt::Display) -> String {
    lang.t(&format!("{prefix}-{value}"))
}

/// The start page's counts: the caller's documents and tasks due today and
/// overdue (nothing for one without the groupware role).
pub async fn notices(user: &SignedIn) -> Result<Markup, PortalError> {
    if !user.may(Permission::UseGroupware) {
        return Ok(html! {});
    }
    let notices: Notices = user
        .run(scope(user), crate::groupware::notices::service::notices)
        .await?;
    let lang = user.lang();
    let count = |key: &str, n: usize| lang.t_with(key, &[("count", &n.to_string())]);
    Ok(html! {
        h2 { (lang.t("gw-notices")) }
        ul {
            li { a href="/documents?overdue=true" {
                (count("gw-documents-due-today", notices.documents.due_today)) ", "
                (count("gw-documents-overdue", notices.documents.overdue))
            } }
            li { a href="/tasks" {
                (count("gw-tasks-due-today", notices.tasks.due_today)) ", "
                (count("gw-tasks-overdue", notices.tasks.overdue))
            } }
        }
    })
}

/// The search form as sent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SearchForm {
    q: Option<String>,
    direction: Option<String>,
    status: Option<String>,
    overdue: Option<String>,
    cursor: Option<String>,
}

impl SearchForm {
    fn query(&self) -> ListQuery {
        ListQuery {
            q: given(&self.q),
            direction: given(&self.direction),
            status: given(&self.status),
            overdue: given(&self.overdue),
            cursor: given(&self.cursor),
            ..ListQuery::default()
        }
    }
}

/// The caller's documents, newest first, narrowed by the filters.
pub async fn list(
    user: SignedIn,
    query: web::Query<SearchForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::UseGroupware)?;
    let form = query.into_inner();
    let filter = DocumentFilter::try_from(form.query());
    let found = match filter {
        Ok(filter) => Ok(user
            .run(scope, move |ctx| service::list(ctx, filter))
            .await?),
        Err(AppError::Validation(errors)) => Err(errors),
        Err(other) => return Err(user.fail(other)),
    };
    let errors = found.as_ref().err().cloned().unwrap_or_default();
    let body = html! {
        p { a.button href="/documents/new" { (lang.t("gw-register")) } }
        (filters(lang, &form, &errors))
        @if let Ok(page) = &found {
            @if page.items.is_empty() {
                p { (lang.t("gw-none")) }
            } @else {
                (table(lang, &page.items))
            }
            @if let Some(cursor) = &page.next_cursor {
                nav.pager aria-label=(lang.t("search-pages")) {
                    a href=(format::next_page("/documents", &[
                        ("q", &form.q), ("direction", &form.direction),
                        ("status", &form.status), ("overdue", &form.overdue),
                    ], cursor)) { (lang.t("search-next")) }
                }
            }
        }
    };
    let title = lang.t("gw-list-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Groupware, &title, body)))
}

fn options(lang: Lang, words: &[&str], prefix: &str) -> Vec<(String, String)> {
    let mut all = vec![(String::new(), lang.t("choose-any"))];
    all.extend(words.iter().map(|w| (w.to_string(), word(lang, prefix, w))));
    all
}

fn filters(lang: Lang, form: &SearchForm, errors: &[FieldError]) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let fields = [
        Field {
            error: error_of("q"),
            ..Field::new("q", lang.t("gw-field-subject"), value(&form.q), Kind::Text)
        },
        Field::new(
            "direction",
            lang.t("gw-field-direction"),
            value(&form.direction),
            Kind::Select(options(lang, &DIRECTIONS, "gw-direction")),
        ),
        Field::new(
            "status",
            lang.t("gw-field-status"),
            value(&form.status),
            Kind::Select(options(lang, &STATUSES, "gw-status")),
        ),
        Field::new(
            "overdue",
            lang.t("gw-overdue"),
            value(&form.overdue),
            Kind::Select(vec![
                (String::new(), lang.t("choose-any")),
                ("true".into(), lang.t("choose-yes")),
                ("false".into(), lang.t("choose-no")),
            ]),
        ),
    ];
    html! {
        form.filters method="get" action="/documents" role="search" {
            @for field in &fields { (page::field(lang, field)) }
            div.actions { button.button type="submit" { (lang.t("search-submit")) } }
        }
    }
}

fn table(lang: Lang, documents: &[DocumentView]) -> Markup {
    html! {
        div.table-wrap {
            table {
                thead { tr {
                    th scope="col" { (lang.t("gw-field-registration-number")) }
                    th scope="col" { (lang.t("gw-field-subject")) }
                    th scope="col" { (lang.t("gw-field-direction")) }
                    th scope="col" { (lang.t("gw-field-issuer")) }
                    th scope="col" { (lang.t("gw-field-handling-deadline")) }
                    th scope="col" { (lang.t("gw-field-status")) }
                } }
                tbody {
                    @for d in documents {
                        tr {
                            td { (d.registration_label) "/" (d.year) }
                            th scope="row" { a href=(format!("/documents/{}", d.id)) { (d.subject) } }
                            td { (word(lang, "gw-direction", d.direction)) }
                            td { (d.issuer) }
                            td { (format::maybe_date(d.handling_deadline)) }
                            td {
                                (word(lang, "gw-status", d.status))
                                @if d.overdue { " — " strong { (lang.t("gw-overdue")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DocumentQuery {
    registered: Option<String>,
    changed: Option<String>,
}

/// One document and its handling history.
pub async fn document(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<DocumentQuery>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::UseGroupware)?;
    let id: DocumentId = id
        .parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "document" }))?;
    let (view, events) = read_document(&user, scope, id).await?;
    let changed = query.changed.is_some();
    Ok(user.ok(document_page(
        &user,
        (&view, &events),
        query.registered.is_some(),
        changed,
        None,
    )))
}

async fn read_document(
    user: &SignedIn,
    scope: Scope,
    id: DocumentId,
) -> Result<(DocumentView, Vec<EventRow>), PortalError> {
    user.run(scope, move |ctx| {
        Ok((service::view(ctx, id)?, service::history(ctx, id)?))
    })
    .await
}

/// The next steps of a document's handling (the service decides again).
fn next_statuses(status: Status) -> &'static [&'static str] {
    match status {
        Status::Assigned => &["in_progress", "done"],
        Status::Registered | Status::InProgress => &["done"],
        Status::Done => &[],
    }
}

fn status_specs(status: Status) -> [Spec; 2] {
    [
        choice("status", next_statuses(status), "gw-status"),
        optional(text("note")),
    ]
}

/// The form that moves the handling on, at the version shown.
fn status_form(
    user: &SignedIn,
    view: &DocumentView,
    refused: Option<(&FormData, Vec<FieldError>)>,
) -> Markup {
    let lang = user.lang();
    let specs = status_specs(view.status);
    let mut shown = Shown::blank(
        format!("/documents/{}/status", view.id),
        (WORDS, &specs),
        lang.t("gw-change-status"),
    );
    shown.hidden = vec![("version", view.version.to_string())];
    if let Some((form, errors)) = refused {
        shown = shown.again(form, errors);
    }
    html! {
        h2 { (lang.t("gw-change-status")) }
        (form::render(user, &shown))
    }
}

fn document_page(
    user: &SignedIn,
    (view, events): (&DocumentView, &[EventRow]),
    registered: bool,
    changed: bool,
    refused: Option<(&FormData, Vec<FieldError>, Option<String>)>,
) -> Markup {
    let lang = user.lang();
    let (notice, refused) = match refused {
        Some((form, errors, notice)) => (notice, Some((form, errors))),
        None => (None, None),
    };
    let body = html! {
        @if let Some(notice) = &notice { (form::notice(notice)) }
        @if changed {
            div.notice.notice--ok role="status" { p { (lang.t("gw-status-changed")) } }
        }
        @if registered {
            div.notice.notice--ok role="status" { p {
                (lang.t_with("gw-registered-as", &[
                    ("number", &view.registration_label),
                    ("year", &view.year.to_string()),
                ]))
            } }
        }
        (facts(lang, view))
        @if view.status != Status::Done {
            p { a.button.button--secondary href=(format!("/documents/{}/assign", view.id)) { (lang.t("gw-assign")) } }
            (status_form(user, view, refused))
        }
        h2 { (lang.t("gw-history")) }
        (history(lang, events))
        p { a href="/documents" { (lang.t("gw-list-title")) } }
    };
    page::signed_in_page(user, Nav::Groupware, &view.subject, body)
}

/// Starts or closes the handling: the API's
/// `POST /groupware/documents/{id}/status` with the version as `If-Match`.
pub async fn change_status(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::UseGroupware)?;
    let lang = user.lang();
    let id: DocumentId = id
        .parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "document" }))?;
    let version = form::version(&user, &form)?;
    let (view, _) = read_document(&user, scope.clone(), id).await?;
    let specs = status_specs(view.status);
    let (status, errors, notice) = match form::read(lang, &specs, &form) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok(values) => {
            let changed = user
                .visitor
                .app
                .as_caller(&user.caller, scope.clone(), move |ctx| {
                    service::set_status(ctx, id, version, form::body(values)?)
                })
                .await;
            match changed {
                Ok(_) => return Ok(see_other(&format!("/documents/{id}?changed=1"))),
                Err(error) => form::refusal(lang, error).map_err(|e| user.fail(e))?,
            }
        }
    };
    // the document as it is now, with the refusal beside the form
    let (view, events) = read_document(&user, scope, id).await?;
    let markup = document_page(
        &user,
        (&view, &events),
        false,
        false,
        Some((&form, errors, notice)),
    );
    Ok(user.visitor.respond(status, markup))
}

fn facts(lang: Lang, d: &DocumentView) -> Markup {
    html! {
        dl.facts {
            dt { (lang.t("gw-field-registration-number")) } dd { (d.registration_label) "/" (d.year) }
            dt { (lang.t("gw-registered-on")) } dd { (format::date(d.registered_on)) }
            dt { (lang.t("gw-field-direction")) } dd { (word(lang, "gw-direction", d.direction)) }
            dt { (lang.t("gw-field-document-type")) } dd { (word(lang, "gw-type", d.document_type)) }
            @if let Some(symbol) = &d.number_symbol {
                dt { (lang.t("gw-number-symbol")) } dd { (symbol) }
            }
            dt { (lang.t("gw-field-document-date")) } dd { (format::date(d.document_date)) }
            dt { (lang.t("gw-field-issuer")) } dd { (d.issuer) }
            dt { (lang.t("gw-field-subject")) } dd { (d.subject) }
            dt { (lang.t("gw-field-handling-deadline")) } dd { (format::maybe_date(d.handling_deadline)) }
            dt { (lang.t("gw-field-status")) } dd {
                (word(lang, "gw-status", d.status))
                @if d.overdue { " — " strong { (lang.t("gw-overdue")) } }
            }
        }
    }
}

fn history(lang: Lang, events: &[EventRow]) -> Markup {
    html! {
        ol.history {
            @for e in events {
                li {
                    (format::date_time(e.recorded_at)) ": "
                    (word(lang, "gw-event", e.kind)) " — " (word(lang, "gw-status", e.status))
                    @if let Some(note) = &e.note { " (" (note) ")" }
                }
            }
        }
    }
}

fn register_page(user: &SignedIn, shown: &Shown, notice: Option<&str>) -> Markup {
    let lang = user.lang();
    let body = html! {
        @if let Some(notice) = notice { (form::notice(notice)) }
        (form::render(user, shown))
    };
    page::signed_in_page(user, Nav::Groupware, &lang.t("gw-register"), body)
}

fn blank(lang: Lang) -> Shown<'static> {
    let mut shown = Shown::blank(
        "/documents/new".into(),
        (WORDS, REGISTER),
        lang.t("gw-register"),
    );
    shown.cancel = Some("/documents".into());
    shown
}

pub async fn register_form(user: SignedIn) -> Result<HttpResponse, PortalError> {
    user.require(Permission::UseGroupware)?;
    Ok(user.ok(register_page(&user, &blank(user.lang()), None)))
}

/// The unit typed by its code, as the id the API's body takes.
pub(super) fn unit_by_code(ctx: &mut Ctx, values: &mut Map<String, Value>) -> AppResult<()> {
    let code = values
        .remove("organization_code")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let unit = crate::org::read::read_by_code(ctx, &code)
        .map_err(|_| AppError::invalid("organization_code", "no such organization"))?;
    values.insert(
        "organization_id".into(),
        Value::String(unit.organization.id.to_string()),
    );
    Ok(())
}

/// Registers the document; the answer is its page, saying its number.
pub async fn register(posted: Posted<SignedIn>) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::UseGroupware)?;
    let lang = user.lang();
    let errors = match form::read(lang, REGISTER, &form) {
        Err(errors) => errors,
        Ok(mut values) => {
            let made = user
                .visitor
                .app
                .as_caller(&user.caller, scope, move |ctx| {
                    unit_by_code(ctx, &mut values)?;
                    let body: NewDocument = form::body(values)?;
                    service::register(ctx, body)
                })
                .await;
            match made {
                Ok(view) => return Ok(see_other(&format!("/documents/{}?registered=1", view.id))),
                Err(AppError::Validation(errors)) => errors
                    .into_iter()
                    .map(|e| form::translate(lang, e))
                    .collect(),
                Err(other) => return Err(user.fail(other)),
            }
        }
    };
    let shown = blank(lang).again(&form, errors);
    Ok(user.visitor.respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        register_page(&user, &shown, None),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groupware::correspondence::model::{Direction, DocumentType, EventKind, Status};

    #[test]
    fn every_word_and_input_has_its_words() {
        for lang in Lang::ALL {
            for spec in REGISTER {
                assert!(
                    lang.has(&form::label_key(WORDS, spec.name)),
                    "{}",
                    spec.name
                );
            }
            for d in Direction::ALL {
                assert!(lang.has(&format!("gw-direction-{d}")), "{d}");
            }
            for t in DocumentType::ALL {
                assert!(lang.has(&format!("gw-type-{t}")), "{t}");
            }
            for s in Status::ALL {
                assert!(lang.has(&format!("gw-status-{s}")), "{s}");
            }
            for k in EventKind::ALL {
                assert!(lang.has(&format!("gw-event-{k}")), "{k}");
            }
            for f in FORMS {
                assert!(lang.has(&format!("gw-form-{f}")), "{f}");
            }
        }
    }
}

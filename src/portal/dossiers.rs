//! Internal-politics dossiers (DB3) for dossier officers: a profile's
//! dossiers, one dossier without its content, and its content read for a
//! stated reason after a second factor proved within five minutes. The
//! dossier services decide and audit, as for the API; a dossier outside the
//! officer's grants is the same "not found" as one that does not exist.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::browser::{FormData, Posted, SignedIn};
use super::error::see_other;
use super::error::PortalError;
use super::form::{self, choice, integer, long_text, optional, text, Shown, Spec};
use super::format;
use super::i18n::Lang;
use super::page::{self, Nav};
use crate::auth::caller::{Permission, DOSSIER_STEP_UP_SECONDS};
use crate::context::Scope;
use crate::dossiers::input::NewAttachment;
use crate::dossiers::input::{ListQuery, NewDossier, ReadInput, ReadRequest, Statement};
use crate::dossiers::model::{
    AttachmentType, DossierContent, DossierView, Subject, MAX_ATTACHMENT_BYTES,
};
use crate::dossiers::service;
use crate::error::{AppError, FieldError};
use crate::http::route_table::RouteTable;
use crate::ids::DossierId;

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/dossiers", |r| r.get(list))
        .resource("/dossiers/new", |r| r.get(new_form).post(create))
        .resource("/dossiers/{id}", |r| r.get(dossier))
        .resource("/dossiers/{id}/correct", |r| {
            r.get(correct_form).post(correct)
        })
        .resource("/dossiers/{id}/read", |r| r.get(read_form).post(read))
        .resource("/dossiers/{id}/attach", |r| {
            r.app_data(web::PayloadConfig::default().limit(ATTACH_LIMIT))
                .get(attach_form)
                .post(attach)
        })
        .resource("/dossiers/{id}/attachments/{number}", |r| r.post(download));
}

/// One file and the form's other fields.
const ATTACH_LIMIT: usize = MAX_ATTACHMENT_BYTES + 64 * 1024;

const WORDS: &str = "dossier-field";

const READ: &[Spec] = &[text("reason"), optional(integer("version"))];

const CATEGORIES: [&str; 7] = [
    "political_history",
    "current_political_issues",
    "overseas_relations",
    "family_background",
    "political_verification",
    "denunciation",
    "other",
];

/// What a dossier states: the API's `Statement`, for a new dossier and for
/// each new version.
const STATEMENT: &[Spec] = &[
    choice("category", &CATEGORIES, "dossier-category"),
    long_text("summary"),
    long_text("content"),
];

/// The officer's scope, or one covering nothing: a refusal is a 404.
fn scope(user: &SignedIn) -> Scope {
    user.caller.require_or_nothing(Permission::HandleDossiers)
}

/// Content goes out only with a second factor proved within five minutes.
fn require_recent_mfa(user: &SignedIn) -> Result<(), PortalError> {
    user.caller
        .require_mfa_within(user.visitor.app.clock.now(), DOSSIER_STEP_UP_SECONDS)
        .map_err(|e| user.fail(e))
}

fn dossier_id(user: &SignedIn, raw: &str) -> Result<DossierId, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "dossier" }))
}

fn category(lang: Lang, view: impl std::fmt::Display) -> String {
    lang.t(&format!("dossier-category-{view}"))
}

#[derive(Debug, Default, Deserialize)]
pub struct SubjectForm {
    subject_id: Option<String>,
}

/// A profile's dossiers (listing them is audited by the service).
pub async fn list(
    user: SignedIn,
    query: web::Query<SubjectForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let subject = Subject::try_from(ListQuery {
        subject_id: query.subject_id.clone(),
        subject_kind: None,
    })
    .map_err(|e| user.fail(e))?;
    let views = user
        .run(scope(&user), move |ctx| service::list(ctx, subject))
        .await?;
    let body = html! {
        @if views.is_empty() {
            p { (lang.t("dossier-none")) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("dossier-field-category")) }
                        th scope="col" { (lang.t("dossier-versions")) }
                        th scope="col" { (lang.t("dossier-attachments")) }
                        th scope="col" { (lang.t("profile-updated")) }
                    } }
                    tbody {
                        @for view in &views {
                            tr {
                                th scope="row" { a href=(format!("/dossiers/{}", view.id)) { (category(lang, view.category)) } }
                                td { (view.version) }
                                td { (view.attachment_count) }
                                td { (format::date_time(view.updated_at)) }
                            }
                        }
                    }
                }
            }
        }
        div.actions {
            a.button href=(format!("/dossiers/new?subject_id={}", subject.id())) { (lang.t("dossier-new")) }
            a href=(format!("/officials/{}", subject.id())) { (lang.t("back-to-profile")) }
        }
    };
    let title = lang.t("dossier-list-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Officials, &title, body)))
}

fn facts(lang: Lang, view: &DossierView) -> Markup {
    html! {
        dl.facts {
            dt { (lang.t("dossier-field-category")) } dd { (category(lang, view.category)) }
            dt { (lang.t("dossier-versions")) } dd { (view.version) }
            dt { (lang.t("dossier-attachments")) } dd { (view.attachment_count) }
            dt { (lang.t("profile-updated")) } dd { (format::date_time(view.updated_at)) }
        }
    }
}

/// `?made=1` after a new dossier, `?corrected=1` after a new version,
/// `?attached=1` after a file.
#[derive(Debug, Default, Deserialize)]
pub struct DossierQuery {
    made: Option<String>,
    corrected: Option<String>,
    attached: Option<String>,
}

/// One dossier, without what it says.
pub async fn dossier(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<DossierQuery>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let id = dossier_id(&user, &id)?;
    let view = user
        .run(scope(&user), move |ctx| service::view(ctx, id))
        .await?;
    let ok = match (&query.made, &query.corrected) {
        (Some(_), _) => Some("dossier-made"),
        (_, Some(_)) => Some("dossier-corrected"),
        _ if query.attached.is_some() => Some("dossier-attached"),
        _ => None,
    };
    let body = html! {
        @if let Some(ok) = ok {
            div.notice.notice--ok role="status" { p { (lang.t(ok)) } }
        }
        (facts(lang, &view))
        div.actions {
            a.button href=(format!("/dossiers/{id}/read")) { (lang.t("dossier-read")) }
            a.button.button--secondary href=(format!("/dossiers/{id}/correct")) { (lang.t("dossier-correct")) }
            a.button.button--secondary href=(format!("/dossiers/{id}/attach")) { (lang.t("dossier-attach")) }
            a.button.button--secondary href=(format!("/dossiers?subject_id={}", view.subject_id)) { (lang.t("dossier-list-title")) }
        }
    };
    let title = lang.t("dossier-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Officials, &title, body)))
}

fn read_page(user: &SignedIn, id: DossierId, form: Option<(&FormData, Vec<FieldError>)>) -> Markup {
    let lang = user.lang();
    let mut shown = Shown::blank(
        format!("/dossiers/{id}/read"),
        (WORDS, READ),
        lang.t("dossier-read"),
    );
    shown.cancel = Some(format!("/dossiers/{id}"));
    if let Some((form, errors)) = form {
        shown = shown.again(form, errors);
    }
    let body = html! {
        p.hint { (lang.t("dossier-read-help")) }
        (form::render(user, &shown))
    };
    page::signed_in_page(user, Nav::Officials, &lang.t("dossier-read"), body)
}

/// The reason form; the step-up page first when the second factor is older
/// than five minutes.
pub async fn read_form(user: SignedIn, id: web::Path<String>) -> Result<HttpResponse, PortalError> {
    require_recent_mfa(&user)?;
    let id = dossier_id(&user, &id)?;
    user.run(scope(&user), move |ctx| service::view(ctx, id).map(|_| ()))
        .await?;
    Ok(user.ok(read_page(&user, id, None)))
}

/// What the dossier says, shown once on the answer to the reason form
/// (never in a URL, never cached: every response is `no-store`).
pub async fn read(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    require_recent_mfa(&user)?;
    let id = dossier_id(&user, &id)?;
    let lang = user.lang();
    let errors = match form::read(lang, READ, &form) {
        Err(errors) => errors,
        Ok(values) => {
            let opened = user
                .visitor
                .app
                .as_caller(&user.caller, scope(&user), move |ctx| {
                    let request: ReadRequest = form::body(values)?;
                    service::read(ctx, id, ReadInput::try_from(request)?)
                })
                .await;
            match opened {
                Ok(content) => {
                    let reason = form.raw("reason").trim();
                    return Ok(user.ok(content_page(&user, &content, reason)));
                }
                Err(AppError::Validation(errors)) => errors
                    .into_iter()
                    .map(|e| form::translate(lang, e))
                    .collect(),
                Err(other) => return Err(user.fail(other)),
            }
        }
    };
    let markup = read_page(&user, id, Some((&form, errors)));
    Ok(user
        .visitor
        .respond(StatusCode::UNPROCESSABLE_ENTITY, markup))
}

/// A statement's form: a new dossier about `subject_id`, or a new version
/// of a dossier at the version shown (the API's `If-Match`).
fn statement_page(
    user: &SignedIn,
    (action, hidden): (String, Vec<(&'static str, String)>),
    title: &str,
    refused: Option<(&FormData, Vec<FieldError>, Option<String>)>,
) -> Markup {
    let lang = user.lang();
    let mut shown = Shown::blank(action, (WORDS, STATEMENT), lang.t("dossier-save"));
    shown.hidden = hidden;
    let notice = match refused {
        Some((form, errors, notice)) => {
            shown = shown.again(form, errors);
            notice
        }
        None => None,
    };
    let body = html! {
        @if let Some(notice) = &notice { (form::notice(notice)) }
        p.hint { (lang.t("dossier-statement-help")) }
        (form::render(user, &shown))
    };
    page::signed_in_page(user, Nav::Officials, title, body)
}

/// The new dossier's form, after a second factor proved within five
/// minutes (the step-up page first, which returns here).
pub async fn new_form(
    user: SignedIn,
    query: web::Query<SubjectForm>,
) -> Result<HttpResponse, PortalError> {
    require_recent_mfa(&user)?;
    let subject = query.subject_id.clone().unwrap_or_default();
    let action = ("/dossiers/new".to_owned(), vec![("subject_id", subject)]);
    let title = user.lang().t("dossier-new");
    Ok(user.ok(statement_page(&user, action, &title, None)))
}

/// Records the dossier: the API's `POST /dossiers`.
pub async fn create(posted: Posted<SignedIn>) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    require_recent_mfa(&user)?;
    let lang = user.lang();
    let subject = form.raw("subject_id").to_owned();
    let errors = match form::read(lang, STATEMENT, &form) {
        Err(errors) => errors,
        Ok(mut values) => {
            values.insert(
                "subject_id".into(),
                serde_json::Value::String(subject.clone()),
            );
            let made = user
                .visitor
                .app
                .as_caller(&user.caller, scope(&user), move |ctx| {
                    let input: NewDossier = form::body(values)?;
                    service::create(ctx, input)
                })
                .await;
            match made {
                Ok(view) => return Ok(see_other(&format!("/dossiers/{}?made=1", view.id))),
                Err(AppError::Validation(errors)) => errors
                    .into_iter()
                    .map(|e| form::translate(lang, e))
                    .collect(),
                Err(other) => return Err(user.fail(other)),
            }
        }
    };
    let action = ("/dossiers/new".to_owned(), vec![("subject_id", subject)]);
    let markup = statement_page(
        &user,
        action,
        &lang.t("dossier-new"),
        Some((&form, errors, None)),
    );
    Ok(user
        .visitor
        .respond(StatusCode::UNPROCESSABLE_ENTITY, markup))
}

/// A new version's form: blank, since the statement is replaced whole and
/// the earlier one is read only for a stated reason.
pub async fn correct_form(
    user: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    require_recent_mfa(&user)?;
    let id = dossier_id(&user, &id)?;
    let view = user
        .run(scope(&user), move |ctx| service::view(ctx, id))
        .await?;
    let action = (
        format!("/dossiers/{id}/correct"),
        vec![("version", view.version.to_string())],
    );
    let title = user.lang().t("dossier-correct");
    Ok(user.ok(statement_page(&user, action, &title, None)))
}

/// Records a new version: the API's `POST /dossiers/{id}/versions`.
pub async fn correct(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    require_recent_mfa(&user)?;
    let id = dossier_id(&user, &id)?;
    let lang = user.lang();
    let version = form::version(&user, &form)?;
    let (status, errors, notice) = match form::read(lang, STATEMENT, &form) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok(values) => {
            let saved = user
                .visitor
                .app
                .as_caller(&user.caller, scope(&user), move |ctx| {
                    let statement: Statement = form::body(values)?;
                    service::correct(ctx, id, version, statement)
                })
                .await;
            match saved {
                Ok(_) => return Ok(see_other(&format!("/dossiers/{id}?corrected=1"))),
                Err(AppError::StaleVersion { current, .. }) => (
                    StatusCode::PRECONDITION_FAILED,
                    Vec::new(),
                    Some((lang.t("error-stale-detail"), current)),
                ),
                Err(error) => {
                    let (status, errors, _) =
                        form::refusal(lang, error).map_err(|e| user.fail(e))?;
                    (status, errors, None)
                }
            }
        }
    };
    // a stale form comes back with the current version, the text kept
    let current = notice.as_ref().map_or(version, |(_, current)| *current);
    let action = (
        format!("/dossiers/{id}/correct"),
        vec![("version", current.to_string())],
    );
    let markup = statement_page(
        &user,
        action,
        &lang.t("dossier-correct"),
        Some((&form, errors, notice.map(|(said, _)| said))),
    );
    Ok(user.visitor.respond(status, markup))
}

/// What the dossier says; each file is downloaded for the reason just
/// stated (audited again for each).
fn content_page(user: &SignedIn, content: &DossierContent, reason: &str) -> Markup {
    let lang = user.lang();
    let body = html! {
        dl.facts {
            dt { (lang.t("dossier-field-category")) } dd { (category(lang, content.category)) }
            dt { (lang.t("dossier-field-version")) }
            dd { (lang.t_with("dossier-version-of", &[
                ("version", &content.version.to_string()),
                ("current", &content.current_version.to_string()),
            ])) }
            dt { (lang.t("dossier-recorded-at")) } dd { (format::date_time(content.recorded.recorded_at)) }
            dt { (lang.t("dossier-summary")) } dd { (content.summary) }
        }
        h2 { (lang.t("dossier-content")) }
        div.dossier-content { p { (content.content) } }
        @if !content.attachments.is_empty() {
            h2 { (lang.t("dossier-attachments")) }
            ul {
                @for attachment in &content.attachments {
                    li {
                        form.inline method="post" action=(format!("/dossiers/{}/attachments/{}", content.id, attachment.number)) {
                            (page::csrf(&user.csrf()))
                            input type="hidden" name="reason" value=(reason);
                            (attachment.file_name) " (" (attachment.size) " B) "
                            button.button.button--secondary type="submit"
                                aria-label=(format!("{} {}", lang.t("dossier-download"), attachment.file_name)) {
                                (lang.t("dossier-download"))
                            }
                        }
                    }
                }
            }
        }
        p { a href=(format!("/dossiers/{}", content.id)) { (lang.t("dossier-back")) } }
    };
    page::signed_in_page(user, Nav::Officials, &lang.t("dossier-title"), body)
}

/// The type a file's name says; the service then checks its first bytes.
fn attachment_type(file_name: &str) -> Option<AttachmentType> {
    let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "pdf" => AttachmentType::Pdf,
        "jpg" | "jpeg" => AttachmentType::Jpeg,
        "png" => AttachmentType::Png,
        "txt" => AttachmentType::PlainText,
        "docx" => AttachmentType::Docx,
        _ => return None,
    })
}

fn attach_page(user: &SignedIn, id: DossierId, error: Option<&str>) -> Markup {
    let lang = user.lang();
    let file = page::Field {
        error: error.map(str::to_owned),
        required: true,
        hint: Some(lang.t("dossier-attach-hint")),
        ..page::Field::new(
            "file",
            lang.t("dossier-field-file"),
            "",
            page::Kind::Attachment,
        )
    };
    let summary: Vec<(String, String)> = error
        .map(|e| {
            (
                "file".to_owned(),
                format!("{}: {e}", lang.t("dossier-field-file")),
            )
        })
        .into_iter()
        .collect();
    let body = html! {
        (page::error_summary(lang, &summary))
        form.stack method="post" action=(format!("/dossiers/{id}/attach")) enctype="multipart/form-data" novalidate {
            (page::csrf(&user.csrf()))
            (page::field(lang, &file))
            div.actions {
                button.button type="submit" { (lang.t("dossier-attach")) }
                a href=(format!("/dossiers/{id}")) { (lang.t("cancel")) }
            }
        }
    };
    page::signed_in_page(user, Nav::Officials, &lang.t("dossier-attach"), body)
}

/// The file form, after a second factor proved within five minutes.
pub async fn attach_form(
    user: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    require_recent_mfa(&user)?;
    let id = dossier_id(&user, &id)?;
    user.run(scope(&user), move |ctx| service::view(ctx, id).map(|_| ()))
        .await?;
    Ok(user.ok(attach_page(&user, id, None)))
}

/// Seals the uploaded file into the dossier: the API's
/// `POST /dossiers/{id}/attachments`.
pub async fn attach(
    user: SignedIn,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, PortalError> {
    require_recent_mfa(&user)?;
    let id = dossier_id(&user, &id)?;
    let lang = user.lang();
    let (_, file) = super::imports::upload(&user, &req, &body)?;
    let checked = match file {
        None => Err(lang.t("dossier-attach-choose")),
        Some((name, bytes)) => match attachment_type(&name) {
            None => Err(lang.t("dossier-attach-kind")),
            Some(kind) => {
                NewAttachment::checked(name, kind, bytes).map_err(|e| refused_file(lang, e))
            }
        },
    };
    let error = match checked {
        Err(error) => error,
        Ok(attachment) => {
            let saved = user
                .visitor
                .app
                .as_caller(&user.caller, scope(&user), move |ctx| {
                    service::attach(ctx, id, attachment)
                })
                .await;
            match saved {
                Ok(_) => return Ok(see_other(&format!("/dossiers/{id}?attached=1"))),
                Err(error @ AppError::Validation(_)) => refused_file(lang, error),
                Err(other) => return Err(user.fail(other)),
            }
        }
    };
    Ok(user.visitor.respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        attach_page(&user, id, Some(&error)),
    ))
}

/// A refusal of the file in the officer's words.
fn refused_file(lang: Lang, error: AppError) -> String {
    match error {
        AppError::Validation(errors) => errors
            .into_iter()
            .map(|e| form::translate(lang, e).message)
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// One file of a dossier, for the reason stated when its content was read
/// (audited as `dossier.read_attachment`), as a download never cached.
pub async fn download(
    posted: Posted<SignedIn>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    require_recent_mfa(&user)?;
    let (id, number) = path.into_inner();
    let id = dossier_id(&user, &id)?;
    let reason = form.raw("reason").to_owned();
    let content = user
        .run(scope(&user), move |ctx| {
            let reason =
                crate::dossiers::input::Reason::try_from(crate::dossiers::input::ReasonRequest {
                    reason,
                })?;
            service::read_attachment(ctx, id, number, reason)
        })
        .await?;
    let bytes = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        &content.content_base64,
    )
    .map_err(|e| user.fail(AppError::Internal(e.to_string())))?;
    let name = &content.attachment.file_name;
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_name(name),
        percent_encoded(name)
    );
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            content.attachment.content_type.as_str(),
        ))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

/// The name for browsers that read only `filename=`: ASCII, no quotes.
fn ascii_name(name: &str) -> String {
    crate::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// RFC 8187's encoding of the name for `filename*=`.
fn percent_encoded(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dossiers::model::Category;

    #[test]
    fn every_category_and_input_has_its_words() {
        for lang in Lang::ALL {
            for word in Category::ALL {
                assert!(lang.has(&format!("dossier-category-{word}")), "{word}");
            }
            for spec in READ.iter().chain(STATEMENT) {
                assert!(
                    lang.has(&form::label_key(WORDS, spec.name)),
                    "{}",
                    spec.name
                );
            }
        }
    }
}

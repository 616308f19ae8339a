//! Importing a unit's spreadsheet (docs/import-guide.md) in the browser:
//! the file uploaded with the unit's code and the mapping, a dry run whose
//! report is shown row by row, then the import itself from the report's
//! page, which carries the same file back. The body is the API's
//! `ImportRequest` and the service `imports::service::run`, as for
//! `POST /api/v1/imports`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use maud::{html, Markup};

use super::browser::{FormData, SignedIn};
use super::cookies;
use super::error::{see_other, PortalError};
use super::form;
use super::i18n::Lang;
use super::multipart;
use super::page::{self, Field, Kind, Nav};
use crate::auth::caller::Permission;
use crate::error::{AppError, FieldError};
use crate::http::route_table::RouteTable;
use crate::ids::ImportId;
use crate::imports::model::{
    fields_of, Atomicity, ColumnMapping, Finding, ImportJob, ImportRequest, ImportStatus,
    ImportView, Kind as FileKind, Severity,
};
use crate::imports::routes::{start, Ran, MAX_FILE_BYTES};
use crate::imports::service;

/// The file twice (uploaded, then carried back as base64), with room for
/// the form's other fields.
const UPLOAD_LIMIT: usize = MAX_FILE_BYTES.div_ceil(3) * 4 + MAX_FILE_BYTES + 256 * 1024;

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/imports/new", |r| {
            r.app_data(web::PayloadConfig::default().limit(UPLOAD_LIMIT))
                .get(import_form)
                .post(submit)
        })
        .resource("/imports/{id}", |r| r.get(report_page));
}

/// The mapping of the sample in docs/import-guide.md, as the form starts.
const SAMPLE_MAPPING: &str = "Họ và tên = full_name
Giới tính = sex
Ngày sinh = birth_date
Số định danh cá nhân = personal_identification_code
Dân tộc = ethnic_group_code
Ngạch = rank_code
Phân loại = classification
Hệ số lương = salary_coefficient
Phụ cấp thâm niên = seniority_allowance_percent
Đơn vị = using_organization_id";

const ATOMICITIES: [&str; 2] = ["file", "row"];

/// The form's inputs as typed (the file is not shown again).
#[derive(Default)]
struct Typed {
    kind: String,
    organization_code: String,
    mapping: String,
    atomicity: String,
}

impl Typed {
    fn from(form: &FormData) -> Typed {
        Typed {
            kind: form.raw("kind").to_owned(),
            organization_code: form.raw("organization_code").to_owned(),
            mapping: form.raw("mapping").to_owned(),
            atomicity: form.raw("atomicity").to_owned(),
        }
    }
}

/// One `heading = field` a line; the heading may itself hold `=`.
fn mapping(lang: Lang, typed: &str) -> Result<Vec<ColumnMapping>, FieldError> {
    typed
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| match line.rsplit_once('=') {
            Some((column, field)) if !column.trim().is_empty() && !field.trim().is_empty() => {
                Ok(ColumnMapping {
                    column: column.trim().to_owned(),
                    field: field.trim().to_owned(),
                })
            }
            _ => Err(FieldError::new(
                "mapping",
                lang.t_with("import-mapping-line", &[("line", line)]),
            )),
        })
        .collect()
}

/// The service's field as the form's input it came from.
fn input_of(field: &str) -> &str {
    match field {
        "content_base64" | "file_name" => "file",
        "organization_id" => "organization_code",
        f if f.starts_with("mapping") => "mapping",
        f => f,
    }
}

fn form_page(user: &SignedIn, typed: &Typed, errors: &[FieldError]) -> Markup {
    let lang = user.lang();
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let atomicities = ATOMICITIES
        .iter()
        .map(|a| (a.to_string(), lang.t(&format!("import-atomicity-{a}"))))
        .collect();
    let mapping = if typed.mapping.is_empty() {
        SAMPLE_MAPPING.to_owned()
    } else {
        typed.mapping.clone()
    };
    let kinds = [FileKind::Officials, FileKind::Organizations]
        .iter()
        .map(|k| (k.to_string(), lang.t(&format!("import-kind-{k}"))))
        .collect();
    let fields = [
        Field {
            error: error_of("kind"),
            ..Field::new(
                "kind",
                lang.t("import-field-kind"),
                typed.kind.clone(),
                Kind::Select(kinds),
            )
        },
        Field {
            error: error_of("organization_code"),
            required: true,
            ..Field::new(
                "organization_code",
                lang.t("import-field-organization-code"),
                typed.organization_code.clone(),
                Kind::Text,
            )
        },
        Field {
            error: error_of("file"),
            required: true,
            hint: Some(lang.t("import-field-file-hint")),
            ..Field::new("file", lang.t("import-field-file"), "", Kind::File)
        },
        Field {
            error: error_of("mapping"),
            required: true,
            hint: Some(lang.t("import-field-mapping-hint")),
            ..Field::new(
                "mapping",
                lang.t("import-field-mapping"),
                mapping,
                Kind::LongText,
            )
        },
        Field {
            error: error_of("atomicity"),
            ..Field::new(
                "atomicity",
                lang.t("import-field-atomicity"),
                typed.atomicity.clone(),
                Kind::Select(atomicities),
            )
        },
    ];
    let summary: Vec<(String, String)> = errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    let body = html! {
        p.lead { (lang.t("import-lead")) }
        (page::error_summary(lang, &summary))
        form.stack method="post" action="/imports/new" enctype="multipart/form-data" novalidate {
            (page::csrf(&user.csrf()))
            input type="hidden" name="dry_run" value="true";
            @for field in &fields { (page::field(lang, field)) }
            div.actions { button.button type="submit" { (lang.t("import-dry-run")) } }
        }
        details {
            summary { (lang.t("import-fields")) }
            @for kind in [FileKind::Officials, FileKind::Organizations] {
                h3 { (lang.t(&format!("import-kind-{kind}"))) }
                p { @for (i, (name, _)) in fields_of(kind).iter().enumerate() {
                    @if i > 0 { ", " }
                    code { (name) }
                } }
            }
        }
    };
    page::signed_in_page(user, Nav::Reports, &lang.t("import-title"), body)
}

pub async fn import_form(user: SignedIn) -> Result<HttpResponse, PortalError> {
    user.require(Permission::EditPersonnel)?;
    Ok(user.ok(form_page(&user, &Typed::default(), &[])))
}

/// A file as uploaded: its name and bytes.
pub(super) type File = (String, Vec<u8>);

/// The posted form's fields and its file, its CSRF token checked as
/// `Posted` checks a plain form's (the dossiers' attachments too).
pub(super) fn upload(
    user: &SignedIn,
    req: &HttpRequest,
    body: &[u8],
) -> Result<(FormData, Option<File>), PortalError> {
    let forgery = || PortalError::Forgery { lang: user.lang() };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let parts = multipart::parse(content_type, body).ok_or_else(forgery)?;
    let mut fields = Vec::new();
    let mut file = None;
    for part in parts {
        match part.file_name {
            Some(name) if part.name == "file" && !part.content.is_empty() => {
                file = Some((name, part.content));
            }
            Some(_) => {}
            None => fields.push((
                part.name,
                String::from_utf8_lossy(&part.content).into_owned(),
            )),
        }
    }
    let form = FormData::from_pairs(fields);
    let sent = form.get("csrf_token").unwrap_or_default();
    match user.visitor.session.as_deref() {
        Some(key) if cookies::csrf_ok(key, sent) => Ok((form, file)),
        _ => Err(forgery()),
    }
}

/// The API's body from the form: the file uploaded, or carried back from
/// a dry run's report as base64.
fn request(
    lang: Lang,
    form: &FormData,
    file: Option<File>,
) -> Result<(ImportRequest, String), Vec<FieldError>> {
    let mut errors = Vec::new();
    let (file_name, content_base64) = match (file, form.get("content_base64")) {
        (Some((name, bytes)), _) => (name, STANDARD.encode(bytes)),
        (None, Some(carried)) => (form.raw("file_name").to_owned(), carried.to_owned()),
        (None, None) => {
            errors.push(FieldError::new("file", lang.t("import-choose-file")));
            Default::default()
        }
    };
    let columns = mapping(lang, form.raw("mapping")).unwrap_or_else(|e| {
        errors.push(e);
        Vec::new()
    });
    let code = form.get("organization_code").unwrap_or_default().to_owned();
    if code.is_empty() {
        errors.push(FieldError::new(
            "organization_code",
            lang.t("rule-required"),
        ));
    }
    let atomicity = match form.get("atomicity") {
        Some("row") => Atomicity::Row,
        _ => Atomicity::File,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let kind = match form.get("kind") {
        Some("organizations") => FileKind::Organizations,
        _ => FileKind::Officials,
    };
    let request = ImportRequest {
        kind,
        // the unit's id is read from its code in the caller's transaction
        organization_id: uuid::Uuid::nil().into(),
        file_name,
        content_base64,
        mapping: Some(columns),
        mapping_name: None,
        save_mapping_as: None,
        dry_run: form.get("dry_run") != Some("false"),
        atomicity,
    };
    Ok((request, code))
}

pub async fn submit(
    user: SignedIn,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::EditPersonnel)?;
    let lang = user.lang();
    let (form, file) = upload(&user, &req, &body)?;
    let typed = Typed::from(&form);
    let errors = match request(lang, &form, file) {
        Err(errors) => errors,
        Ok((mut request, code)) => {
            let carried = (request.file_name.clone(), request.content_base64.clone());
            let app = user.visitor.app.clone();
            let unit = app
                .as_caller(&user.caller, scope.clone(), move |ctx| {
                    crate::org::read::read_by_code(ctx, &code)
                        .map_err(|_| AppError::invalid("organization_id", "no such organization"))
                })
                .await;
            let ran = match unit {
                Ok(unit) => {
                    request.organization_id = unit.organization.id;
                    match ImportJob::try_from(request) {
                        Ok(job) => start(app, user.caller.clone(), scope, job).await,
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            match ran {
                Ok(Ran::Finished(view)) if view.dry_run => {
                    let body = report(&user, &view, Some((&typed, carried)));
                    return Ok(user.ok(body));
                }
                // a long file's report page shows its progress
                Ok(Ran::Finished(view) | Ran::Running(view)) => {
                    return Ok(see_other(&format!("/imports/{}", view.id)))
                }
                Err(AppError::Validation(errors)) => errors
                    .into_iter()
                    .map(|e| {
                        let said = form::translate(lang, e);
                        FieldError::new(input_of(&said.field), said.message)
                    })
                    .collect(),
                Err(other) => return Err(user.fail(other)),
            }
        }
    };
    Ok(user.visitor.respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        form_page(&user, &typed, &errors),
    ))
}

pub async fn report_page(
    user: SignedIn,
    id: web::Path<ImportId>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::ReadPersonnel)?;
    let id = id.into_inner();
    let view = user.run(scope, move |ctx| service::get(ctx, id)).await?;
    Ok(user.ok(report(&user, &view, None)))
}

/// The import's counts and findings; after a dry run, the form that
/// imports the same file (`again`: what was typed, and the file).
fn report(user: &SignedIn, view: &ImportView, again: Option<(&Typed, (String, String))>) -> Markup {
    let lang = user.lang();
    let findings: Vec<Finding> = serde_json::from_value(view.report.clone()).unwrap_or_default();
    let counts = [
        ("rows", view.rows_total.to_string()),
        ("created", view.created.to_string()),
        ("updated", view.updated.to_string()),
        ("rejected", view.rejected.to_string()),
    ];
    let outcome = match (view.status, view.dry_run, view.written) {
        (ImportStatus::Running, _, _) => lang.t_with(
            "import-outcome-running",
            &[
                ("done", &view.rows_done.to_string()),
                ("total", &view.rows_total.to_string()),
            ],
        ),
        (ImportStatus::Failed, _, _) => match view.failure {
            Some(why) => format!(
                "{} {}",
                lang.t("import-outcome-failed"),
                lang.t(&format!("import-failure-{why}"))
            ),
            None => lang.t("import-outcome-failed"),
        },
        (_, true, _) => lang.t("import-outcome-dry-run"),
        (_, false, true) => lang.t("import-outcome-written"),
        (_, false, false) => lang.t("import-outcome-refused"),
    };
    let importable =
        view.rows_total > view.rejected && (view.rejected == 0 || view.atomicity == Atomicity::Row);
    let title = lang.t_with("import-report-title", &[("file", &view.file_name)]);
    let running = view.status == ImportStatus::Running;
    let here = format!("/imports/{}", view.id);
    // while it runs, portal.js fetches the page again and updates this part
    // (no reload: focus and reading place stay; decision 0039)
    let body = html! {
        div #import-progress data-follow=[running.then_some(&here)] {
            p.lead role="status" { (outcome) }
            dl.facts {
                @for (key, value) in &counts {
                    dt { (lang.t(&format!("import-count-{key}"))) }
                    dd { (value) }
                }
            }
        }
        @if running {
            p {
                (lang.t("import-follow-note")) " "
                a href=(here) { (lang.t("import-follow-now")) }
            }
            // shown by portal.js, which does the following
            button.button.button--secondary type="button" data-follow-pause aria-pressed="false" hidden {
                (lang.t("import-follow-pause"))
            }
        }
        h2 { (lang.t("import-findings")) }
        @if findings.is_empty() {
            p { (lang.t("import-no-findings")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (lang.t("import-row")) }
                    th scope="col" { (lang.t("import-column")) }
                    th scope="col" { (lang.t("import-severity")) }
                    th scope="col" { (lang.t("import-message")) }
                } }
                tbody {
                    @for f in &findings {
                        tr.finding--error[f.severity == Severity::Error] {
                            td.number { (f.row) }
                            td { (f.column.clone().unwrap_or_default()) }
                            td { (lang.t(&format!("import-severity-{}", f.severity))) }
                            td { (said(lang, f)) }
                        }
                    }
                }
            } }
        }
        @if let Some((typed, (file_name, content))) = again {
            @if importable {
                form method="post" action="/imports/new" enctype="multipart/form-data" {
                    (page::csrf(&user.csrf()))
                    input type="hidden" name="dry_run" value="false";
                    input type="hidden" name="kind" value=(typed.kind);
                    input type="hidden" name="organization_code" value=(typed.organization_code);
                    input type="hidden" name="mapping" value=(typed.mapping);
                    input type="hidden" name="atomicity" value=(typed.atomicity);
                    input type="hidden" name="file_name" value=(file_name);
                    input type="hidden" name="content_base64" value=(content);
                    p { (lang.t(if view.rejected == 0 { "import-ready" } else { "import-ready-rows" })) }
                    div.actions {
                        button.button type="submit" { (lang.t("import-run")) }
                        a href="/imports/new" { (lang.t("cancel")) }
                    }
                }
            } @else {
                p { (lang.t("import-fix-first")) " " a href="/imports/new" { (lang.t("import-again")) } }
            }
        }
    };
    page::signed_in_page(user, Nav::Reports, &title, body)
}

/// A finding in the user's words: the import's own messages, then the
/// profile rules the forms know, keeping a quoted cell value.
fn said(lang: Lang, finding: &Finding) -> String {
    const OWN: [(&str, &str); 10] = [
        (
            "not mapped: the column is ignored",
            "import-said-not-mapped",
        ),
        ("lost its leading zeros", "import-said-leading-zeros"),
        ("read as a spreadsheet day number", "import-said-day-number"),
        ("is not a date", "import-said-not-a-date"),
        ("must hold digits only", "import-said-digits"),
        ("must be a whole number", "import-said-whole"),
        ("must be a number", "import-said-number"),
        ("must be a whole percent", "import-said-percent"),
        ("only without diacritics", "import-said-without-diacritics"),
        ("is neither a code nor a name", "import-said-not-in-catalog"),
    ];
    let message = &finding.message;
    let key = OWN
        .iter()
        .find(|(fragment, _)| message.contains(fragment))
        .map(|(_, key)| *key)
        .or_else(|| {
            [
                ("must be Nam or Nữ", "import-said-sex"),
                ("must be Cán bộ", "import-said-classification"),
                (
                    "not the code of an organization",
                    "import-said-organization",
                ),
                ("is required", "rule-required"),
            ]
            .into_iter()
            .find(|(fragment, _)| message.contains(fragment))
            .map(|(_, key)| key)
        });
    // the date a day number was read as is the message's last words
    let value = match key {
        Some("import-said-day-number") => message.rsplit(": ").next(),
        _ => quoted(message),
    };
    match key {
        Some(key) => match value {
            Some(value) => format!("{} (“{value}”)", lang.t(key)),
            None => lang.t(key),
        },
        None => form::translate(lang, FieldError::new("", message.clone())).message,
    }
}

/// The cell value a message quotes (`"31/02/1980" is not a date`).
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('"')? + 1;
    let end = message[start..].find('"')? + start;
    Some(&message[start..end])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_is_one_heading_and_field_a_line() {
        let read = mapping(
            Lang::Vi,
            "Họ và tên = full_name\n\n  Số = ĐDCN = personal_identification_code ",
        )
        .unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[1].column, "Số = ĐDCN");
        assert_eq!(read[1].field, "personal_identification_code");
        assert_eq!(mapping(Lang::Vi, "Họ và tên").unwrap_err().field, "mapping");
        assert_eq!(input_of("mapping[3].column"), "mapping");
        assert_eq!(input_of("content_base64"), "file");
    }

    #[test]
    fn findings_are_said_in_the_users_words_keeping_the_cell() {
        let finding = Finding {
            row: 5,
            column: Some("Ngày sinh".into()),
            severity: Severity::Error,
            message: "\"31/02/1980\" is not a date (dd/mm/yyyy or yyyy-mm-dd)".into(),
        };
        let shown = said(Lang::Vi, &finding);
        assert!(
            shown.starts_with(&Lang::Vi.t("import-said-not-a-date")),
            "{shown}"
        );
        assert!(shown.contains("31/02/1980"));
        for lang in Lang::ALL {
            for a in ATOMICITIES {
                assert!(lang.has(&format!("import-atomicity-{a}")));
            }
            for s in Severity::ALL {
                assert!(lang.has(&format!("import-severity-{s}")));
            }
        }
    }
}

//! "My tasks": the tasks given to the caller, one task with its reports,
//! and the forms that report progress and complete it. The tasks service
//! checks the version (the API's If-Match), decides and audits.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde_json::Value;

use super::browser::{FormData, Posted, SignedIn};
use super::error::{see_other, PortalError};
use super::form::{self, integer, optional, text, Shown, Spec};
use super::format;
use super::i18n::Lang;
use super::page::{self, Nav};
use crate::auth::caller::Permission;
use crate::error::{AppError, FieldError};
use crate::groupware::tasks::input::{ListQuery, Report, TaskFilter};
use crate::groupware::tasks::model::{ReportRow, TaskView};
use crate::groupware::tasks::service;
use crate::http::route_table::RouteTable;
use crate::ids::TaskId;

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/tasks", |r| r.get(mine))
        .resource("/tasks/{id}", |r| r.get(task))
        .resource("/tasks/{id}/report", |r| r.post(report))
        .resource("/tasks/{id}/complete", |r| r.post(complete));
}

const WORDS: &str = "task-field";

const REPORT: &[Spec] = &[integer("progress"), optional(text("note"))];

fn word(lang: Lang, prefix: &str, value: impl std::fmt::Display) -> String {
    lang.t(&format!("{prefix}-{value}"))
}

/// The caller's tasks, soonest deadline first as the service lists them.
pub async fn mine(user: SignedIn) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::UseGroupware)?;
    let filter = TaskFilter::try_from(ListQuery {
        assignee_id: Some(user.caller.user_id.to_string()),
        ..ListQuery::default()
    })
    .map_err(|e| user.fail(e))?;
    let page = user
        .run(scope, move |ctx| service::list(ctx, filter))
        .await?;
    let body = html! {
        @if page.items.is_empty() {
            p { (lang.t("task-none")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (lang.t("task-title-column")) }
                    th scope="col" { (lang.t("task-deadline")) }
                    th scope="col" { (lang.t("task-field-progress")) }
                    th scope="col" { (lang.t("task-status")) }
                } }
                tbody {
                    @for t in &page.items {
                        tr {
                            th scope="row" { a href=(format!("/tasks/{}", t.id)) { (t.title) } }
                            td { (format::maybe_date(t.deadline)) }
                            td { (t.progress) "%" }
                            td {
                                (word(lang, "task-status", t.status))
                                @if t.overdue { " — " strong { (lang.t("gw-overdue")) } }
                            }
                        }
                    }
                }
            } }
        }
    };
    let title = lang.t("task-mine");
    Ok(user.ok(page::signed_in_page(&user, Nav::Groupware, &title, body)))
}

fn task_id(user: &SignedIn, raw: &str) -> Result<TaskId, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "task" }))
}

async fn load(user: &SignedIn, id: TaskId) -> Result<(TaskView, Vec<ReportRow>), PortalError> {
    let scope = user.require(Permission::UseGroupware)?;
    user.run(scope, move |ctx| {
        Ok((service::view(ctx, id)?, service::reports(ctx, id)?))
    })
    .await
}

fn task_page(
    user: &SignedIn,
    (task, reports): &(TaskView, Vec<ReportRow>),
    shown: &Shown,
    notice: Option<&str>,
) -> Markup {
    let lang = user.lang();
    let open = matches!(task.status.as_str(), "open" | "in_progress");
    let body = html! {
        @if let Some(notice) = notice { (form::notice(notice)) }
        dl.facts {
            dt { (lang.t("task-deadline")) } dd { (format::maybe_date(task.deadline)) }
            dt { (lang.t("task-status")) } dd {
                (word(lang, "task-status", task.status))
                @if task.overdue { " — " strong { (lang.t("gw-overdue")) } }
            }
            dt { (lang.t("task-field-progress")) } dd { (task.progress) "%" }
            @if let Some(done) = task.completed_on {
                dt { (lang.t("task-completed-on")) } dd { (format::date(done)) }
            }
            @if let Some(description) = &task.description {
                dt { (lang.t("task-description")) } dd { (description) }
            }
        }
        h2 { (lang.t("task-reports")) }
        ol.history {
            @for r in reports {
                li {
                    (format::date_time(r.recorded_at)) ": " (r.progress) "% — "
                    (word(lang, "task-status", r.status))
                    @if let Some(note) = &r.note { " (" (note) ")" }
                }
            }
        }
        @if open {
            h2 { (lang.t("task-report")) }
            (form::render(user, shown))
            form method="post" action=(format!("/tasks/{}/complete", task.id)) {
                (page::csrf(&user.csrf()))
                input type="hidden" name="version" value=(task.version);
                button.button.button--secondary type="submit" { (lang.t("task-complete")) }
            }
        }
        p { a href="/tasks" { (lang.t("task-mine")) } }
    };
    page::signed_in_page(user, Nav::Groupware, &task.title, body)
}

fn blank(lang: Lang, task: &TaskView) -> Shown<'static> {
    let mut shown = Shown::blank(
        format!("/tasks/{}/report", task.id),
        (WORDS, REPORT),
        lang.t("task-report"),
    );
    shown.hidden = vec![("version", task.version.to_string())];
    shown
}

pub async fn task(user: SignedIn, id: web::Path<String>) -> Result<HttpResponse, PortalError> {
    let id = task_id(&user, &id)?;
    let loaded = load(&user, id).await?;
    let shown = blank(user.lang(), &loaded.0);
    Ok(user.ok(task_page(&user, &loaded, &shown, None)))
}

pub async fn report(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let id = task_id(&user, &id)?;
    let values = form::read(user.lang(), REPORT, &form);
    send(user, id, &form, values.map(Value::Object)).await
}

/// Completion is a report of 100%.
pub async fn complete(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let id = task_id(&user, &id)?;
    send(user, id, &form, Ok(serde_json::json!({"progress": 100}))).await
}

async fn send(
    user: SignedIn,
    id: TaskId,
    form: &FormData,
    body: Result<Value, Vec<FieldError>>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let expected = form::version(&user, form)?;
    let refused = match body {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok(body) => {
            let scope = user.require(Permission::UseGroupware)?;
            let sent = user
                .visitor
                .app
                .as_caller(&user.caller, scope, move |ctx| {
                    let report: Report = serde_json::from_value(body)
                        .map_err(|e| AppError::BadRequest(e.to_string()))?;
                    service::report(ctx, id, expected, report)
                })
                .await;
            match sent {
                Ok(_) => return Ok(see_other(&format!("/tasks/{id}"))),
                Err(error) => form::refusal(lang, error).map_err(|e| user.fail(e))?,
            }
        }
    };
    let (status, errors, notice) = refused;
    let loaded = load(&user, id).await?;
    let shown = blank(lang, &loaded.0).again(form, errors);
    Ok(user
        .visitor
        .respond(status, task_page(&user, &loaded, &shown, notice.as_deref())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groupware::tasks::model::TaskStatus;

    #[test]
    fn every_status_and_input_has_its_words() {
        for lang in Lang::ALL {
            for spec in REPORT {
                assert!(
                    lang.has(&form::label_key(WORDS, spec.name)),
                    "{}",
                    spec.name
                );
            }
            for s in TaskStatus::ALL {
                assert!(lang.has(&format!("task-status-{s}")), "{s}");
            }
        }
    }
}

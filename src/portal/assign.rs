//! Giving a registered document to the people who handle it: one leads
//! (chủ trì), others assist (phối hợp). Colleagues are found by name in
//! the groupware's directory; the page posts the API's
//! `POST /groupware/documents/{id}/assignment` body at the version shown.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};

use super::browser::{FormData, Posted, SignedIn};
use super::error::{see_other, PortalError};
use super::form::{self, date, optional, text, Shown, Spec};
use super::page::{self, Field, Kind, Nav};
use crate::auth::caller::Permission;
use crate::context::Scope;
use crate::error::{AppError, FieldError};
use crate::groupware::correspondence::model::{DocumentView, Status};
use crate::groupware::correspondence::service;
use crate::groupware::people::model::{PeopleFilter, Person};
use crate::groupware::people::service as people;
use crate::http::route_table::RouteTable;
use crate::ids::{DocumentId, UserId};
use crate::pagination::Limit;

pub fn configure(table: &mut RouteTable) {
    table.resource("/documents/{id}/assign", |r| {
        r.get(assign_form).post(assign)
    });
}

const WORDS: &str = "gw-field";
const DETAILS: &[Spec] = &[optional(date("handling_deadline")), optional(text("note"))];
/// Enough for a unit's staff; a narrower name finds the rest.
const FOUND: i64 = 30;

#[derive(Debug, Default, Deserialize)]
pub struct FindQuery {
    q: Option<String>,
}

/// Who the page offers: those assigned now, then those the name finds.
struct Candidates {
    assigned: Vec<(Person, bool)>,
    found: Vec<Person>,
}

fn document_id(user: &SignedIn, raw: &str) -> Result<DocumentId, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "document" }))
}

async fn candidates(
    user: &SignedIn,
    scope: Scope,
    (id, q): (DocumentId, Option<String>),
) -> Result<(DocumentView, Candidates), PortalError> {
    user.run(scope, move |ctx| {
        let view = service::view(ctx, id)?;
        let ids: Vec<UserId> = view.assignees.iter().map(|a| a.user_id).collect();
        let assigned = people::named(ctx, &ids)?
            .into_iter()
            .map(|p| {
                let lead = view.assignees.iter().any(|a| a.user_id == p.id && a.lead);
                (p, lead)
            })
            .collect::<Vec<_>>();
        let found = match q.as_deref().map(crate::text::fold) {
            Some(words) if !words.is_empty() => {
                let filter = PeopleFilter {
                    words,
                    limit: Limit(FOUND),
                    after: None,
                };
                people::people(ctx, filter)?
                    .items
                    .into_iter()
                    .filter(|p| !ids.contains(&p.id))
                    .collect()
            }
            _ => Vec::new(),
        };
        Ok((view, Candidates { assigned, found }))
    })
    .await
}

pub async fn assign_form(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<FindQuery>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::UseGroupware)?;
    let id = document_id(&user, &id)?;
    let q = query.into_inner().q;
    let (view, found) = candidates(&user, scope, (id, q.clone())).await?;
    Ok(user.ok(assign_page(&user, (&view, &found), q.as_deref(), None)))
}

/// The assignees as the API's body takes them, or what is wrong.
fn assignees(lang: super::i18n::Lang, form: &FormData) -> Result<Value, FieldError> {
    let lead: Option<UserId> = form.get("lead").and_then(|v| v.parse().ok());
    let Some(lead) = lead else {
        return Err(FieldError::new(
            "assignees",
            lang.t("gw-assign-choose-lead"),
        ));
    };
    let mut all = vec![json!({"user_id": lead, "lead": true})];
    for raw in form.suffixes("support-") {
        let id: UserId = raw
            .parse()
            .map_err(|_| FieldError::new("assignees", lang.t("rule-choose")))?;
        if id != lead {
            all.push(json!({"user_id": id, "lead": false}));
        }
    }
    Ok(Value::Array(all))
}

pub async fn assign(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::UseGroupware)?;
    let lang = user.lang();
    let id = document_id(&user, &id)?;
    let version = form::version(&user, &form)?;
    let read = form::read(lang, DETAILS, &form);
    let (status, errors, notice) = match (read, assignees(lang, &form)) {
        (Ok(mut values), Ok(assignees)) => {
            values.insert("assignees".into(), assignees);
            let saved = user
                .visitor
                .app
                .as_caller(&user.caller, scope.clone(), move |ctx| {
                    service::assign(ctx, id, version, form::body(values)?)
                })
                .await;
            match saved {
                Ok(_) => return Ok(see_other(&format!("/documents/{id}?changed=1"))),
                Err(error) => form::refusal(lang, error).map_err(|e| user.fail(e))?,
            }
        }
        (read, people) => {
            let mut errors = read.err().unwrap_or_default();
            errors.extend(people.err());
            (StatusCode::UNPROCESSABLE_ENTITY, errors, None)
        }
    };
    let q = form.get("q").map(str::to_owned);
    let (view, found) = candidates(&user, scope, (id, q.clone())).await?;
    let refused = Some((&form, errors, notice));
    let markup = assign_page(&user, (&view, &found), q.as_deref(), refused);
    Ok(user.visitor.respond(status, markup))
}

fn assign_page(
    user: &SignedIn,
    (view, candidates): (&DocumentView, &Candidates),
    q: Option<&str>,
    refused: Option<(&FormData, Vec<FieldError>, Option<String>)>,
) -> Markup {
    let lang = user.lang();
    let id = view.id;
    let (notice, form, errors) = match refused {
        Some((form, errors, notice)) => (notice, Some(form), errors),
        None => (None, None, Vec::new()),
    };
    let people_error = errors
        .iter()
        .find(|e| e.field == "assignees")
        .map(|e| e.message.clone());
    let mut details = Shown::blank(String::new(), (WORDS, DETAILS), String::new());
    if let Some(form) = form {
        details = details.again(form, errors.clone());
    } else if let Some(deadline) = view.handling_deadline {
        details.values = vec![super::format::date(deadline), String::new()];
    }
    let search = Field {
        hint: Some(lang.t("gw-assign-find-hint")),
        ..Field::new(
            "q",
            lang.t("gw-assign-find"),
            q.unwrap_or_default(),
            Kind::Text,
        )
    };
    let body = html! {
        @if let Some(notice) = &notice { (form::notice(notice)) }
        (form::summary(lang, &details))
        p.lead { (view.registration_label) "/" (view.year) " — " (view.subject) }
        @if view.status == Status::Done {
            p { (lang.t("gw-assign-done")) }
        } @else {
            form.filters method="get" action=(format!("/documents/{id}/assign")) role="search" {
                (page::field(lang, &search))
                div.actions { button.button.button--secondary type="submit" { (lang.t("search-submit")) } }
            }
            form method="post" action=(format!("/documents/{id}/assign")) {
                (page::csrf(&user.csrf()))
                input type="hidden" name="version" value=(view.version);
                input type="hidden" name="q" value=(q.unwrap_or_default());
                (people_table(user, candidates, people_error.as_deref()))
                (form::fields(lang, &details))
                div.actions {
                    button.button type="submit" { (lang.t("gw-assign")) }
                    a href=(format!("/documents/{id}")) { (lang.t("cancel")) }
                }
            }
        }
    };
    page::signed_in_page(user, Nav::Groupware, &lang.t("gw-assign"), body)
}

/// One row a person: lead (one of all, a radio) or assists (a box).
fn people_table(user: &SignedIn, candidates: &Candidates, error: Option<&str>) -> Markup {
    let lang = user.lang();
    let rows = candidates
        .assigned
        .iter()
        .map(|(p, lead)| (p, *lead, true))
        .chain(candidates.found.iter().map(|p| (p, false, false)));
    html! {
        fieldset.field.field--error[error.is_some()] id="f-assignees" aria-describedby=[error.map(|_| "f-assignees-error")] {
            legend { (lang.t("gw-assign-people")) }
            @if let Some(error) = error {
                p.field-error id="f-assignees-error" {
                    span.visually-hidden { (lang.t("error-prefix")) " " }
                    (error)
                }
            }
            @if candidates.assigned.is_empty() && candidates.found.is_empty() {
                p.hint { (lang.t("gw-assign-nobody")) }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (lang.t("gw-assign-person")) }
                        th scope="col" { (lang.t("gw-assign-lead")) }
                        th scope="col" { (lang.t("gw-assign-support")) }
                    } }
                    tbody {
                        @for (person, lead, assigned) in rows {
                            tr {
                                th scope="row" id=(format!("p-{}", person.id)) {
                                    (person.display_name) " (" (person.username) ")"
                                }
                                td { input type="radio" name="lead" value=(person.id) checked[lead]
                                    aria-label=(format!("{} — {}", lang.t("gw-assign-lead"), person.display_name)); }
                                td { input type="checkbox" name=(format!("support-{}", person.id)) checked[assigned && !lead]
                                    aria-label=(format!("{} — {}", lang.t("gw-assign-support"), person.display_name)); }
                            }
                        }
                    }
                } }
            }
        }
    }
}

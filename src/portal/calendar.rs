//! The work calendar (issue 14 over the groupware issue): the caller's
//! occurrences for a week, Monday to Sunday, in Vietnam's time; the form
//! that puts an event in a unit's calendar or one's own; an event's page
//! with the invitee's answer. The calendar service decides scope, times,
//! who answers and audits, as for `/api/v1/groupware/events`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::browser::{FormData, Posted, SignedIn};
use super::error::{see_other, PortalError};
use super::form::{self, choice, date, optional, text, yes_no, Shown, Spec};
use super::format;
use super::i18n::Lang;
use super::page::{self, Nav};
use super::people;
use super::rooms::{hours, times, VIETNAM};
use crate::auth::caller::Permission;
use crate::context::Scope;
use crate::error::{AppError, FieldError};
use crate::groupware::calendar::input::{NewEvent, Window};
use crate::groupware::calendar::model::{Answer, AnswerRequest, EventView, Occurrence};
use crate::groupware::calendar::service;
use crate::http::route_table::RouteTable;
use crate::ids::EventId;

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/calendar", |r| r.get(week))
        .resource("/calendar/new", |r| r.get(new_form).post(create))
        .resource("/calendar/events/{id}", |r| r.get(event))
        .resource("/calendar/events/{id}/answer", |r| r.post(answer));
}

const WORDS: &str = "cal-field";

/// The event: the API's body, the unit typed by its code and the times as
/// a day and hours, the invitees by name or username (`super::people`).
const CREATE: &[Spec] = &[
    text("organization_code"),
    optional(yes_no("personal")),
    text("title"),
    optional(text("location")),
    date("day"),
    text("starts"),
    text("ends"),
    optional(text("invitees")),
];

const ANSWERS: [&str; 3] = ["accepted", "tentative", "declined"];
const ANSWER: &[Spec] = &[choice("answer", &ANSWERS, "cal-answer")];

fn said(lang: Lang, answer: Answer) -> String {
    lang.t(&format!("cal-answer-{answer}"))
}

/// The Monday of the week holding `day`.
fn monday(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// Midnight of `day` in Vietnam's time.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    VIETNAM
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// Whether the occurrence takes place on `day`, in Vietnam's time.
fn on(o: &Occurrence, day: NaiveDate) -> bool {
    o.starts_at < midnight(day + Duration::days(1)) && o.ends_at > midnight(day)
}

/// `?week=YYYY-MM-DD` (or dd/mm/yyyy): any day of the week shown.
#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    week: Option<String>,
}

/// A week's occurrences with the caller's answers.
struct Week {
    monday: NaiveDate,
    items: Vec<(Occurrence, Option<Answer>)>,
}

pub async fn week(
    user: SignedIn,
    query: web::Query<WeekQuery>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::UseGroupware)?;
    let asked = query
        .week
        .as_deref()
        .and_then(|w| format::parse_date(w).ok().flatten());
    let week = user
        .run(scope, move |ctx| {
            let monday = monday(asked.unwrap_or(ctx.today));
            let window = Window {
                from: midnight(monday),
                until: midnight(monday + Duration::days(7)),
                calendar_id: None,
            };
            let found = service::occurrences(ctx, window)?;
            let ids: Vec<EventId> = found.iter().map(|o| o.event_id).collect();
            let answers = service::my_answers(ctx, &ids)?;
            let items = found
                .into_iter()
                .map(|o| {
                    let mine = answers.iter().find(|(id, _)| *id == o.event_id);
                    let answer = mine.map(|(_, a)| *a);
                    (o, answer)
                })
                .collect();
            Ok(Week { monday, items })
        })
        .await?;
    let body = week_body(&user, &week);
    let title = lang.t("cal-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Groupware, &title, body)))
}

fn week_body(user: &SignedIn, week: &Week) -> Markup {
    let lang = user.lang();
    let link = |day: NaiveDate| format!("/calendar?week={day}");
    let sunday = week.monday + Duration::days(6);
    html! {
        p.lead { (lang.t_with("cal-week", &[("from", &format::date(week.monday)), ("until", &format::date(sunday))])) }
        p.actions {
            a href=(link(week.monday - Duration::days(7))) { (lang.t("cal-previous")) }
            " "
            a href=(link(week.monday + Duration::days(7))) { (lang.t("cal-next")) }
            " "
            a.button href="/calendar/new" { (lang.t("cal-new")) }
        }
        @for n in 0..7 {
            @let day = week.monday + Duration::days(n);
            h2 { (lang.t(&format!("cal-weekday-{}", n + 1))) " " (format::date(day)) }
            @let items: Vec<_> = week.items.iter().filter(|(o, _)| on(o, day)).collect();
            @if items.is_empty() {
                p { (lang.t("cal-none")) }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (lang.t("cal-time")) }
                        th scope="col" { (lang.t("cal-field-title")) }
                        th scope="col" { (lang.t("cal-field-location")) }
                        th scope="col" { (lang.t("cal-your-answer")) }
                    } }
                    tbody {
                        @for (o, answer) in items {
                            tr {
                                td { (hours(o.starts_at)) " – " (hours(o.ends_at)) }
                                th scope="row" { a href=(format!("/calendar/events/{}", o.event_id)) { (o.title) } }
                                td { (o.location.clone().unwrap_or_default()) }
                                td { (answer.map(|a| said(lang, a)).unwrap_or_default()) }
                            }
                        }
                    }
                } }
            }
        }
        h2 { (lang.t("cal-subscribe")) }
        @let ics = format!("/api/v1/groupware/calendars/{}.ics", user.caller.user_id);
        p { a href=(ics) { (ics) } }
        p.hint { (lang.t("cal-subscribe-hint")) }
    }
}

fn new_page(user: &SignedIn, shown: &Shown) -> Markup {
    let lang = user.lang();
    let body = html! {
        p.lead { (lang.t("cal-new-lead")) }
        p.hint { (lang.t("room-time-hint")) }
        (form::render(user, shown))
    };
    page::signed_in_page(user, Nav::Groupware, &lang.t("cal-new"), body)
}

fn blank(lang: Lang) -> Shown<'static> {
    let mut shown = Shown::blank("/calendar/new".into(), (WORDS, CREATE), lang.t("cal-new"));
    shown.cancel = Some("/calendar".into());
    shown
}

pub async fn new_form(user: SignedIn) -> Result<HttpResponse, PortalError> {
    user.require(Permission::UseGroupware)?;
    Ok(user.ok(new_page(&user, &blank(user.lang()))))
}

/// The service's field beside the form's: its times are the hours typed.
fn beside(lang: Lang, error: FieldError) -> FieldError {
    let error = form::translate(lang, error);
    let field = match error.field.as_str() {
        "starts_at" => "starts",
        "ends_at" => "ends",
        other => other,
    };
    FieldError::new(field, error.message)
}

pub async fn create(posted: Posted<SignedIn>) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::UseGroupware)?;
    let lang = user.lang();
    let read = form::read(lang, CREATE, &form)
        .and_then(|mut values| times(lang, &mut values).map(|()| values));
    let typed = form.get("invitees").unwrap_or_default().to_owned();
    let named = user
        .run(scope.clone(), move |ctx| people::look_up(ctx, &typed))
        .await?;
    let errors = match (read, people::chosen(lang, "invitees", named)) {
        (Err(mut errors), invitees) => {
            errors.extend(invitees.err());
            errors
        }
        (Ok(_), Err(error)) => vec![error],
        (Ok(mut values), Ok(invitees)) => {
            values.remove("invitees");
            values.insert("invitee_ids".into(), serde_json::json!(invitees));
            let made = user
                .visitor
                .app
                .as_caller(&user.caller, scope, move |ctx| {
                    super::groupware::unit_by_code(ctx, &mut values)?;
                    let body: NewEvent = form::body(values)?;
                    service::create(ctx, body)
                })
                .await;
            match made {
                Ok(view) => return Ok(see_other(&format!("/calendar/events/{}?made=1", view.id))),
                Err(AppError::Validation(errors)) => {
                    errors.into_iter().map(|e| beside(lang, e)).collect()
                }
                Err(other) => return Err(user.fail(other)),
            }
        }
    };
    let shown = blank(lang).again(&form, errors);
    Ok(user
        .visitor
        .respond(StatusCode::UNPROCESSABLE_ENTITY, new_page(&user, &shown)))
}

/// `?made=1` or `?answered=1` after the forms.
#[derive(Debug, Default, Deserialize)]
pub struct EventQuery {
    made: Option<String>,
    answered: Option<String>,
}

fn event_id(user: &SignedIn, raw: &str) -> Result<EventId, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "event" }))
}

/// The event and its invitees' names.
async fn read(
    user: &SignedIn,
    scope: Scope,
    id: EventId,
) -> Result<(EventView, Vec<String>), PortalError> {
    user.run(scope, move |ctx| {
        let view = service::view(ctx, id)?;
        let ids: Vec<_> = view.invitees.iter().map(|i| i.user_id).collect();
        let invitees = people::names(ctx, &ids)?;
        Ok((view, invitees))
    })
    .await
}

fn event_page(
    user: &SignedIn,
    (view, invitees): (&EventView, &[String]),
    ok: Option<&str>,
    refused: Option<(&FormData, Vec<FieldError>)>,
) -> Markup {
    let lang = user.lang();
    let mine = view
        .invitees
        .iter()
        .find(|i| i.user_id == user.caller.user_id);
    let mut shown = Shown::blank(
        format!("/calendar/events/{}/answer", view.id),
        (WORDS, ANSWER),
        lang.t("cal-answer"),
    );
    if let Some((form, errors)) = refused {
        shown = shown.again(form, errors);
    }
    let body = html! {
        @if let Some(ok) = ok {
            div.notice.notice--ok role="status" { p { (lang.t(ok)) } }
        }
        dl.facts {
            dt { (lang.t("cal-time")) } dd { (format::date_time(view.starts_at)) " – " (format::date_time(view.ends_at)) }
            @if let Some(place) = &view.location {
                dt { (lang.t("cal-field-location")) } dd { (place) }
            }
            @if let Some(about) = &view.description {
                dt { (lang.t("cal-description")) } dd { (about) }
            }
            @if view.recurrence.is_some() {
                dt { (lang.t("cal-recurring")) } dd { (lang.t("choose-yes")) }
            }
            dt { (lang.t("cal-invitees")) } dd { (invitees.join(", ")) }
            @if let Some(mine) = mine {
                dt { (lang.t("cal-your-answer")) } dd { (said(lang, mine.answer)) }
            }
        }
        @if mine.is_some() {
            h2 { (lang.t("cal-answer")) }
            (form::render(user, &shown))
        }
        p { a href=(format!("/calendar?week={}", view.starts_at.with_timezone(&VIETNAM).date_naive())) { (lang.t("cal-title")) } }
    };
    page::signed_in_page(user, Nav::Groupware, &view.title, body)
}

pub async fn event(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<EventQuery>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::UseGroupware)?;
    let id = event_id(&user, &id)?;
    let (view, invitees) = read(&user, scope, id).await?;
    let ok = match (&query.made, &query.answered) {
        (Some(_), _) => Some("cal-made"),
        (_, Some(_)) => Some("cal-answered"),
        _ => None,
    };
    Ok(user.ok(event_page(&user, (&view, &invitees), ok, None)))
}

/// The invitee's answer: the API's `POST /groupware/events/{id}/answer`.
pub async fn answer(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::UseGroupware)?;
    let lang = user.lang();
    let id = event_id(&user, &id)?;
    let errors = match form::read(lang, ANSWER, &form) {
        Err(errors) => errors,
        Ok(values) => {
            user.run(scope.clone(), move |ctx| {
                let body: AnswerRequest = form::body(values)?;
                service::answer(ctx, id, body.answer)
            })
            .await?;
            return Ok(see_other(&format!("/calendar/events/{id}?answered=1")));
        }
    };
    let (view, invitees) = read(&user, scope, id).await?;
    Ok(user.visitor.respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        event_page(&user, (&view, &invitees), None, Some((&form, errors))),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_and_answer_has_its_words() {
        for lang in Lang::ALL {
            for spec in CREATE.iter().chain(ANSWER) {
                assert!(
                    lang.has(&form::label_key(WORDS, spec.name)),
                    "{}",
                    spec.name
                );
            }
            for answer in Answer::ALL {
                assert!(lang.has(&format!("cal-answer-{answer}")), "{answer}");
            }
            for n in 1..=7 {
                assert!(lang.has(&format!("cal-weekday-{n}")), "{n}");
            }
        }
    }

    #[test]
    fn weeks_run_monday_to_sunday_in_vietnams_time() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        assert_eq!(monday(day(29)), day(23));
        assert_eq!(monday(day(23)), day(23));
        assert_eq!(midnight(day(23)).to_rfc3339(), "2026-11-22T17:00:00+00:00");
    }
}

//! Meeting rooms: which are free for a time, and the booking form. A clash
//! is refused by the rooms service (and the database's exclusion
//! constraint) as for the API; the form then names the booking that holds
//! the room. Times are typed as a day (dd/mm/yyyy) and hours (HH:MM) in
//! Vietnam's time (UTC+7).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::browser::{FormData, Posted, SignedIn};
use super::error::{see_other, PortalError};
use super::form::{self, date, integer, text, Shown, Spec};
use super::format::{self, given};
use super::i18n::Lang;
use super::page::{self, Field, Kind, Nav};
use crate::auth::caller::Permission;
use crate::error::{AppError, FieldError};
use crate::groupware::rooms::input::{NewBooking, RoomFilter, Window};
use crate::groupware::rooms::model::{BookingRow, BookingStatus, RoomView};
use crate::groupware::rooms::service;
use crate::http::route_table::RouteTable;
use crate::ids::{BookingId, RoomId};

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/rooms", |r| r.get(rooms))
        .resource("/rooms/{id}/book", |r| r.get(booking_form).post(book))
        .resource("/bookings/{id}", |r| r.get(booking_view))
        .resource("/bookings/{id}/cancel", |r| r.post(cancel));
}

const WORDS: &str = "room-field";

/// The booking form: the API's body with its times typed as a day and hours.
const BOOK: &[Spec] = &[
    text("title"),
    integer("attendees"),
    date("day"),
    text("starts"),
    text("ends"),
];

/// Vietnam's time (UTC+7, no summer time); checked when compiled.
pub(super) const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+7 is a valid offset"),
};

/// A day and `HH:MM` in Vietnam's time, as a UTC instant.
pub(super) fn instant(day: NaiveDate, time: &str) -> Option<DateTime<Utc>> {
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    VIETNAM
        .from_local_datetime(&day.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// `13:05`, in Vietnam's time.
pub(super) fn hours(at: DateTime<Utc>) -> String {
    at.with_timezone(&VIETNAM).format("%H:%M").to_string()
}

/// The search form as sent.
#[derive(Debug, Default, Deserialize)]
pub struct FreeForm {
    day: Option<String>,
    starts: Option<String>,
    ends: Option<String>,
    capacity: Option<String>,
}

/// The window asked for, or the fields that could not be read.
fn window(lang: Lang, form: &FreeForm) -> Result<Option<Window>, Vec<FieldError>> {
    let Some(typed_day) = given(&form.day) else {
        return Ok(None);
    };
    let day = match format::parse_date(&typed_day) {
        Ok(Some(day)) => day,
        _ => return Err(vec![FieldError::new("day", lang.t("invalid-date"))]),
    };
    let at = |name: &'static str, typed: &Option<String>| {
        instant(day, typed.as_deref().unwrap_or_default())
            .ok_or_else(|| FieldError::new(name, lang.t("invalid-time")))
    };
    let (from, until) = (at("starts", &form.starts), at("ends", &form.ends));
    match (from, until) {
        (Ok(from), Ok(until)) if until > from => Ok(Some(Window { from, until })),
        (Ok(_), Ok(_)) => Err(vec![FieldError::new(
            "ends",
            lang.t("rule-ends-after-starts"),
        )]),
        (from, until) => Err([from.err(), until.err()].into_iter().flatten().collect()),
    }
}

/// Rooms, those free for the window asked for, with a link to book each.
pub async fn rooms(
    user: SignedIn,
    query: web::Query<FreeForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::UseGroupware)?;
    let form = query.into_inner();
    let capacity = given(&form.capacity).and_then(|c| c.parse().ok());
    let (free, errors) = match window(lang, &form) {
        Ok(free) => (free, Vec::new()),
        Err(errors) => (None, errors),
    };
    let filter = RoomFilter {
        capacity,
        free,
        ..RoomFilter::default()
    };
    let found = user
        .run(scope, move |ctx| service::rooms(ctx, filter))
        .await?;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let fields = [
        Field {
            error: error_of("day"),
            ..Field::new(
                "day",
                lang.t("room-field-day"),
                value(&form.day),
                Kind::Date,
            )
        },
        Field {
            error: error_of("starts"),
            ..Field::new(
                "starts",
                lang.t("room-field-starts"),
                value(&form.starts),
                Kind::Text,
            )
        },
        Field {
            error: error_of("ends"),
            ..Field::new(
                "ends",
                lang.t("room-field-ends"),
                value(&form.ends),
                Kind::Text,
            )
        },
        Field::new(
            "capacity",
            lang.t("room-capacity"),
            value(&form.capacity),
            Kind::Number,
        ),
    ];
    let body = html! {
        form.filters method="get" action="/rooms" role="search" {
            @for field in &fields { (page::field(lang, field)) }
            div.actions { button.button type="submit" { (lang.t("room-find-free")) } }
        }
        @if free.is_some() { p { (lang.t("room-free-shown")) } }
        (table(lang, &found))
    };
    let title = lang.t("room-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Groupware, &title, body)))
}

fn table(lang: Lang, rooms: &[RoomView]) -> Markup {
    html! {
        @if rooms.is_empty() {
            p { (lang.t("room-none")) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("room-name")) }
                        th scope="col" { (lang.t("room-location")) }
                        th scope="col" { (lang.t("room-capacity")) }
                        th scope="col" { (lang.t("room-book")) }
                    } }
                    tbody {
                        @for room in rooms {
                            tr {
                                th scope="row" { (room.name) }
                                td { (room.location.clone().unwrap_or_default()) }
                                td { (room.capacity) }
                                td { a href=(format!("/rooms/{}/book", room.id)) { (lang.t("room-book")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn room_id(user: &SignedIn, raw: &str) -> Result<RoomId, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "room" }))
}

/// The room, among those the caller may see.
async fn room(user: &SignedIn, id: RoomId) -> Result<RoomView, PortalError> {
    let scope = user.require(Permission::UseGroupware)?;
    let rooms = user
        .run(scope, |ctx| service::rooms(ctx, RoomFilter::default()))
        .await?;
    rooms
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| user.fail(AppError::NotFound { entity: "room" }))
}

fn booking_page(user: &SignedIn, room: &RoomView, shown: &Shown, notice: Option<&str>) -> Markup {
    let lang = user.lang();
    let body = html! {
        @if let Some(notice) = notice { (form::notice(notice)) }
        p.lead { (room.name) " — " (lang.t_with("room-seats", &[("count", &room.capacity.to_string())])) }
        p.hint { (lang.t("room-time-hint")) }
        (form::render(user, shown))
    };
    page::signed_in_page(user, Nav::Groupware, &lang.t("room-book"), body)
}

fn blank(lang: Lang, id: RoomId) -> Shown<'static> {
    let mut shown = Shown::blank(
        format!("/rooms/{id}/book"),
        (WORDS, BOOK),
        lang.t("room-book"),
    );
    shown.cancel = Some("/rooms".into());
    shown
}

pub async fn booking_form(
    user: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let id = room_id(&user, &id)?;
    let room = room(&user, id).await?;
    Ok(user.ok(booking_page(&user, &room, &blank(user.lang(), id), None)))
}

/// The typed day and hours as the API's `starts_at` and `ends_at`.
pub(super) fn times(lang: Lang, values: &mut Map<String, Value>) -> Result<(), Vec<FieldError>> {
    let day = values
        .remove("day")
        .and_then(|d| d.as_str().and_then(|d| d.parse::<NaiveDate>().ok()));
    let mut errors = Vec::new();
    for (typed, name) in [("starts", "starts_at"), ("ends", "ends_at")] {
        let at = values
            .remove(typed)
            .and_then(|t| t.as_str().and_then(|t| day.and_then(|d| instant(d, t))));
        match at {
            Some(at) => {
                values.insert(name.into(), Value::String(at.to_rfc3339()));
            }
            None => errors.push(FieldError::new(typed, lang.t("invalid-time"))),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What the booking came to: made, refused beside the fields, or held by
/// another booking.
enum Outcome {
    Made(BookingId),
    Invalid(Vec<FieldError>),
    Held(BookingRow),
}

pub async fn book(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let lang = user.lang();
    let id = room_id(&user, &id)?;
    let room = room(&user, id).await?;
    let mut values = match form::read(lang, BOOK, &form) {
        Ok(values) => values,
        Err(errors) => return Ok(again(&user, &room, &form, Outcome::Invalid(errors))),
    };
    if let Err(errors) = times(lang, &mut values) {
        return Ok(again(&user, &room, &form, Outcome::Invalid(errors)));
    }
    values.insert("room_id".into(), Value::String(id.to_string()));
    let scope = user.require(Permission::UseGroupware)?;
    let outcome = user
        .run(scope, move |ctx| {
            let body: NewBooking = form::body(values)?;
            match service::book(ctx, body) {
                Ok(made) => Ok(Outcome::Made(made.id)),
                Err(AppError::Validation(errors)) => Ok(Outcome::Invalid(errors)),
                Err(AppError::Conflict {
                    code: "booking-clash",
                    existing: Some(path),
                    ..
                }) => {
                    let holder = path
                        .rsplit('/')
                        .next()
                        .and_then(|id| id.parse::<BookingId>().ok())
                        .ok_or(AppError::NotFound { entity: "booking" })?;
                    Ok(Outcome::Held(service::booking(ctx, holder)?))
                }
                Err(other) => Err(other),
            }
        })
        .await?;
    match outcome {
        Outcome::Made(made) => Ok(see_other(&format!("/bookings/{made}?booked=1"))),
        Outcome::Invalid(errors) => {
            let errors = errors
                .into_iter()
                .map(|e| {
                    let e = form::translate(lang, e);
                    let field = match e.field.as_str() {
                        "starts_at" => "starts".to_owned(),
                        "ends_at" => "ends".to_owned(),
                        other => other.to_owned(),
                    };
                    FieldError::new(field, e.message)
                })
                .collect();
            Ok(again(&user, &room, &form, Outcome::Invalid(errors)))
        }
        held => Ok(again(&user, &room, &form, held)),
    }
}

fn again(user: &SignedIn, room: &RoomView, form: &FormData, outcome: Outcome) -> HttpResponse {
    let lang = user.lang();
    let shown = blank(lang, room.id);
    match outcome {
        Outcome::Held(holder) => {
            let notice = lang.t_with(
                "room-held-by",
                &[
                    ("title", &holder.title),
                    ("from", &format::date_time(holder.starts_at)),
                    ("until", &hours(holder.ends_at)),
                ],
            );
            let shown = shown.again(form, Vec::new());
            user.visitor.respond(
                StatusCode::CONFLICT,
                booking_page(user, room, &shown, Some(&notice)),
            )
        }
        Outcome::Invalid(errors) => {
            let shown = shown.again(form, errors);
            user.visitor.respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                booking_page(user, room, &shown, None),
            )
        }
        Outcome::Made(made) => see_other(&format!("/bookings/{made}")),
    }
}

/// `?booked=1` after the booking form, `?cancelled=1` after cancelling.
#[derive(Debug, Default, Deserialize)]
pub struct BookingQuery {
    booked: Option<String>,
    cancelled: Option<String>,
}

fn booking_id(user: &SignedIn, raw: &str) -> Result<BookingId, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "booking" }))
}

/// A booking, its room, and (while it holds the room) the cancel button
/// carrying the version shown; the service decides who may cancel.
fn booking_body(
    user: &SignedIn,
    (booking, room): (&BookingRow, &RoomView),
    notices: (Option<&str>, Option<String>),
) -> Markup {
    let lang = user.lang();
    let active = booking.status != BookingStatus::Cancelled;
    html! {
        @if let Some(ok) = notices.0 {
            div.notice.notice--ok role="status" { p { (lang.t(ok)) } }
        }
        @if let Some(refused) = &notices.1 { (form::notice(refused)) }
        dl.facts {
            dt { (lang.t("room-name")) } dd { (room.name) }
            dt { (lang.t("room-field-title")) } dd { (booking.title) }
            dt { (lang.t("room-field-attendees")) } dd { (booking.attendees) }
            dt { (lang.t("room-when")) } dd {
                (format::date_time(booking.starts_at)) " – " (hours(booking.ends_at))
            }
            dt { (lang.t("room-status")) } dd { (lang.t(&format!("room-status-{}", booking.status))) }
        }
        @if active {
            form method="post" action=(format!("/bookings/{}/cancel", booking.id)) {
                (page::csrf(&user.csrf()))
                input type="hidden" name="version" value=(booking.version);
                div.actions { button.button.button--secondary type="submit" { (lang.t("room-cancel")) } }
            }
        }
        p { a href="/rooms" { (lang.t("room-title")) } }
    }
}

async fn booking_and_room(
    user: &SignedIn,
    id: BookingId,
) -> Result<(BookingRow, RoomView), PortalError> {
    let scope = user.require(Permission::UseGroupware)?;
    let booking = user
        .run(scope, move |ctx| service::booking(ctx, id))
        .await?;
    let room = room(user, booking.room_id).await?;
    Ok((booking, room))
}

pub async fn booking_view(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<BookingQuery>,
) -> Result<HttpResponse, PortalError> {
    let id = booking_id(&user, &id)?;
    let (booking, room) = booking_and_room(&user, id).await?;
    let ok = match (&query.booked, &query.cancelled) {
        (Some(_), _) => Some("room-booked"),
        (_, Some(_)) => Some("room-cancelled"),
        _ => None,
    };
    let body = booking_body(&user, (&booking, &room), (ok, None));
    let title = user.lang().t("room-booking");
    Ok(user.ok(page::signed_in_page(&user, Nav::Groupware, &title, body)))
}

/// Cancels the booking: the API's `POST /groupware/bookings/{id}/cancel`
/// with the version as `If-Match`.
pub async fn cancel(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::UseGroupware)?;
    let lang = user.lang();
    let id = booking_id(&user, &id)?;
    let version = form::version(&user, &form)?;
    let cancelled = user
        .visitor
        .app
        .as_caller(&user.caller, scope, move |ctx| {
            service::cancel(ctx, id, version)
        })
        .await;
    let (status, _, refused) = match cancelled {
        Ok(_) => return Ok(see_other(&format!("/bookings/{id}?cancelled=1"))),
        Err(error) => form::refusal(lang, error).map_err(|e| user.fail(e))?,
    };
    let (booking, room) = booking_and_room(&user, id).await?;
    let body = booking_body(&user, (&booking, &room), (None, refused));
    let title = lang.t("room-booking");
    Ok(user.visitor.respond(
        status,
        page::signed_in_page(&user, Nav::Groupware, &title, body),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_has_its_words_and_times_are_vietnams() {
        for lang in Lang::ALL {
            for spec in BOOK {
                assert!(
                    lang.has(&form::label_key(WORDS, spec.name)),
                    "{}",
                    spec.name
                );
            }
        }
        for lang in Lang::ALL {
            for status in BookingStatus::ALL {
                assert!(lang.has(&format!("room-status-{status}")), "{status}");
            }
        }
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let at = instant(day, "08:30").map(|t| t.to_rfc3339());
        assert_eq!(at.as_deref(), Some("2026-12-01T01:30:00+00:00"));
        assert_eq!(instant(day, "8h30"), None);
    }
}

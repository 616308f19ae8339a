//! Business trips (issue 14 over the groupware issue): the trips one may
//! see, proposing one's own trip (the unit typed by its code, the proposer
//! the traveller), and a trip's page with the approval form for the unit's
//! groupware users. The trips service checks dates, scope, that a
//! traveller does not approve their own trip, versions and audits, as for
//! `/api/v1/groupware/trips`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::browser::{FormData, Posted, SignedIn};
use super::error::{see_other, PortalError};
use super::form::{self, date, optional, text, yes_no, Shown, Spec};
use super::format;
use super::i18n::Lang;
use super::page::{self, Nav};
use super::people;
use crate::auth::caller::Permission;
use crate::context::Scope;
use crate::error::{AppError, FieldError};
use crate::groupware::trips::model::{Decision, NewTrip, TripFilter, TripStatus, TripView};
use crate::groupware::trips::service;
use crate::http::route_table::RouteTable;
use crate::ids::TripId;

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/trips", |r| r.get(list))
        .resource("/trips/new", |r| r.get(propose_form).post(propose))
        .resource("/trips/{id}", |r| r.get(trip))
        .resource("/trips/{id}/decision", |r| r.post(decide));
}

const WORDS: &str = "trip-field";

/// The proposal: the API's body, the unit typed by its code; the proposer
/// is the traveller.
const PROPOSE: &[Spec] = &[
    text("organization_code"),
    text("purpose"),
    text("destination"),
    date("starts_on"),
    date("ends_on"),
    optional(text("companions")),
];

const DECIDE: &[Spec] = &[yes_no("approve"), optional(text("note"))];

fn word(lang: Lang, status: TripStatus) -> String {
    lang.t(&format!("trip-status-{status}"))
}

fn trip_id(user: &SignedIn, raw: &str) -> Result<TripId, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "trip" }))
}

/// `?status=proposed` shows those awaiting a decision.
#[derive(Debug, Default, Deserialize)]
pub struct ListForm {
    status: Option<String>,
}

pub async fn list(
    user: SignedIn,
    query: web::Query<ListForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::UseGroupware)?;
    let status = query.status.as_deref().and_then(|s| s.parse().ok());
    let filter = TripFilter {
        status,
        ..TripFilter::default()
    };
    let trips = user
        .run(scope, move |ctx| service::list(ctx, filter))
        .await?;
    let body = html! {
        p.actions {
            a.button href="/trips/new" { (lang.t("trip-propose")) }
            " "
            @if status.is_some() {
                a href="/trips" { (lang.t("trip-all")) }
            } @else {
                a href="/trips?status=proposed" { (lang.t("trip-awaiting")) }
            }
        }
        @if trips.is_empty() {
            p { (lang.t("trip-none")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (lang.t("trip-field-purpose")) }
                    th scope="col" { (lang.t("trip-field-destination")) }
                    th scope="col" { (lang.t("trip-dates")) }
                    th scope="col" { (lang.t("trip-status")) }
                } }
                tbody {
                    @for t in &trips {
                        tr {
                            th scope="row" { a href=(format!("/trips/{}", t.id)) { (t.purpose) } }
                            td { (t.destination) }
                            td { (format::date(t.starts_on)) " – " (format::date(t.ends_on)) }
                            td { (word(lang, t.status)) }
                        }
                    }
                }
            } }
        }
    };
    let title = lang.t("trip-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Groupware, &title, body)))
}

fn propose_page(user: &SignedIn, shown: &Shown) -> Markup {
    let lang = user.lang();
    let body = html! {
        p.lead { (lang.t("trip-propose-lead")) }
        (form::render(user, shown))
    };
    page::signed_in_page(user, Nav::Groupware, &lang.t("trip-propose"), body)
}

fn blank(lang: Lang) -> Shown<'static> {
    let mut shown = Shown::blank(
        "/trips/new".into(),
        (WORDS, PROPOSE),
        lang.t("trip-propose"),
    );
    shown.cancel = Some("/trips".into());
    shown
}

pub async fn propose_form(user: SignedIn) -> Result<HttpResponse, PortalError> {
    user.require(Permission::UseGroupware)?;
    Ok(user.ok(propose_page(&user, &blank(user.lang()))))
}

pub async fn propose(posted: Posted<SignedIn>) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::UseGroupware)?;
    let lang = user.lang();
    let traveller = user.caller.user_id;
    let typed = form.get("companions").unwrap_or_default().to_owned();
    let named = user
        .run(scope.clone(), move |ctx| people::look_up(ctx, &typed))
        .await?;
    let companions = people::chosen(lang, "companions", named);
    let errors = match (form::read(lang, PROPOSE, &form), companions) {
        (Err(mut errors), companions) => {
            errors.extend(companions.err());
            errors
        }
        (Ok(_), Err(error)) => vec![error],
        (Ok(mut values), Ok(companions)) => {
            values.remove("companions");
            let mut members = vec![traveller];
            members.extend(companions.into_iter().filter(|id| *id != traveller));
            let made = user
                .visitor
                .app
                .as_caller(&user.caller, scope, move |ctx| {
                    super::groupware::unit_by_code(ctx, &mut values)?;
                    values.insert("member_ids".into(), serde_json::json!(members));
                    let body: NewTrip = form::body(values)?;
                    service::propose(ctx, body)
                })
                .await;
            match made {
                Ok(view) => return Ok(see_other(&format!("/trips/{}?proposed=1", view.id))),
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
        propose_page(&user, &shown),
    ))
}

/// `?proposed=1` or `?decided=1` after the forms.
#[derive(Debug, Default, Deserialize)]
pub struct TripQuery {
    proposed: Option<String>,
    decided: Option<String>,
}

fn trip_page(
    user: &SignedIn,
    (view, travellers): (&TripView, &[String]),
    ok: Option<&str>,
    refused: Option<(&FormData, Vec<FieldError>, Option<String>)>,
) -> Markup {
    let lang = user.lang();
    let (notice, refused) = match refused {
        Some((form, errors, notice)) => (notice, Some((form, errors))),
        None => (None, None),
    };
    let mut shown = Shown::blank(
        format!("/trips/{}/decision", view.id),
        (WORDS, DECIDE),
        lang.t("trip-decide"),
    );
    shown.hidden = vec![("version", view.version.to_string())];
    if let Some((form, errors)) = refused {
        shown = shown.again(form, errors);
    }
    let travelling = view.member_ids.contains(&user.caller.user_id);
    let body = html! {
        @if let Some(ok) = ok {
            div.notice.notice--ok role="status" { p { (lang.t(ok)) } }
        }
        @if let Some(notice) = &notice { (form::notice(notice)) }
        dl.facts {
            dt { (lang.t("trip-field-destination")) } dd { (view.destination) }
            dt { (lang.t("trip-dates")) } dd { (format::date(view.starts_on)) " – " (format::date(view.ends_on)) }
            dt { (lang.t("trip-travellers")) } dd { (travellers.join(", ")) }
            dt { (lang.t("trip-status")) } dd { (word(lang, view.status)) }
            @if let Some(at) = view.decided_at {
                dt { (lang.t("trip-decided-at")) } dd { (format::date_time(at)) }
            }
            @if let Some(note) = &view.decision_note {
                dt { (lang.t("trip-field-note")) } dd { (note) }
            }
        }
        // a hint for the eye: the service refuses a traveller's own approval
        @if view.status == TripStatus::Proposed && !travelling {
            h2 { (lang.t("trip-decide")) }
            (form::render(user, &shown))
        }
        p { a href="/trips" { (lang.t("trip-title")) } }
    };
    page::signed_in_page(user, Nav::Groupware, &view.purpose, body)
}

/// The trip and its travellers' names.
async fn read(
    user: &SignedIn,
    scope: Scope,
    id: TripId,
) -> Result<(TripView, Vec<String>), PortalError> {
    user.run(scope, move |ctx| {
        let view = service::view(ctx, id)?;
        let travellers = people::names(ctx, &view.member_ids)?;
        Ok((view, travellers))
    })
    .await
}

pub async fn trip(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<TripQuery>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::UseGroupware)?;
    let id = trip_id(&user, &id)?;
    let (view, travellers) = read(&user, scope, id).await?;
    let ok = match (&query.proposed, &query.decided) {
        (Some(_), _) => Some("trip-proposed"),
        (_, Some(_)) => Some("trip-decided"),
        _ => None,
    };
    Ok(user.ok(trip_page(&user, (&view, &travellers), ok, None)))
}

/// Approves or rejects: the API's `POST /groupware/trips/{id}/decision`
/// with the version as `If-Match`.
pub async fn decide(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::UseGroupware)?;
    let lang = user.lang();
    let id = trip_id(&user, &id)?;
    let version = form::version(&user, &form)?;
    let (status, errors, notice) = match form::read(lang, DECIDE, &form) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok(values) => {
            let decided = user
                .visitor
                .app
                .as_caller(&user.caller, scope.clone(), move |ctx| {
                    let decision: Decision = form::body(values)?;
                    service::decide(ctx, id, version, decision)
                })
                .await;
            match decided {
                Ok(_) => return Ok(see_other(&format!("/trips/{id}?decided=1"))),
                Err(error) => form::refusal(lang, error).map_err(|e| user.fail(e))?,
            }
        }
    };
    let (view, travellers) = read(&user, scope, id).await?;
    Ok(user.visitor.respond(
        status,
        trip_page(
            &user,
            (&view, &travellers),
            None,
            Some((&form, errors, notice)),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_and_status_has_its_words() {
        for lang in Lang::ALL {
            for spec in PROPOSE.iter().chain(DECIDE) {
                assert!(
                    lang.has(&form::label_key(WORDS, spec.name)),
                    "{}",
                    spec.name
                );
            }
            for status in TripStatus::ALL {
                assert!(lang.has(&format!("trip-status-{status}")), "{status}");
            }
        }
    }
}

//! Finding members (a name typed with or without diacritics, a unit's
//! subtree, a status, a date) and a member's record on a date with the
//! story of the decisions about them: their status and cell over time.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::{as_of, date_form, done_notice, member_id, unit_link, units_named, AsOfForm};
use crate::auth::caller::Permission;
use crate::error::{AppError, FieldError};
use crate::ids::PartyOrganizationId;
use crate::pagination::Page;
use crate::party::member::{MemberEvent, MemberStatus};
use crate::party::model::PartyOrganization;
use crate::party::search::{MemberQuery, MemberSearch};
use crate::party::service;
use crate::party::view::{MemberSummary, MemberView};
use crate::portal::browser::SignedIn;
use crate::portal::error::PortalError;
use crate::portal::format::{self, given};
use crate::portal::i18n::Lang;
use crate::portal::page::{self, Field, Kind, Nav};

/// The search form as sent (dates typed dd/mm/yyyy).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SearchForm {
    q: Option<String>,
    party_organization_id: Option<String>,
    status: Option<String>,
    as_of: Option<String>,
    cursor: Option<String>,
}

/// The API's query from the form, or the date field's error.
fn member_query(lang: Lang, form: &SearchForm) -> Result<MemberQuery, FieldError> {
    let as_of = format::parse_date(form.as_of.as_deref().unwrap_or_default())
        .map_err(|_| FieldError::new("as_of", lang.t("invalid-date")))?;
    Ok(MemberQuery {
        q: given(&form.q),
        party_organization_id: given(&form.party_organization_id),
        status: given(&form.status),
        as_of: as_of.map(|d| d.to_string()),
        limit: None,
        cursor: given(&form.cursor),
    })
}

/// A page of members with the names of their cells.
struct Results {
    page: Page<MemberSummary>,
    units: HashMap<PartyOrganizationId, PartyOrganization>,
}

pub async fn search(
    user: SignedIn,
    query: web::Query<SearchForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ReadParty)?;
    let form = query.into_inner();
    let asked = form != SearchForm::default();
    let parsed = member_query(lang, &form);
    let unit = given(&form.party_organization_id).and_then(|id| id.parse().ok());
    let outcome = user
        .run(scope, move |ctx| {
            let unit = unit.and_then(|id| service::visible_unit(ctx, id).ok());
            let search = match parsed {
                Ok(query) if asked => {
                    MemberSearch::try_from(query).map(|s| service::search(ctx, s))
                }
                Ok(_) => return Ok((unit, None)),
                Err(error) => return Ok((unit, Some(Err(vec![error])))),
            };
            let results = match search {
                Ok(Ok(page)) => {
                    let units =
                        units_named(ctx, page.items.iter().map(|m| m.party_organization_id));
                    Ok(Results { page, units })
                }
                Ok(Err(AppError::Validation(errors))) | Err(AppError::Validation(errors)) => {
                    Err(errors)
                }
                Ok(Err(other)) | Err(other) => return Err(other),
            };
            Ok((unit, Some(results)))
        })
        .await?;
    let (unit, results) = outcome;
    let errors = match &results {
        Some(Err(errors)) => errors.clone(),
        _ => Vec::new(),
    };
    let body = html! {
        (filters(lang, &form, unit.as_ref(), &errors))
        @if let Some(Ok(results)) = &results {
            (table(lang, results))
            @if let Some(cursor) = &results.page.next_cursor {
                nav.pager aria-label=(lang.t("search-pages")) {
                    a href=(next_page(&form, cursor)) { (lang.t("search-next")) }
                }
            }
        }
    };
    let title = lang.t("party-search-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Party, &title, body)))
}

impl PartialEq for SearchForm {
    fn eq(&self, other: &Self) -> bool {
        let all = |f: &SearchForm| {
            [
                given(&f.q),
                given(&f.party_organization_id),
                given(&f.status),
                given(&f.as_of),
                given(&f.cursor),
            ]
        };
        all(self) == all(other)
    }
}

fn filters(
    lang: Lang,
    form: &SearchForm,
    unit: Option<&PartyOrganization>,
    errors: &[FieldError],
) -> Markup {
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let mut statuses = vec![(String::new(), lang.t("choose-any"))];
    statuses.extend(
        MemberStatus::ALL
            .iter()
            .map(|s| (s.to_string(), lang.t(&format!("party-status-{s}")))),
    );
    let fields = [
        Field {
            hint: Some(lang.t("search-q-hint")),
            error: error_of("q"),
            ..Field::new(
                "q",
                lang.t("search-q"),
                form.q.clone().unwrap_or_default(),
                Kind::Text,
            )
        },
        Field {
            error: error_of("status"),
            ..Field::new(
                "status",
                lang.t("party-field-status"),
                form.status.clone().unwrap_or_default(),
                Kind::Select(statuses),
            )
        },
        Field {
            error: error_of("as_of"),
            ..Field::new(
                "as_of",
                lang.t("field-as-of"),
                form.as_of.clone().unwrap_or_default(),
                Kind::Date,
            )
        },
    ];
    let summary: Vec<(String, String)> = errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    html! {
        (page::error_summary(lang, &summary))
        form.filters method="get" action="/party/members" role="search" {
            @for field in &fields { (page::field(lang, field)) }
            @if let Some(unit) = unit {
                div.field.field--wide {
                    input type="hidden" name="party_organization_id" value=(unit.id);
                    p { (lang.t("search-in-unit")) " " strong { (unit.name) } " " a href="/party/members" { (lang.t("search-all-units")) } }
                }
            }
            div.actions {
                button.button type="submit" { (lang.t("search-submit")) }
            }
        }
    }
}

fn table(lang: Lang, results: &Results) -> Markup {
    html! {
        h2 { (lang.t("search-results")) }
        @if results.page.items.is_empty() {
            p { (lang.t("party-search-none")) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("field-full-name")) }
                        th scope="col" { (lang.t("field-birth-date")) }
                        th scope="col" { (lang.t("party-field-status")) }
                        th scope="col" { (lang.t("party-field-cell")) }
                        th scope="col" { (lang.t("party-field-admitted-on")) }
                    } }
                    tbody {
                        @for member in &results.page.items {
                            tr {
                                th scope="row" { a href=(format!("/party/members/{}", member.id)) { (member.full_name) } }
                                td { (format::date(member.birth_date)) }
                                td { (lang.t(&format!("party-status-{}", member.status))) }
                                td { (unit_link(&results.units, member.party_organization_id)) }
                                td { (format::date(member.admitted_on)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn next_page(form: &SearchForm, cursor: &str) -> String {
    let filters = [
        ("q", &form.q),
        ("party_organization_id", &form.party_organization_id),
        ("status", &form.status),
        ("as_of", &form.as_of),
    ];
    format::next_page("/party/members", &filters, cursor)
}

#[derive(Debug, Default, Deserialize)]
pub struct MemberForm {
    as_of: Option<String>,
    done: Option<String>,
}

/// A member's record and story.
struct Record {
    view: MemberView,
    events: Vec<MemberEvent>,
    units: HashMap<PartyOrganizationId, PartyOrganization>,
}

pub async fn member(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<MemberForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ReadParty)?;
    let id = member_id(&user, &id)?;
    let (date, error) = as_of(
        lang,
        &AsOfForm {
            as_of: query.as_of.clone(),
        },
    );
    let record = user
        .run(scope, move |ctx| {
            let view = service::read(ctx, id, date)?;
            let events = service::events(ctx, id)?;
            let cells = events
                .iter()
                .filter_map(|e| e.party_organization_id)
                .chain([view.party_organization_id])
                .chain(view.attending.as_ref().map(|a| a.party_organization_id));
            let units = units_named(ctx, cells);
            Ok(Record {
                view,
                events,
                units,
            })
        })
        .await?;
    let body = html! {
        (done_notice(lang, query.done.as_deref()))
        (date_form(lang, &format!("/party/members/{id}"), date, error))
        (facts(&user, &record))
        @if user.may(Permission::EditParty) && record.view.as_of == user.visitor.app.clock.today() {
            (actions(lang, &record.view))
        }
        (story(lang, &record))
    };
    let title = record.view.full_name.clone();
    Ok(user.ok(page::signed_in_page(&user, Nav::Party, &title, body)))
}

fn facts(user: &SignedIn, record: &Record) -> Markup {
    let lang = user.lang();
    let view = &record.view;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    html! {
        p { (lang.t_with("party-member-as-of", &[("date", &format::date(view.as_of))])) }
        dl.facts {
            dt { (lang.t("party-field-status")) } dd { (lang.t(&format!("party-status-{}", view.status))) }
            dt { (lang.t("party-field-cell")) } dd { (unit_link(&record.units, view.party_organization_id)) }
            dt { (lang.t("field-birth-date")) } dd { (format::date(view.birth_date)) }
            dt { (lang.t("field-sex")) } dd { (lang.t(&format!("sex-{}", view.sex))) }
            dt { (lang.t("field-hometown")) } dd { (text(&view.hometown)) }
            dt { (lang.t("party-field-admitted-on")) } dd { (format::date(view.admitted_on)) }
            dt { (lang.t("party-field-official-on")) } dd { (format::maybe_date(view.official_on)) }
            dt { (lang.t("party-field-party-card-number")) } dd { (text(&view.party_card_number)) }
            dt { (lang.t("party-field-identity-number")) } dd { (text(&view.identity_number)) }
            dt { (lang.t("party-attending")) }
            dd {
                @if let Some(attending) = &view.attending {
                    (unit_link(&record.units, attending.party_organization_id))
                    " (" (lang.t_with("party-from-until", &[
                        ("from", &format::date(attending.from_on)),
                        ("until", &format::maybe_date(attending.until_on)),
                    ])) ")"
                }
            }
            dt { (lang.t("party-exemption")) }
            dd {
                @if let Some(exemption) = &view.exemption {
                    (lang.t(&format!("party-reason-{}", exemption.reason)))
                    " (" (lang.t_with("party-since", &[("date", &format::date(exemption.from_on))])) ")"
                }
            }
            dt { (lang.t("party-badges")) }
            dd {
                (view.badges.iter().map(|b| lang.t_with("party-badge", &[
                    ("years", &b.years.to_string()),
                    ("date", &format::date(b.due_on)),
                ])).collect::<Vec<_>>().join("; "))
            }
            dt { (lang.t("party-next-badge")) }
            dd {
                @if let Some(badge) = &view.next_badge {
                    (lang.t_with("party-badge", &[("years", &badge.years.to_string()), ("date", &format::date(badge.due_on))]))
                }
            }
            @if let (Some(official), true) = (view.official_id, user.may(Permission::ReadPersonnel)) {
                dt { (lang.t("party-profile")) }
                dd { a href=(format!("/officials/{official}")) { (lang.t("party-open-profile")) } }
            }
        }
    }
}

/// The decisions a committee may record about the member now.
fn actions(lang: Lang, view: &MemberView) -> Markup {
    let id = view.id;
    let mut steps: Vec<&str> = Vec::new();
    if view.status.is_member() {
        if view.status == MemberStatus::Probationary {
            steps.push("recognize");
        }
        steps.push("transfer");
        steps.push(if view.attending.is_some() {
            "attendance-end"
        } else {
            "attendance"
        });
        steps.push(if view.exemption.is_some() {
            "exemption-end"
        } else {
            "exemption"
        });
        steps.extend(["distinction", "remove", "expel", "death", "transfer-out"]);
    }
    html! {
        @if !steps.is_empty() {
            h2 #actions { (lang.t("party-actions")) }
            ul.actions {
                @for step in steps {
                    li { a.button.button--secondary href=(format!("/party/members/{id}/{step}")) { (lang.t(&format!("party-action-{step}"))) } }
                }
            }
        }
    }
}

fn story(lang: Lang, record: &Record) -> Markup {
    html! {
        h2 { (lang.t("party-story")) }
        div.table-wrap {
            table {
                thead { tr {
                    th scope="col" { (lang.t("history-date")) }
                    th scope="col" { (lang.t("history-event")) }
                    th scope="col" { (lang.t("party-field-cell")) }
                    th scope="col" { (lang.t("history-decision")) }
                    th scope="col" { (lang.t("party-field-deciding-body")) }
                } }
                tbody {
                    @for event in &record.events {
                        tr {
                            td { (format::date(event.effective_on)) }
                            td {
                                (lang.t(&format!("party-event-{}", event.kind)))
                                // a reward's or discipline's form, as decided
                                @if let Some(form) = event.details.get("form").and_then(|f| f.as_str()) {
                                    ": " (form)
                                }
                            }
                            td { @if let Some(cell) = event.party_organization_id { (unit_link(&record.units, cell)) } }
                            td { (event.decision_number.clone().unwrap_or_default()) }
                            td { (event.deciding_body.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    }
}

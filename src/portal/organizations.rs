//! The organization tree as it stands or stood on a date: the units one's
//! grants cover and their children, then any unit with its details, its
//! children and its history.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use super::browser::SignedIn;
use super::error::PortalError;
use super::format;
use super::i18n::Lang;
use super::page::{self, Field, Kind, Nav};
use crate::auth::caller::Permission;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::OrganizationId;
use crate::org::filter::{AsOf, ListFilter, ListQuery};
use crate::org::history::{self, History};
use crate::org::model::OrganizationView;
use crate::org::read;

#[derive(Debug, Default, Deserialize)]
pub struct AsOfForm {
    pub as_of: Option<String>,
}

/// The date asked for, or the error to show beside the date field.
pub fn as_of(lang: Lang, form: &AsOfForm) -> (Option<NaiveDate>, Option<String>) {
    match format::parse_date(form.as_of.as_deref().unwrap_or_default()) {
        Ok(date) => (date, None),
        Err(_) => (None, Some(lang.t("invalid-date"))),
    }
}

/// `?as_of=` for links, keeping the date being looked at.
pub fn as_of_query(date: Option<NaiveDate>) -> String {
    date.map(|d| format!("?as_of={}", format::date(d)))
        .unwrap_or_default()
}

/// A unit's children where they stood on `date`.
fn children(
    ctx: &mut Ctx,
    id: OrganizationId,
    date: Option<NaiveDate>,
) -> AppResult<Vec<OrganizationView>> {
    let query = ListQuery {
        as_of: date.map(|d| d.to_string()),
        limit: Some(crate::pagination::MAX_LIMIT.to_string()),
        ..ListQuery::default()
    };
    Ok(read::children(ctx, id, ListFilter::try_from(query)?)?.items)
}

pub fn date_form(
    lang: Lang,
    action: &str,
    date: Option<NaiveDate>,
    error: Option<String>,
) -> Markup {
    let mut field = Field::new(
        "as_of",
        lang.t("field-as-of"),
        format::maybe_date(date),
        Kind::Date,
    );
    field.error = error;
    html! {
        form.filters method="get" action=(action) {
            (page::field(lang, &field))
            div.actions { button.button type="submit" { (lang.t("tree-show")) } }
        }
    }
}

fn unit_line(lang: Lang, org: &OrganizationView, date: Option<NaiveDate>) -> Markup {
    let unit = &org.organization;
    html! {
        a href=(format!("/organizations/{}{}", unit.id, as_of_query(date))) { (unit.name) }
        span.tag { (lang.t(&format!("level-{}", unit.level))) }
        @if unit.status != crate::org::model::Status::Active {
            span.tag { (lang.t(&format!("org-status-{}", unit.status))) }
        }
    }
}

/// The units of one's grants (none inside another), each with its children.
pub async fn tree(
    user: SignedIn,
    query: web::Query<AsOfForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ReadOrganizations)?;
    let (date, error) = as_of(lang, &query);
    let grants: Vec<_> = user.caller.grants.iter().cloned().collect();
    let roots: Vec<OrganizationId> = grants
        .iter()
        .filter(|g| {
            !grants
                .iter()
                .any(|o| o.path != g.path && g.path.is_within(&o.path))
        })
        .map(|g| g.organization_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let branches = user
        .run(scope, move |ctx| {
            let mut branches = Vec::new();
            for id in roots {
                match read::read(ctx, id, AsOf(date)) {
                    Ok(root) => branches.push((root, children(ctx, id, date)?)),
                    // not in the tree on that date
                    Err(AppError::NotFound { .. } | AppError::Conflict { .. }) => {}
                    Err(other) => return Err(other),
                }
            }
            Ok(branches)
        })
        .await?;
    let body = html! {
        (date_form(lang, "/organizations", date, error))
        p { (lang.t_with("tree-as-of", &[("date", &format::date(date.unwrap_or(user.visitor.app.clock.today())))])) }
        @if branches.is_empty() { p { (lang.t("tree-empty")) } }
        ul.tree {
            @for (root, children) in &branches {
                li {
                    (unit_line(lang, root, date))
                    @if !children.is_empty() {
                        ul { @for child in children { li { (unit_line(lang, child, date)) } } }
                    }
                }
            }
        }
    };
    let title = lang.t("tree-title");
    Ok(user.ok(page::signed_in_page(
        &user,
        Nav::Organizations,
        &title,
        body,
    )))
}

/// What the unit page shows.
struct Unit {
    view: OrganizationView,
    parent: Option<OrganizationView>,
    children: Vec<OrganizationView>,
    history: History,
}

pub async fn unit(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<AsOfForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ReadOrganizations)?;
    let id: OrganizationId = id.parse().map_err(|_| {
        user.fail(AppError::NotFound {
            entity: "organization",
        })
    })?;
    let (date, error) = as_of(lang, &query);
    let unit = user
        .run(scope, move |ctx| {
            let view = read::read(ctx, id, AsOf(date))?;
            let parent = match view.parent_id {
                Some(parent) => read::read(ctx, parent, AsOf(date)).ok(),
                None => None,
            };
            Ok(Unit {
                children: children(ctx, id, date)?,
                history: history::history(ctx, id)?,
                parent,
                view,
            })
        })
        .await?;
    let body = html! {
        (date_form(lang, &format!("/organizations/{id}"), date, error))
        (details(lang, &unit, date))
        @if user.may(Permission::ReadPersonnel) {
            p { a.button.button--secondary href=(format!("/officials?organization_id={id}")) { (lang.t("unit-officials")) } }
        }
        h2 { (lang.t("unit-children")) }
        @if unit.children.is_empty() {
            p { (lang.t("unit-no-children")) }
        } @else {
            ul.tree { @for child in &unit.children { li { (unit_line(lang, child, date)) } } }
        }
        (history_table(lang, &unit.history))
    };
    let title = unit.view.organization.name.clone();
    Ok(user.ok(page::signed_in_page(
        &user,
        Nav::Organizations,
        &title,
        body,
    )))
}

fn details(lang: Lang, unit: &Unit, date: Option<NaiveDate>) -> Markup {
    let org = &unit.view.organization;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    html! {
        dl.facts {
            dt { (lang.t("org-code")) } dd { (org.code) }
            dt { (lang.t("org-abbreviation")) } dd { (text(&org.abbreviation)) }
            dt { (lang.t("org-level")) } dd { (lang.t(&format!("level-{}", org.level))) }
            dt { (lang.t("org-status")) } dd { (lang.t(&format!("org-status-{}", org.status))) }
            dt { (lang.t("org-parent")) }
            dd {
                @if let Some(parent) = &unit.parent { (unit_line(lang, parent, date)) }
            }
            dt { (lang.t("org-address")) } dd { (text(&org.address)) }
            dt { (lang.t("org-phone")) } dd { (text(&org.phone)) }
            dt { (lang.t("org-established-on")) } dd { (format::maybe_date(org.established_on)) }
            dt { (lang.t("org-headcount")) }
            dd {
                @if let (Some(assigned), Some(current)) = (unit.view.assigned_headcount, unit.view.current_headcount) {
                    (lang.t_with("org-headcount-value", &[("current", &current.to_string()), ("assigned", &assigned.to_string())]))
                }
            }
        }
    }
}

fn history_table(lang: Lang, history: &History) -> Markup {
    html! {
        h2 { (lang.t("unit-history")) }
        div.table-wrap {
            table {
                thead { tr {
                    th scope="col" { (lang.t("history-date")) }
                    th scope="col" { (lang.t("history-event")) }
                    th scope="col" { (lang.t("history-decision")) }
                    th scope="col" { (lang.t("history-related")) }
                } }
                tbody {
                    @for entry in &history.events {
                        tr {
                            td { (format::date(entry.event.effective_date)) }
                            td { (lang.t(&format!("event-{}", entry.event.kind))) }
                            td { (entry.event.decision_number.clone().unwrap_or_default()) }
                            td {
                                @if let Some(related) = &entry.related_organization {
                                    a href=(format!("/organizations/{}", related.id)) { (related.name) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

//! The party organization tree as it stands or stood on a date: the units
//! one's party grants cover, then any unit with its counts, its units, its
//! members and its story.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use maud::{html, Markup};

use super::{as_of, as_of_query, date_form, unit_id, units_named, AsOfForm};
use crate::auth::caller::Permission;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::ids::PartyOrganizationId;
use crate::party::model::{
    PartyOrganization, PartyOrganizationView, UnitFilter, UnitHistory, UnitQuery, UnitStatus,
};
use crate::party::service;
use crate::portal::browser::SignedIn;
use crate::portal::error::PortalError;
use crate::portal::format;
use crate::portal::i18n::Lang;
use crate::portal::page::{self, Nav};

/// A unit's units where they stood on `date` (every one, whatever its
/// status, when no date is asked).
fn children(
    ctx: &mut Ctx,
    id: PartyOrganizationId,
    date: Option<NaiveDate>,
) -> AppResult<Vec<PartyOrganization>> {
    let query = UnitQuery {
        parent_id: Some(id.to_string()),
        as_of: date.map(|d| d.to_string()),
        limit: Some(crate::pagination::MAX_LIMIT.to_string()),
        ..UnitQuery::default()
    };
    let page = service::list_units(ctx, UnitFilter::try_from(query)?)?;
    Ok(page.items.into_iter().map(|v| v.unit).collect())
}

/// The top units of one's party grants: the last label of each subtree's
/// path is its unit's id; a subtree inside another is not a top.
fn roots(user: &SignedIn) -> Vec<PartyOrganizationId> {
    let paths = user.caller.party_read_roots();
    paths
        .iter()
        .filter(|p| !paths.iter().any(|o| o != *p && p.is_within(o)))
        .filter_map(|p| p.0.rsplit('.').next())
        .filter_map(|label| uuid::Uuid::parse_str(label).ok())
        .map(PartyOrganizationId::from)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn unit_line(lang: Lang, unit: &PartyOrganization, date: Option<NaiveDate>) -> Markup {
    html! {
        a href=(format!("/party/units/{}{}", unit.id, as_of_query(date))) { (unit.name) }
        span.tag { (lang.t(&format!("party-type-{}", unit.kind))) }
        @if unit.status != UnitStatus::Active {
            span.tag { (lang.t(&format!("party-unit-status-{}", unit.status))) }
        }
    }
}

pub async fn tree(
    user: SignedIn,
    query: web::Query<AsOfForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ReadParty)?;
    let (date, error) = as_of(lang, &query);
    let roots = roots(&user);
    let branches = user
        .run(scope, move |ctx| {
            let mut branches = Vec::new();
            for id in roots {
                let root = service::visible_unit(ctx, id)?;
                if date.is_some_and(|d| !root.existed_on(d)) {
                    continue;
                }
                branches.push((root, children(ctx, id, date)?));
            }
            Ok(branches)
        })
        .await?;
    let today = user.visitor.app.clock.today();
    let body = html! {
        (date_form(lang, "/party", date, error))
        p { (lang.t_with("tree-as-of", &[("date", &format::date(date.unwrap_or(today)))])) }
        p.actions {
            a.button.button--secondary href="/party/members" { (lang.t("party-find-member")) }
            a.button.button--secondary href="/party/transfers" { (lang.t("party-transfers-title")) }
        }
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
    let title = lang.t("party-tree-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Party, &title, body)))
}

/// What a unit's page shows.
struct Unit {
    view: PartyOrganizationView,
    parent: Option<PartyOrganization>,
    children: Vec<PartyOrganization>,
    history: UnitHistory,
    related: std::collections::HashMap<PartyOrganizationId, PartyOrganization>,
}

pub async fn unit(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<AsOfForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ReadParty)?;
    let id = unit_id(&user, &id)?;
    let (date, error) = as_of(lang, &query);
    let unit = user
        .run(scope, move |ctx| {
            let view = service::read_unit(ctx, id, date)?;
            let parent = match view.unit.parent_id {
                Some(parent) => service::visible_unit(ctx, parent).ok(),
                None => None,
            };
            let history = service::unit_history(ctx, id)?;
            let related = units_named(
                ctx,
                history
                    .events
                    .iter()
                    .filter_map(|e| e.related_party_organization_id),
            );
            Ok(Unit {
                children: children(ctx, id, date)?,
                parent,
                history,
                related,
                view,
            })
        })
        .await?;
    let may_admit = user.may(Permission::EditParty)
        && unit.view.unit.kind.holds_members()
        && unit.view.unit.status == UnitStatus::Active;
    let body = html! {
        (date_form(lang, &format!("/party/units/{id}"), date, error))
        (details(lang, &unit, date))
        div.actions {
            a.button.button--secondary href=(format!("/party/members?party_organization_id={id}")) { (lang.t("party-unit-members")) }
            @if may_admit {
                a.button href=(format!("/party/units/{id}/admit")) { (lang.t("party-action-admit")) }
            }
        }
        h2 { (lang.t("party-unit-children")) }
        @if unit.children.is_empty() {
            p { (lang.t("unit-no-children")) }
        } @else {
            ul.tree { @for child in &unit.children { li { (unit_line(lang, child, date)) } } }
        }
        (history_table(lang, &unit))
    };
    let title = unit.view.unit.name.clone();
    Ok(user.ok(page::signed_in_page(&user, Nav::Party, &title, body)))
}

fn details(lang: Lang, unit: &Unit, date: Option<NaiveDate>) -> Markup {
    let org = &unit.view.unit;
    html! {
        dl.facts {
            dt { (lang.t("party-unit-code")) } dd { (org.code) }
            dt { (lang.t("party-unit-type")) } dd { (lang.t(&format!("party-type-{}", org.kind))) }
            dt { (lang.t("party-unit-level")) } dd { (lang.t(&format!("party-level-{}", org.level))) }
            dt { (lang.t("org-status")) } dd { (lang.t(&format!("party-unit-status-{}", org.status))) }
            dt { (lang.t("org-parent")) }
            dd { @if let Some(parent) = &unit.parent { (unit_line(lang, parent, date)) } }
            dt { (lang.t("org-established-on")) } dd { (format::date(org.established_on)) }
            @if let Some(dissolved) = org.dissolved_on {
                dt { (lang.t("party-unit-dissolved-on")) } dd { (format::date(dissolved)) }
            }
            @if let Some(counts) = &unit.view.counts {
                dt { (lang.t("party-unit-member-count")) }
                dd { (lang.t_with("party-unit-member-count-value", &[
                    ("members", &counts.members.to_string()),
                    ("exempted", &counts.exempted_members.to_string()),
                ])) }
                dt { (lang.t("party-unit-unit-count")) } dd { (counts.party_organizations) }
            }
        }
    }
}

fn history_table(lang: Lang, unit: &Unit) -> Markup {
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
                    @for event in &unit.history.events {
                        tr {
                            td { (format::date(event.effective_on)) }
                            td { (lang.t(&format!("party-unit-event-{}", event.kind))) }
                            td { (event.decision_number.clone().unwrap_or_default()) }
                            td {
                                @if let Some(related) = event.related_party_organization_id {
                                    (super::unit_link(&unit.related, related))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

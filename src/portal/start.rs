//! The start page: who one is, where one's grants reach, the way to the
//! work, and what waits for the user: transfers into their cells awaiting
//! acceptance, probationary members whose probation is over.

use actix_web::HttpResponse;
use maud::html;

use super::browser::SignedIn;
use super::error::PortalError;
use super::page::{self, Nav};
use crate::auth::caller::Permission;
use crate::org::history::OrganizationRef;

pub async fn start(user: SignedIn) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let grants: Vec<_> = user.caller.grants.iter().cloned().collect();
    // a grant's unit is inside its own subtree, so any grant sees its unit
    let units = match user.caller.require(Permission::ReadOrganizations) {
        Ok(scope) => {
            let ids: Vec<_> = grants.iter().map(|g| g.organization_id).collect();
            user.run(scope, move |ctx| {
                ids.into_iter()
                    .map(|id| {
                        crate::org::service::visible(ctx, id).map(|o| OrganizationRef::from(&o))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?
        }
        Err(_) => Vec::new(),
    };
    let items = super::party::outstanding(&user).await?;
    let notices = super::groupware::notices(&user).await?;
    let body = html! {
        p.lead { (lang.t_with("start-welcome", &[("name", &user.caller.username)])) }
        h2 { (lang.t("start-tasks")) }
        ul {
            @if user.may(Permission::ReadPersonnel) {
                li { a href="/officials" { (lang.t("start-find-official")) } }
            }
            li { a href="/organizations" { (lang.t("start-see-tree")) } }
            @if user.may(Permission::ReadParty) {
                li { a href="/party" { (lang.t("start-see-party")) } }
                li { a href="/party/members" { (lang.t("party-find-member")) } }
            }
            @if user.may(Permission::UseGroupware) {
                li { a href="/documents" { (lang.t("gw-list-title")) } }
                li { a href="/tasks" { (lang.t("task-mine")) } }
                li { a href="/rooms" { (lang.t("room-title")) } }
                li { a href="/trips" { (lang.t("trip-title")) } }
                li { a href="/calendar" { (lang.t("cal-title")) } }
            }
        }
        (notices)
        (items)
        h2 { (lang.t("start-grants")) }
        @if grants.is_empty() {
            p { (lang.t("start-no-grants")) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("start-grant-role")) }
                        th scope="col" { (lang.t("start-grant-unit")) }
                    } }
                    tbody {
                        @for (grant, unit) in grants.iter().zip(units.iter()) {
                            tr {
                                td { (lang.t(&format!("role-{}", grant.role))) }
                                td { a href=(format!("/organizations/{}", unit.id)) { (unit.name) } }
                            }
                        }
                    }
                }
            }
        }
    };
    let title = lang.t("start-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Start, &title, body)))
}

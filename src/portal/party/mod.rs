//! DB2 in the browser: the party organization tree as of a date, member
//! search, a member's record with the story of their decisions, and the
//! committees' workflows (admission, recognition, transfers with the
//! receiving committee's acceptance, the end of membership, attendance,
//! exemption) as forms. Every page and form calls the party services the
//! API calls, so the party scope, the rules and the audit are theirs.

mod members;
mod outstanding;
mod transfers;
mod units;
mod workflows;

use std::collections::{BTreeSet, HashMap};

use maud::{html, Markup};

use super::browser::SignedIn;
use super::error::PortalError;
use super::i18n::Lang;
use super::organizations::{as_of, as_of_query, date_form, AsOfForm};
use crate::context::Ctx;
use crate::error::AppError;
use crate::http::route_table::RouteTable;
use crate::ids::{MemberId, PartyOrganizationId, TransferId};
use crate::party::model::PartyOrganization;
use crate::party::service;

pub use outstanding::outstanding;

/// The prefix of the party forms' labels.
const WORDS: &str = "party-field";

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/party", |r| r.get(units::tree))
        .resource("/party/units/{id}", |r| r.get(units::unit))
        .resource("/party/units/{id}/admit", |r| {
            r.get(workflows::admission_form).post(workflows::admit)
        })
        .resource("/party/members", |r| r.get(members::search))
        .resource("/party/members/{id}", |r| r.get(members::member))
        .resource("/party/members/{id}/{action}", |r| {
            r.get(workflows::form).post(workflows::decide)
        })
        .resource("/party/transfers", |r| r.get(transfers::list))
        .resource("/party/transfers/{id}", |r| r.get(transfers::transfer))
        .resource("/party/transfers/{id}/{step}", |r| {
            r.post(transfers::answer)
        });
}

/// An id from a page's address; a malformed one names nothing.
fn parse_id<T: std::str::FromStr>(
    user: &SignedIn,
    raw: &str,
    entity: &'static str,
) -> Result<T, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity }))
}

fn member_id(user: &SignedIn, raw: &str) -> Result<MemberId, PortalError> {
    parse_id(user, raw, "party member")
}

fn unit_id(user: &SignedIn, raw: &str) -> Result<PartyOrganizationId, PortalError> {
    parse_id(user, raw, "party organization")
}

fn transfer_id(user: &SignedIn, raw: &str) -> Result<TransferId, PortalError> {
    parse_id(user, raw, "party transfer")
}

/// The units of `ids` the caller may see, by id (for names in tables).
fn units_named(
    ctx: &mut Ctx,
    ids: impl IntoIterator<Item = PartyOrganizationId>,
) -> HashMap<PartyOrganizationId, PartyOrganization> {
    ids.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter_map(|id| service::visible_unit(ctx, id).ok().map(|u| (id, u)))
        .collect()
}

/// A link to a unit by its name, or its id when the caller cannot see it.
fn unit_link(
    units: &HashMap<PartyOrganizationId, PartyOrganization>,
    id: PartyOrganizationId,
) -> Markup {
    html! {
        @match units.get(&id) {
            Some(unit) => a href=(format!("/party/units/{id}")) { (unit.name) },
            None => span { (id) },
        }
    }
}

/// A done step, said at the top of the page it led to.
fn done_notice(lang: Lang, done: Option<&str>) -> Markup {
    let key = done.map(|d| format!("party-done-{d}"));
    html! {
        @if let Some(key) = key.filter(|k| lang.has(k)) {
            div.notice.notice--ok role="status" { p { (lang.t(&key)) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::party::member::{ExemptionReason, MemberEventKind, MemberStatus};
    use crate::party::model::{UnitEventKind, UnitKind, UnitLevel, UnitStatus};
    use crate::party::view::TransferStatus;

    fn words<T: std::fmt::Display>(prefix: &str, all: &[T]) -> Vec<String> {
        all.iter().map(|w| format!("{prefix}-{w}")).collect()
    }

    #[test]
    fn every_word_of_the_party_pages_is_in_both_catalogs() {
        let keys = [
            words("party-type", UnitKind::ALL),
            words("party-level", UnitLevel::ALL),
            words("party-unit-status", UnitStatus::ALL),
            words("party-unit-event", UnitEventKind::ALL),
            words("party-status", MemberStatus::ALL),
            words("party-event", MemberEventKind::ALL),
            words("party-transfer-status", TransferStatus::ALL),
            words("party-reason", ExemptionReason::ALL),
        ]
        .concat();
        for lang in Lang::ALL {
            let missing: Vec<&String> = keys.iter().filter(|k| !lang.has(k)).collect();
            assert!(missing.is_empty(), "{}: {missing:?}", lang.code());
        }
    }
}

//! What waits for a party committee's officer on the start page: transfers
//! into their cells awaiting acceptance, and probationary members whose
//! twelve months are over (due the recognition decision).

use maud::{html, Markup};

use super::transfers::{awaiting, table};
use crate::auth::caller::Permission;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::party::member::probation_ends;
use crate::party::search::{MemberQuery, MemberSearch};
use crate::party::service;
use crate::party::view::{MemberSummary, Transfer};
use crate::portal::browser::SignedIn;
use crate::portal::error::PortalError;
use crate::portal::format;

/// Probationary members (the first page of them, in name order) whose
/// probation ended by today.
fn due_recognition(ctx: &mut Ctx) -> AppResult<Vec<MemberSummary>> {
    let query = MemberQuery {
        status: Some("probationary".into()),
        limit: Some(crate::pagination::MAX_LIMIT.to_string()),
        ..MemberQuery::default()
    };
    let today = ctx.today;
    let page = service::search(ctx, MemberSearch::try_from(query)?)?;
    Ok(page
        .items
        .into_iter()
        .filter(|m| probation_ends(m.admitted_on).is_some_and(|end| end <= today))
        .collect())
}

/// The user's outstanding items, or a line saying there are none.
pub async fn outstanding(user: &SignedIn) -> Result<Markup, PortalError> {
    let lang = user.lang();
    let (transfers, due): (Vec<Transfer>, Vec<MemberSummary>) =
        match user.caller.require(Permission::EditParty) {
            Ok(scope) => {
                let writable = scope.clone();
                user.run(scope, move |ctx| {
                    let transfers = awaiting(ctx)?
                        .into_iter()
                        .filter(|t| writable.can_write(&t.to_path))
                        .collect();
                    Ok((transfers, due_recognition(ctx)?))
                })
                .await?
            }
            Err(_) => (Vec::new(), Vec::new()),
        };
    Ok(html! {
        @if transfers.is_empty() && due.is_empty() {
            p { (lang.t("start-no-items")) }
        }
        @if !transfers.is_empty() {
            h3 { (lang.t("start-transfers-awaiting")) }
            (table(lang, &transfers))
        }
        @if !due.is_empty() {
            h3 { (lang.t("start-due-recognition")) }
            ul {
                @for member in &due {
                    li {
                        a href=(format!("/party/members/{}/recognize", member.id)) { (member.full_name) }
                        " — " (lang.t_with("start-admitted-on", &[("date", &format::date(member.admitted_on))]))
                    }
                }
            }
        }
    })
}

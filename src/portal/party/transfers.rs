//! Transfers between cells in the browser: the lists coming in and going
//! out, a transfer's page, and the receiving committee's acceptance (or
//! either side's cancellation) as forms carrying the transfer's version.

use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::workflows::Refusal;
use super::WORDS;
use super::{done_notice, transfer_id};
use crate::auth::caller::Permission;
use crate::context::{Ctx, Scope};
use crate::error::{AppError, AppResult, FieldError};
use crate::ids::TransferId;
use crate::party::service;
use crate::party::transfer::{Direction, TransferFilter};
use crate::party::view::{Transfer, TransferStatus};
use crate::portal::browser::{FormData, Posted, SignedIn};
use crate::portal::error::{see_other, PortalError};
use crate::portal::form::{self, date, text, Shown, Spec};
use crate::portal::format;
use crate::portal::i18n::Lang;
use crate::portal::page::{self, Nav};

const ACCEPT: &[Spec] = &[
    date("accepted_on"),
    text("decision_number"),
    text("accepting_body"),
];

const CANCEL: &[Spec] = &[date("cancelled_on")];

/// Open transfers into the caller's cells: what waits for their acceptance.
pub(super) fn awaiting(ctx: &mut Ctx) -> AppResult<Vec<Transfer>> {
    service::list_transfers(
        ctx,
        TransferFilter {
            direction: Some(Direction::Incoming),
            status: Some(TransferStatus::Issued),
        },
    )
}

fn list_of(ctx: &mut Ctx, direction: Direction) -> AppResult<Vec<Transfer>> {
    service::list_transfers(
        ctx,
        TransferFilter {
            direction: Some(direction),
            status: None,
        },
    )
}

pub async fn list(user: SignedIn) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ReadParty)?;
    let (incoming, outgoing) = user
        .run(scope, |ctx| {
            Ok((
                list_of(ctx, Direction::Incoming)?,
                list_of(ctx, Direction::Outgoing)?,
            ))
        })
        .await?;
    let body = html! {
        h2 { (lang.t("party-transfers-incoming")) }
        (table(lang, &incoming))
        h2 { (lang.t("party-transfers-outgoing")) }
        (table(lang, &outgoing))
    };
    let title = lang.t("party-transfers-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Party, &title, body)))
}

/// Transfers in a table, each a link to its page.
pub fn table(lang: Lang, transfers: &[Transfer]) -> Markup {
    html! {
        @if transfers.is_empty() {
            p { (lang.t("party-transfers-none")) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("field-full-name")) }
                        th scope="col" { (lang.t("party-transfer-from")) }
                        th scope="col" { (lang.t("party-transfer-to")) }
                        th scope="col" { (lang.t("party-field-issued-on")) }
                        th scope="col" { (lang.t("party-field-status")) }
                    } }
                    tbody {
                        @for transfer in transfers {
                            tr {
                                th scope="row" { a href=(format!("/party/transfers/{}", transfer.id)) { (transfer.member_name) } }
                                td { (transfer.from_name) }
                                td { (transfer.to_name) }
                                td { (format::date(transfer.issued_on)) }
                                td { (lang.t(&format!("party-transfer-status-{}", transfer.status))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TransferForm {
    done: Option<String>,
}

/// One of the transfer page's two forms, as shown.
struct Answer {
    step: &'static str,
    form: Option<(FormData, Vec<FieldError>)>,
}

fn answer_form(user: &SignedIn, transfer: &Transfer, answer: &Answer) -> Markup {
    let lang = user.lang();
    let specs = if answer.step == "accept" {
        ACCEPT
    } else {
        CANCEL
    };
    let mut shown = Shown::blank(
        format!("/party/transfers/{}/{}", transfer.id, answer.step),
        (WORDS, specs),
        lang.t(&format!("party-submit-transfer-{}", answer.step)),
    );
    shown.hidden = vec![("version", transfer.version.to_string())];
    if let Some((form, errors)) = &answer.form {
        shown = shown.again(form, errors.clone());
    }
    html! {
        section.section aria-labelledby=(format!("transfer-{}", answer.step)) {
            h2 id=(format!("transfer-{}", answer.step)) { (lang.t(&format!("party-transfer-{}-title", answer.step))) }
            (form::render(user, &shown))
        }
    }
}

/// The transfer's page, with the forms the caller's committee may answer
/// it with (the service decides again when they are sent).
fn transfer_page(
    user: &SignedIn,
    (transfer, scope): (&Transfer, &Scope),
    answered: Option<Answer>,
    (done, notice): (Option<&str>, Option<String>),
) -> Markup {
    let lang = user.lang();
    let open = transfer.status == TransferStatus::Issued && user.may(Permission::EditParty);
    let receiving = open && scope.can_write(&transfer.to_path);
    let sending = open && scope.can_write(&transfer.from_path);
    let form_for = |step: &'static str| match &answered {
        Some(answer) if answer.step == step => answer_form(user, transfer, answer),
        _ => answer_form(user, transfer, &Answer { step, form: None }),
    };
    let body = html! {
        (done_notice(lang, done))
        @if let Some(notice) = &notice { (form::notice(notice)) }
        dl.facts {
            dt { (lang.t("field-full-name")) }
            dd { a href=(format!("/party/members/{}", transfer.member_id)) { (transfer.member_name) } }
            dt { (lang.t("party-field-status")) } dd { (lang.t(&format!("party-transfer-status-{}", transfer.status))) }
            dt { (lang.t("party-transfer-from")) } dd { (transfer.from_name) " (" (transfer.from_code) ")" }
            dt { (lang.t("party-transfer-to")) } dd { (transfer.to_name) " (" (transfer.to_code) ")" }
            dt { (lang.t("party-field-issued-on")) } dd { (format::date(transfer.issued_on)) }
            dt { (lang.t("party-field-decision-number")) } dd { (transfer.issue_decision) }
            dt { (lang.t("party-field-issuing-body")) } dd { (transfer.issuing_body) }
            @if let Some(accepted) = transfer.accepted_on {
                dt { (lang.t("party-field-accepted-on")) } dd { (format::date(accepted)) }
                dt { (lang.t("party-field-accepting-body")) } dd { (transfer.accepting_body.clone().unwrap_or_default()) }
            }
            @if let Some(cancelled) = transfer.cancelled_on {
                dt { (lang.t("party-field-cancelled-on")) } dd { (format::date(cancelled)) }
            }
        }
        @if receiving { (form_for("accept")) }
        @if receiving || sending { (form_for("cancel")) }
    };
    let title = lang.t_with("party-transfer-title", &[("name", &transfer.member_name)]);
    page::signed_in_page(user, Nav::Party, &title, body)
}

/// The scope a transfer's page is shown under: the editor's, so the forms
/// show for the committees that may answer; a reader's otherwise.
fn page_scope(user: &SignedIn) -> Result<Scope, PortalError> {
    match user.caller.require(Permission::EditParty) {
        Ok(scope) => Ok(scope),
        Err(_) => user.require(Permission::ReadParty),
    }
}

async fn read(user: &SignedIn, scope: Scope, id: TransferId) -> Result<Transfer, PortalError> {
    user.run(scope, move |ctx| service::read_transfer(ctx, id))
        .await
}

pub async fn transfer(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<TransferForm>,
) -> Result<HttpResponse, PortalError> {
    let scope = page_scope(&user)?;
    let id = transfer_id(&user, &id)?;
    let transfer = read(&user, scope.clone(), id).await?;
    let markup = transfer_page(
        &user,
        (&transfer, &scope),
        None,
        (query.done.as_deref(), None),
    );
    Ok(user.ok(markup))
}

/// Accepts or cancels, with the version the page was made from.
pub async fn answer(
    posted: Posted<SignedIn>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::EditParty)?;
    let (id, step) = path.into_inner();
    let id = transfer_id(&user, &id)?;
    let (step, specs): (&'static str, &[Spec]) = match step.as_str() {
        "accept" => ("accept", ACCEPT),
        "cancel" => ("cancel", CANCEL),
        _ => return Err(user.fail(AppError::NotFound { entity: "page" })),
    };
    let lang = user.lang();
    let version = form::version(&user, &form)?;
    let refusal = match form::read(lang, specs, &form) {
        Err(errors) => Refusal::Fields(errors),
        Ok(values) => {
            let outcome = user
                .visitor
                .app
                .as_caller(&user.caller, scope.clone(), move |ctx| match step {
                    "accept" => service::accept(ctx, id, version, form::body(values)?)
                        .map(|(_, member)| format!("/party/members/{}?done=accept", member.id)),
                    _ => service::cancel(ctx, id, version, form::body(values)?)
                        .map(|t| format!("/party/transfers/{}?done=cancel", t.id)),
                })
                .await;
            match outcome {
                Ok(location) => return Ok(see_other(&location)),
                Err(error) => Refusal::of(lang, error).map_err(|e| user.fail(e))?,
            }
        }
    };
    let transfer = read(&user, scope.clone(), id).await?;
    let (status, answer, notice) = match refusal {
        Refusal::Fields(errors) => (
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            Answer {
                step,
                form: Some((form, errors)),
            },
            None,
        ),
        Refusal::Whole(status, message) => (
            status,
            Answer {
                step,
                form: Some((form, Vec::new())),
            },
            Some(message),
        ),
    };
    let markup = transfer_page(&user, (&transfer, &scope), Some(answer), (None, notice));
    Ok(user.visitor.respond(status, markup))
}

//! The decisions a committee records about a member, each a form: the
//! form carries the member's version (the API's If-Match), what was typed
//! becomes the API's body, and the party service decides. A refused value
//! comes back beside its field; a refusal of the whole step (a conflict, a
//! newer version) at the top of the form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::html;
use serde_json::{Map, Value};

use super::WORDS;
use super::{member_id, unit_id};
use crate::auth::caller::Permission;
use crate::context::{Ctx, Scope};
use crate::error::{AppError, AppResult, FieldError};
use crate::ids::{MemberId, PartyOrganizationId};
use crate::party::member::Decision;
use crate::party::service::{self, Ending};
use crate::portal::browser::{FormData, Posted, SignedIn};
use crate::portal::error::{see_other, PortalError};
use crate::portal::form::{self, choice, date, optional, text, Shown, Spec};
use crate::portal::i18n::Lang;
use crate::portal::page::{self, Nav};

/// Where a step leads once recorded.
type Run = fn(&mut Ctx, MemberId, i32, Map<String, Value>) -> AppResult<String>;

/// One decision: its address, its inputs and the service it calls.
struct Step {
    slug: &'static str,
    specs: &'static [Spec],
    run: Run,
}

const DECISION: &[Spec] = &[
    date("effective_on"),
    text("decision_number"),
    text("deciding_body"),
];

const STEPS: &[Step] = &[
    Step {
        slug: "recognize",
        specs: &[
            date("official_on"),
            text("decision_number"),
            text("deciding_body"),
            optional(text("party_card_number")),
        ],
        run: recognize,
    },
    Step {
        slug: "transfer",
        specs: &[
            text("to_party_organization_code"),
            date("issued_on"),
            text("decision_number"),
            text("issuing_body"),
        ],
        run: issue_transfer,
    },
    Step {
        slug: "attendance",
        specs: &[
            text("party_organization_code"),
            date("from_on"),
            optional(date("until_on")),
            text("decision_number"),
            text("deciding_body"),
        ],
        run: attend,
    },
    Step {
        slug: "attendance-end",
        specs: DECISION,
        run: end_attendance,
    },
    Step {
        slug: "exemption",
        specs: &[
            choice("reason", &["age", "health"], "party-reason"),
            date("from_on"),
            text("decision_number"),
            text("deciding_body"),
        ],
        run: exempt,
    },
    Step {
        slug: "exemption-end",
        specs: DECISION,
        run: end_exemption,
    },
    Step {
        slug: "remove",
        specs: DECISION,
        run: remove,
    },
    Step {
        slug: "expel",
        specs: DECISION,
        run: expel,
    },
    Step {
        slug: "death",
        specs: DECISION,
        run: death,
    },
    Step {
        slug: "transfer-out",
        specs: DECISION,
        run: transfer_out,
    },
    Step {
        slug: "distinction",
        specs: &[
            choice("kind", &["reward", "discipline"], "party-distinction"),
            date("decided_on"),
            text("decision_number"),
            text("deciding_body"),
            text("form"),
        ],
        run: distinguish,
    },
];

/// A party reward or discipline (the API's `POST …/distinctions`).
fn distinguish(
    ctx: &mut Ctx,
    id: MemberId,
    version: i32,
    v: Map<String, Value>,
) -> AppResult<String> {
    service::add_distinction(ctx, id, version, form::body(v)?)
        .map(|m| recorded(m.id, "distinction"))
}

fn recorded(id: MemberId, slug: &str) -> String {
    format!("/party/members/{id}?done={slug}")
}

fn recognize(
    ctx: &mut Ctx,
    id: MemberId,
    version: i32,
    v: Map<String, Value>,
) -> AppResult<String> {
    service::recognize(ctx, id, version, form::body(v)?).map(|m| recorded(m.id, "recognize"))
}

/// The sending committee issues the transfer; the receiving one accepts it
/// on the transfer's page.
fn issue_transfer(
    ctx: &mut Ctx,
    id: MemberId,
    _version: i32,
    mut v: Map<String, Value>,
) -> AppResult<String> {
    v.insert("member_id".into(), Value::String(id.to_string()));
    service::issue(ctx, form::body(v)?).map(|t| format!("/party/transfers/{}?done=transfer", t.id))
}

fn attend(ctx: &mut Ctx, id: MemberId, version: i32, v: Map<String, Value>) -> AppResult<String> {
    service::start_attendance(ctx, id, version, form::body(v)?)
        .map(|m| recorded(m.id, "attendance"))
}

fn end_attendance(
    ctx: &mut Ctx,
    id: MemberId,
    version: i32,
    v: Map<String, Value>,
) -> AppResult<String> {
    service::end_attendance(ctx, id, version, form::body(v)?)
        .map(|m| recorded(m.id, "attendance-end"))
}

fn exempt(ctx: &mut Ctx, id: MemberId, version: i32, v: Map<String, Value>) -> AppResult<String> {
    service::start_exemption(ctx, id, version, form::body(v)?).map(|m| recorded(m.id, "exemption"))
}

fn end_exemption(
    ctx: &mut Ctx,
    id: MemberId,
    version: i32,
    v: Map<String, Value>,
) -> AppResult<String> {
    service::end_exemption(ctx, id, version, form::body(v)?)
        .map(|m| recorded(m.id, "exemption-end"))
}

fn end(
    ctx: &mut Ctx,
    (id, version): (MemberId, i32),
    (ending, slug): (Ending, &str),
    v: Map<String, Value>,
) -> AppResult<String> {
    let decision: Decision = form::body(v)?;
    service::end_membership(ctx, id, version, (ending, decision)).map(|m| recorded(m.id, slug))
}

fn remove(ctx: &mut Ctx, id: MemberId, version: i32, v: Map<String, Value>) -> AppResult<String> {
    end(ctx, (id, version), (Ending::Removed, "remove"), v)
}

fn expel(ctx: &mut Ctx, id: MemberId, version: i32, v: Map<String, Value>) -> AppResult<String> {
    end(ctx, (id, version), (Ending::Expelled, "expel"), v)
}

fn death(ctx: &mut Ctx, id: MemberId, version: i32, v: Map<String, Value>) -> AppResult<String> {
    end(ctx, (id, version), (Ending::Deceased, "death"), v)
}

fn transfer_out(
    ctx: &mut Ctx,
    id: MemberId,
    version: i32,
    v: Map<String, Value>,
) -> AppResult<String> {
    end(
        ctx,
        (id, version),
        (Ending::TransferredOut, "transfer-out"),
        v,
    )
}

fn step(user: &SignedIn, slug: &str) -> Result<&'static Step, PortalError> {
    STEPS
        .iter()
        .find(|s| s.slug == slug)
        .ok_or_else(|| user.fail(AppError::NotFound { entity: "page" }))
}

/// What a step's page says of the member: name and current version.
struct Subject {
    name: String,
    version: i32,
}

async fn subject(user: &SignedIn, scope: Scope, id: MemberId) -> Result<Subject, PortalError> {
    user.run(scope, move |ctx| {
        let view = service::read(ctx, id, None)?;
        Ok(Subject {
            name: view.full_name,
            version: view.version,
        })
    })
    .await
}

fn step_page(
    user: &SignedIn,
    step: &Step,
    subject: &Subject,
    (shown, notice): (Shown, Option<String>),
) -> maud::Markup {
    let lang = user.lang();
    let body = html! {
        @if let Some(notice) = &notice { (form::notice(notice)) }
        p.lead { (subject.name) }
        p.hint { (lang.t(&format!("party-help-{}", step.slug))) }
        (form::render(user, &shown))
    };
    let title = lang.t(&format!("party-action-{}", step.slug));
    page::signed_in_page(user, Nav::Party, &title, body)
}

fn shown_for<'a>(lang: Lang, step: &'a Step, id: MemberId, version: i32) -> Shown<'a> {
    let mut shown = Shown::blank(
        format!("/party/members/{id}/{}", step.slug),
        (WORDS, step.specs),
        lang.t(&format!("party-submit-{}", step.slug)),
    );
    shown.hidden = vec![("version", version.to_string())];
    shown.cancel = Some(format!("/party/members/{id}"));
    shown
}

pub async fn form(
    user: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::EditParty)?;
    let (id, slug) = path.into_inner();
    let (id, step) = (member_id(&user, &id)?, step(&user, &slug)?);
    let subject = subject(&user, scope, id).await?;
    let shown = shown_for(user.lang(), step, id, subject.version);
    Ok(user.ok(step_page(&user, step, &subject, (shown, None))))
}

pub async fn decide(
    posted: Posted<SignedIn>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::EditParty)?;
    let (id, slug) = path.into_inner();
    let (id, step) = (member_id(&user, &id)?, step(&user, &slug)?);
    let lang = user.lang();
    let version = form::version(&user, &form)?;
    let values = match form::read(lang, step.specs, &form) {
        Ok(values) => values,
        Err(errors) => {
            return refused(&user, (step, id), (scope, &form), Refusal::Fields(errors)).await
        }
    };
    let run = step.run;
    let outcome = user
        .visitor
        .app
        .as_caller(&user.caller, scope.clone(), move |ctx| {
            run(ctx, id, version, values)
        })
        .await;
    match outcome {
        Ok(location) => Ok(see_other(&location)),
        Err(error) => {
            let refusal = Refusal::of(lang, error).map_err(|e| user.fail(e))?;
            refused(&user, (step, id), (scope, &form), refusal).await
        }
    }
}

/// Why a form comes back: fields to correct, or the step as a whole.
pub enum Refusal {
    Fields(Vec<FieldError>),
    Whole(StatusCode, String),
}

impl Refusal {
    /// A service's refusal a form can show; any other error is a page.
    pub fn of(lang: Lang, error: AppError) -> Result<Refusal, AppError> {
        Ok(match error {
            AppError::Validation(errors) => Refusal::Fields(
                errors
                    .into_iter()
                    .map(|e| form::translate(lang, e))
                    .collect(),
            ),
            AppError::Conflict { code, .. } => {
                let key = format!("conflict-{code}");
                let message = if lang.has(&key) {
                    lang.t(&key)
                } else {
                    lang.t("error-conflict-detail")
                };
                Refusal::Whole(StatusCode::CONFLICT, message)
            }
            AppError::Duplicate { .. } => {
                Refusal::Whole(StatusCode::CONFLICT, lang.t("party-duplicate"))
            }
            AppError::StaleVersion { .. } => {
                Refusal::Whole(StatusCode::PRECONDITION_FAILED, lang.t("party-stale"))
            }
            other => return Err(other),
        })
    }

    fn status(&self) -> StatusCode {
        match self {
            Refusal::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Whole(status, _) => *status,
        }
    }
}

/// The form again as typed, with the refusal; a stale form carries the
/// current version, so what was typed can be sent again once checked.
async fn refused(
    user: &SignedIn,
    (step, id): (&Step, MemberId),
    (scope, form): (Scope, &FormData),
    refusal: Refusal,
) -> Result<HttpResponse, PortalError> {
    let subject = subject(user, scope, id).await?;
    let status = refusal.status();
    let (errors, notice) = match refusal {
        Refusal::Fields(errors) => (errors, None),
        Refusal::Whole(_, message) => (Vec::new(), Some(message)),
    };
    let shown = shown_for(user.lang(), step, id, subject.version).again(form, errors);
    let markup = step_page(user, step, &subject, (shown, notice));
    Ok(user.visitor.respond(status, markup))
}

const ADMISSION: &[Spec] = &[
    text("full_name"),
    date("birth_date"),
    choice("sex", &["male", "female"], "party-sex"),
    optional(text("ethnic_group_code")),
    optional(text("religion_code")),
    optional(text("hometown")),
    text("personal_identification_code"),
    optional(text("identity_number")),
    optional(text("party_card_number")),
    date("admitted_on"),
    text("decision_number"),
    text("deciding_body"),
];

fn admission_page(
    user: &SignedIn,
    (cell, cell_name): (PartyOrganizationId, &str),
    form: Option<(&FormData, Vec<FieldError>)>,
    notice: Option<String>,
) -> maud::Markup {
    let lang = user.lang();
    let mut shown = Shown::blank(
        format!("/party/units/{cell}/admit"),
        (WORDS, ADMISSION),
        lang.t("party-submit-admit"),
    );
    shown.cancel = Some(format!("/party/units/{cell}"));
    if let Some((form, errors)) = form {
        shown = shown.again(form, errors);
    }
    let body = html! {
        @if let Some(notice) = &notice { (form::notice(notice)) }
        p.lead { (cell_name) }
        p.hint { (lang.t("party-help-admit")) }
        (form::render(user, &shown))
    };
    page::signed_in_page(user, Nav::Party, &lang.t("party-action-admit"), body)
}

async fn cell_name(
    user: &SignedIn,
    scope: Scope,
    id: PartyOrganizationId,
) -> Result<String, PortalError> {
    user.run(scope, move |ctx| Ok(service::visible_unit(ctx, id)?.name))
        .await
}

pub async fn admission_form(
    user: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::EditParty)?;
    let cell = unit_id(&user, &id)?;
    let name = cell_name(&user, scope, cell).await?;
    Ok(user.ok(admission_page(&user, (cell, &name), None, None)))
}

pub async fn admit(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::EditParty)?;
    let cell = unit_id(&user, &id)?;
    let lang = user.lang();
    let refusal = match form::read(lang, ADMISSION, &form) {
        Err(errors) => Refusal::Fields(errors),
        Ok(mut values) => {
            values.insert(
                "party_organization_id".into(),
                Value::String(cell.to_string()),
            );
            let outcome = user
                .visitor
                .app
                .as_caller(&user.caller, scope.clone(), move |ctx| {
                    service::admit(ctx, form::body(values)?)
                })
                .await;
            match outcome {
                Ok(member) => return Ok(see_other(&recorded(member.id, "admit"))),
                Err(error) => Refusal::of(lang, error).map_err(|e| user.fail(e))?,
            }
        }
    };
    let name = cell_name(&user, scope, cell).await?;
    let status = refusal.status();
    let markup = match refusal {
        Refusal::Fields(errors) => {
            admission_page(&user, (cell, &name), Some((&form, errors)), None)
        }
        Refusal::Whole(_, message) => admission_page(
            &user,
            (cell, &name),
            Some((&form, Vec::new())),
            Some(message),
        ),
    };
    Ok(user.visitor.respond(status, markup))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_and_input_has_its_words() {
        let mut keys = vec![
            "party-action-admit".to_owned(),
            "party-help-admit".to_owned(),
        ];
        for step in STEPS {
            for prefix in ["party-action", "party-help", "party-submit", "party-done"] {
                keys.push(format!("{prefix}-{}", step.slug));
            }
            keys.extend(step.specs.iter().map(|s| form::label_key(WORDS, s.name)));
        }
        keys.extend(ADMISSION.iter().map(|s| form::label_key(WORDS, s.name)));
        keys.extend([
            "party-distinction-reward".into(),
            "party-distinction-discipline".into(),
        ]);
        for lang in Lang::ALL {
            let missing: Vec<&String> = keys.iter().filter(|k| !lang.has(k)).collect();
            assert!(missing.is_empty(), "{}: {missing:?}", lang.code());
        }
    }
}

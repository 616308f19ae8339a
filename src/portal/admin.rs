//! Administration in the browser: accounts (list, create, edit), their
//! grants, and the level policies, by the same administration services the
//! API calls, so the administrator's scope, the "never beyond one's own
//! roles" rule, step-up and audit are theirs. Units are named by their code,
//! as on the papers, and read within the administrator's scope.

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde_json::{Map, Value};

use super::browser::{FormData, Posted, SignedIn};
use super::error::{see_other, PortalError};
use super::form::{self, choice, integer, text, yes_no, Shown, Spec};
use super::format;
use super::i18n::Lang;
use super::page::{self, Nav};
use crate::auth::admin::{self, CreatedUser, UpdateUser, UserUpdate};
use crate::auth::caller::Permission;
use crate::auth::model::{policy_level, Grant, LevelPolicy, Role, UserStatus, UserView};
use crate::context::{Ctx, Scope};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::route_table::RouteTable;
use crate::ids::{GrantId, OrganizationId, UserId};

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/admin/users", |r| r.get(users))
        .resource("/admin/users/new", |r| r.get(new_user).post(create_user))
        .resource("/admin/users/{id}", |r| r.get(user_page))
        .resource("/admin/users/{id}/edit", |r| r.get(edit_form).post(edit))
        .resource("/admin/users/{id}/unlock", |r| {
            r.get(unlock_form).post(unlock)
        })
        .resource("/admin/users/{id}/reset-mfa", |r| {
            r.get(reset_mfa_form).post(reset_mfa)
        })
        .resource("/admin/users/{id}/grants/new", |r| {
            r.get(grant_form).post(add_grant)
        })
        .resource("/admin/users/{id}/grants/{grant}/remove", |r| {
            r.get(remove_form).post(remove_grant)
        })
        .resource("/admin/policies", |r| r.get(policies))
        .resource("/admin/policies/{level}", |r| {
            r.get(policy_form).post(put_policy)
        });
}

/// The prefix of the administration forms' labels.
const WORDS: &str = "admin-field";

static ROLES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| Role::ALL.iter().map(|r| r.as_str()).collect());

const NEW_USER: &[Spec] = &[
    text("username"),
    text("display_name"),
    text("organization_code"),
];

const EDIT_USER: &[Spec] = &[
    text("display_name"),
    choice("status", &["active", "disabled"], "user-status"),
];

const POLICY: &[Spec] = &[
    integer("session_lifetime_seconds"),
    integer("idle_timeout_seconds"),
    integer("step_up_max_age_seconds"),
    yes_no("sign_in_allowed"),
];

fn grant_specs() -> [Spec; 2] {
    [choice("role", &ROLES, "role"), text("organization_code")]
}

fn user_id(user: &SignedIn, raw: &str) -> Result<UserId, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "user" }))
}

/// The unit a typed code names, within the caller's scope, as the id the
/// API's body takes under `key`.
fn unit_by_code(ctx: &mut Ctx, values: &mut Map<String, Value>, key: &str) -> AppResult<()> {
    let code = values
        .remove("organization_code")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let unit = crate::org::read::read_by_code(ctx, &code)
        .map_err(|_| AppError::invalid("organization_code", "no such organization"))?;
    values.insert(
        key.to_owned(),
        Value::String(unit.organization.id.to_string()),
    );
    Ok(())
}

/// The names of units, those the caller may see.
fn unit_name(ctx: &mut Ctx, id: OrganizationId) -> String {
    crate::org::service::visible(ctx, id)
        .map(|o| format!("{} ({})", o.name, o.code))
        .unwrap_or_default()
}

/// A form page: its refusal at the top, then the form.
fn form_page(
    user: &SignedIn,
    title: &str,
    lead: &str,
    (shown, notice): (&Shown, Option<&str>),
) -> Markup {
    let body = html! {
        @if let Some(notice) = notice { (form::notice(notice)) }
        @if !lead.is_empty() { p.lead { (lead) } }
        (form::render(user, shown))
    };
    page::signed_in_page(user, Nav::Admin, title, body)
}

/// What a refused form shows: the fields' errors, or one message.
fn refusal(
    user: &SignedIn,
    error: AppError,
) -> Result<(StatusCode, Vec<FieldError>, Option<String>), PortalError> {
    let lang = user.lang();
    match error {
        AppError::Validation(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .into_iter()
                .map(|e| form::translate(lang, e))
                .collect(),
            None,
        )),
        AppError::Duplicate { .. } => Ok((
            StatusCode::CONFLICT,
            Vec::new(),
            Some(lang.t("admin-duplicate")),
        )),
        AppError::StaleVersion { .. } => Ok((
            StatusCode::PRECONDITION_FAILED,
            Vec::new(),
            Some(lang.t("error-stale-detail")),
        )),
        other => Err(user.fail(other)),
    }
}

pub async fn users(user: SignedIn) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ManageUsers)?;
    let rows = user
        .run(scope, |ctx| {
            let users = admin::list_users(ctx)?;
            Ok(users
                .into_iter()
                .map(|u| {
                    let unit = unit_name(ctx, u.home_organization_id);
                    (u, unit)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let body = html! {
        div.actions {
            a.button href="/admin/users/new" { (lang.t("admin-new-user")) }
            a.button.button--secondary href="/admin/policies" { (lang.t("admin-policies-title")) }
        }
        div.table-wrap {
            table {
                thead { tr {
                    th scope="col" { (lang.t("admin-field-username")) }
                    th scope="col" { (lang.t("admin-field-display-name")) }
                    th scope="col" { (lang.t("admin-home-unit")) }
                    th scope="col" { (lang.t("admin-field-status")) }
                    th scope="col" { (lang.t("admin-mfa")) }
                } }
                tbody {
                    @for (account, unit) in &rows {
                        tr {
                            th scope="row" { a href=(format!("/admin/users/{}", account.id)) { (account.username) } }
                            td { (account.display_name) }
                            td { (unit) }
                            td { (lang.t(&format!("user-status-{}", account.status))) }
                            td { (lang.t(if account.mfa_enrolled { "choose-yes" } else { "choose-no" })) }
                        }
                    }
                }
            }
        }
    };
    let title = lang.t("admin-users-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Admin, &title, body)))
}

fn new_user_shown(lang: Lang) -> Shown<'static> {
    let mut shown = Shown::blank(
        "/admin/users/new".into(),
        (WORDS, NEW_USER),
        lang.t("admin-create"),
    );
    shown.cancel = Some("/admin/users".into());
    shown
}

pub async fn new_user(user: SignedIn) -> Result<HttpResponse, PortalError> {
    user.require(Permission::ManageUsers)?;
    let lang = user.lang();
    let shown = new_user_shown(lang);
    Ok(user.ok(form_page(
        &user,
        &lang.t("admin-new-user"),
        "",
        (&shown, None),
    )))
}

pub async fn create_user(posted: Posted<SignedIn>) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::ManageUsers)?;
    let lang = user.lang();
    let (status, errors, notice) = match form::read(lang, NEW_USER, &form) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok(mut values) => {
            let created = user
                .visitor
                .app
                .as_caller(&user.caller, scope, move |ctx| {
                    unit_by_code(ctx, &mut values, "home_organization_id")?;
                    admin::create_user(ctx, form::body(values)?)
                })
                .await;
            match created {
                Ok(created) => return Ok(created_page(&user, &created)),
                Err(error) => refusal(&user, error)?,
            }
        }
    };
    let shown = new_user_shown(lang).again(&form, errors);
    let markup = form_page(
        &user,
        &lang.t("admin-new-user"),
        "",
        (&shown, notice.as_deref()),
    );
    Ok(user.visitor.respond(status, markup))
}

/// The new account and its first password, shown this once and never
/// stored by the browser.
fn created_page(user: &SignedIn, created: &CreatedUser) -> HttpResponse {
    let lang = user.lang();
    let body = html! {
        div.notice.notice--ok role="status" { p { (lang.t("admin-created")) } }
        dl.facts {
            dt { (lang.t("admin-field-username")) } dd { (created.user.username) }
            dt { (lang.t("admin-initial-password")) } dd { code.secret { (created.initial_password) } }
        }
        p { (lang.t("admin-initial-password-once")) }
        p { a href=(format!("/admin/users/{}", created.user.id)) { (lang.t("admin-open-user")) } }
    };
    // every response is `Cache-Control: no-store` (docs/security.md)
    user.visitor.respond(
        StatusCode::CREATED,
        page::signed_in_page(user, Nav::Admin, &lang.t("admin-new-user"), body),
    )
}

/// An account with its grants and the units they name.
struct Account {
    view: UserView,
    unit: String,
    grants: Vec<(Grant, String)>,
}

async fn account(user: &SignedIn, scope: Scope, id: UserId) -> Result<Account, PortalError> {
    user.run(scope, move |ctx| {
        let view = admin::get_user(ctx, id)?;
        let grants = admin::list_grants(ctx, id)?
            .into_iter()
            .map(|g| {
                let unit = unit_name(ctx, g.organization_id);
                (g, unit)
            })
            .collect();
        Ok(Account {
            unit: unit_name(ctx, view.home_organization_id),
            view,
            grants,
        })
    })
    .await
}

pub async fn user_page(user: SignedIn, id: web::Path<String>) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::ManageUsers)?;
    let id = user_id(&user, &id)?;
    let account = account(&user, scope, id).await?;
    let lang = user.lang();
    let view = &account.view;
    let body = html! {
        dl.facts {
            dt { (lang.t("admin-field-username")) } dd { (view.username) }
            dt { (lang.t("admin-field-display-name")) } dd { (view.display_name) }
            dt { (lang.t("admin-home-unit")) } dd { (account.unit) }
            dt { (lang.t("admin-field-status")) } dd {
                (lang.t(&format!("user-status-{}", view.status)))
                @if let (UserStatus::Locked, Some(until)) = (view.status, view.locked_until) {
                    " " (lang.t_with("admin-locked-until", &[("time", &format::date_time(until))]))
                }
            }
            dt { (lang.t("admin-mfa")) } dd { (lang.t(if view.mfa_enrolled { "choose-yes" } else { "choose-no" })) }
            dt { (lang.t("profile-updated")) } dd { (format::date_time(view.updated_at)) }
        }
        div.actions {
            a.button.button--secondary href=(format!("/admin/users/{id}/edit")) { (lang.t("admin-edit-user")) }
            a.button.button--secondary href=(format!("/admin/users/{id}/grants/new")) { (lang.t("admin-add-grant")) }
            @if view.status == UserStatus::Locked {
                a.button href=(format!("/admin/users/{id}/unlock")) { (lang.t("admin-unlock")) }
            }
            @if view.mfa_enrolled && user.caller.user_id != id {
                a.button.button--secondary href=(format!("/admin/users/{id}/reset-mfa")) { (lang.t("admin-reset-mfa")) }
            }
        }
        h2 { (lang.t("admin-grants")) }
        @if account.grants.is_empty() {
            p { (lang.t("start-no-grants")) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("start-grant-role")) }
                        th scope="col" { (lang.t("start-grant-unit")) }
                        th scope="col" { (lang.t("admin-granted-at")) }
                        th scope="col" { span.visually-hidden { (lang.t("admin-remove-grant")) } }
                    } }
                    tbody {
                        @for (grant, unit) in &account.grants {
                            tr {
                                td { (lang.t(&format!("role-{}", grant.role))) }
                                td { (unit) }
                                td { (format::date_time(grant.granted_at)) }
                                td { a href=(format!("/admin/users/{id}/grants/{}/remove", grant.id)) { (lang.t("admin-remove-grant")) } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(user.ok(page::signed_in_page(
        &user,
        Nav::Admin,
        &view.username,
        body,
    )))
}

fn edit_shown(lang: Lang, id: UserId, view: &UserView) -> Shown<'static> {
    let mut shown = Shown::blank(
        format!("/admin/users/{id}/edit"),
        (WORDS, EDIT_USER),
        lang.t("edit-save"),
    );
    let status = match view.status.as_str() {
        "disabled" => "disabled",
        _ => "active",
    };
    shown.values = vec![view.display_name.clone(), status.to_owned()];
    shown.hidden = vec![("version", view.version.to_string())];
    shown.cancel = Some(format!("/admin/users/{id}"));
    shown
}

/// Changing an account needs a fresh second factor, as in the API.
pub async fn edit_form(user: SignedIn, id: web::Path<String>) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let id = user_id(&user, &id)?;
    let view = user.run(scope, move |ctx| admin::get_user(ctx, id)).await?;
    let shown = edit_shown(user.lang(), id, &view);
    let title = user.lang().t("admin-edit-user");
    Ok(user.ok(form_page(&user, &title, &view.username, (&shown, None))))
}

pub async fn edit(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let id = user_id(&user, &id)?;
    let lang = user.lang();
    let version = form::version(&user, &form)?;
    let (status, errors, notice) = match form::read(lang, EDIT_USER, &form) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok(values) => {
            let grants = user.caller.grants.clone();
            let saved = user
                .visitor
                .app
                .as_caller(&user.caller, scope.clone(), move |ctx| {
                    let update = UserUpdate {
                        id,
                        version,
                        change: form::body(values)?,
                    };
                    admin::update_user(ctx, &grants, update)
                })
                .await;
            match saved {
                Ok(_) => return Ok(see_other(&format!("/admin/users/{id}"))),
                Err(error) => refusal(&user, error)?,
            }
        }
    };
    let view = user.run(scope, move |ctx| admin::get_user(ctx, id)).await?;
    let shown = edit_shown(lang, id, &view).again(&form, errors);
    let markup = form_page(
        &user,
        &lang.t("admin-edit-user"),
        &view.username,
        (&shown, notice.as_deref()),
    );
    Ok(user.visitor.respond(status, markup))
}

/// Asks before a locked account is unlocked (and proves the second
/// factor); the form carries the version the account was read at.
pub async fn unlock_form(
    user: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let id = user_id(&user, &id)?;
    let view = user.run(scope, move |ctx| admin::get_user(ctx, id)).await?;
    Ok(user.ok(unlock_page(&user, &view, None)))
}

fn unlock_page(user: &SignedIn, view: &UserView, notice: Option<&str>) -> Markup {
    let lang = user.lang();
    let id = view.id;
    let body = html! {
        @if let Some(notice) = notice { (form::notice(notice)) }
        @if view.status == UserStatus::Locked {
            p.lead { (lang.t_with("admin-unlock-ask", &[("user", &view.username)])) }
            form method="post" action=(format!("/admin/users/{id}/unlock")) {
                (page::csrf(&user.csrf()))
                input type="hidden" name="version" value=(view.version);
                div.actions {
                    button.button type="submit" { (lang.t("admin-unlock")) }
                    a href=(format!("/admin/users/{id}")) { (lang.t("cancel")) }
                }
            }
        } @else {
            p.lead { (lang.t("admin-not-locked")) }
            p { a href=(format!("/admin/users/{id}")) { (view.username) } }
        }
    };
    page::signed_in_page(user, Nav::Admin, &lang.t("admin-unlock"), body)
}

/// Unlocks the account: the API's `PATCH /users/{id}` with `status: active`.
pub async fn unlock(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let id = user_id(&user, &id)?;
    let version = form::version(&user, &form)?;
    let grants = user.caller.grants.clone();
    let saved = user
        .visitor
        .app
        .as_caller(&user.caller, scope.clone(), move |ctx| {
            let change = UpdateUser {
                display_name: None,
                status: Some(UserStatus::Active),
            };
            admin::update_user(
                ctx,
                &grants,
                UserUpdate {
                    id,
                    version,
                    change,
                },
            )
        })
        .await;
    let (status, _, notice) = match saved {
        Ok(_) => return Ok(see_other(&format!("/admin/users/{id}"))),
        Err(error) => refusal(&user, error)?,
    };
    let view = user.run(scope, move |ctx| admin::get_user(ctx, id)).await?;
    Ok(user
        .visitor
        .respond(status, unlock_page(&user, &view, notice.as_deref())))
}

/// Asks before an account's second factor is forgotten (a lost phone),
/// after the administrator proves their own.
pub async fn reset_mfa_form(
    user: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let id = user_id(&user, &id)?;
    let view = user.run(scope, move |ctx| admin::get_user(ctx, id)).await?;
    Ok(user.ok(reset_mfa_page(&user, &view, None)))
}

fn reset_mfa_page(user: &SignedIn, view: &UserView, notice: Option<&str>) -> Markup {
    let lang = user.lang();
    let id = view.id;
    let body = html! {
        @if let Some(notice) = notice { (form::notice(notice)) }
        @if view.mfa_enrolled {
            p.lead { (lang.t_with("admin-reset-mfa-ask", &[("user", &view.username)])) }
            form method="post" action=(format!("/admin/users/{id}/reset-mfa")) {
                (page::csrf(&user.csrf()))
                input type="hidden" name="version" value=(view.version);
                div.actions {
                    button.button type="submit" { (lang.t("admin-reset-mfa")) }
                    a href=(format!("/admin/users/{id}")) { (lang.t("cancel")) }
                }
            }
        } @else {
            p.lead { (lang.t("admin-no-mfa")) }
            p { a href=(format!("/admin/users/{id}")) { (view.username) } }
        }
    };
    page::signed_in_page(user, Nav::Admin, &lang.t("admin-reset-mfa"), body)
}

/// The API's `DELETE /users/{id}/mfa`.
pub async fn reset_mfa(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let id = user_id(&user, &id)?;
    let version = form::version(&user, &form)?;
    let grants = user.caller.grants.clone();
    let saved = user
        .visitor
        .app
        .as_caller(&user.caller, scope.clone(), move |ctx| {
            admin::reset_user_mfa(ctx, &grants, (id, version))
        })
        .await;
    let (status, _, notice) = match saved {
        Ok(_) => return Ok(see_other(&format!("/admin/users/{id}"))),
        Err(error) => refusal(&user, error)?,
    };
    let view = user.run(scope, move |ctx| admin::get_user(ctx, id)).await?;
    Ok(user
        .visitor
        .respond(status, reset_mfa_page(&user, &view, notice.as_deref())))
}

fn grant_page(user: &SignedIn, id: UserId, form: Option<(&FormData, Vec<FieldError>)>) -> Markup {
    let lang = user.lang();
    let specs = grant_specs();
    let mut shown = Shown::blank(
        format!("/admin/users/{id}/grants/new"),
        (WORDS, &specs),
        lang.t("admin-add-grant"),
    );
    shown.cancel = Some(format!("/admin/users/{id}"));
    if let Some((form, errors)) = form {
        shown = shown.again(form, errors);
    }
    let body = html! {
        p.hint { (lang.t("admin-grant-help")) }
        (form::render(user, &shown))
    };
    page::signed_in_page(user, Nav::Admin, &lang.t("admin-add-grant"), body)
}

pub async fn grant_form(
    user: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let id = user_id(&user, &id)?;
    user.run(scope, move |ctx| admin::get_user(ctx, id)).await?;
    Ok(user.ok(grant_page(&user, id, None)))
}

pub async fn add_grant(
    posted: Posted<SignedIn>,
    id: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let id = user_id(&user, &id)?;
    let lang = user.lang();
    let (status, errors) = match form::read(lang, &grant_specs(), &form) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Ok(mut values) => {
            let grants = user.caller.grants.clone();
            let added = user
                .visitor
                .app
                .as_caller(&user.caller, scope, move |ctx| {
                    unit_by_code(ctx, &mut values, "organization_id")?;
                    admin::add_grant(ctx, &grants, id, form::body(values)?)
                })
                .await;
            match added {
                Ok(_) => return Ok(see_other(&format!("/admin/users/{id}"))),
                Err(error) => {
                    let (status, errors, _) = refusal(&user, error)?;
                    (status, errors)
                }
            }
        }
    };
    Ok(user
        .visitor
        .respond(status, grant_page(&user, id, Some((&form, errors)))))
}

fn ids(user: &SignedIn, path: (String, String)) -> Result<(UserId, GrantId), PortalError> {
    let grant = path
        .1
        .parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "grant" }))?;
    Ok((user_id(user, &path.0)?, grant))
}

/// Asks before a grant is removed (and proves the second factor).
pub async fn remove_form(
    user: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let (id, grant) = ids(&user, path.into_inner())?;
    let account = account(&user, scope, id).await?;
    let Some((grant, unit)) = account.grants.iter().find(|(g, _)| g.id == grant) else {
        return Err(user.fail(AppError::NotFound { entity: "grant" }));
    };
    let lang = user.lang();
    let body = html! {
        p.lead { (lang.t_with("admin-remove-grant-ask", &[
            ("role", &lang.t(&format!("role-{}", grant.role))),
            ("unit", unit),
            ("user", &account.view.username),
        ])) }
        form method="post" action=(format!("/admin/users/{id}/grants/{}/remove", grant.id)) {
            (page::csrf(&user.csrf()))
            div.actions {
                button.button type="submit" { (lang.t("admin-remove-grant")) }
                a href=(format!("/admin/users/{id}")) { (lang.t("cancel")) }
            }
        }
    };
    Ok(user.ok(page::signed_in_page(
        &user,
        Nav::Admin,
        &lang.t("admin-remove-grant"),
        body,
    )))
}

pub async fn remove_grant(
    posted: Posted<SignedIn>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PortalError> {
    let user = posted.who;
    let scope = user.require(Permission::ManageUsers)?;
    user.require_fresh_mfa()?;
    let (id, grant) = ids(&user, path.into_inner())?;
    let grants = user.caller.grants.clone();
    user.run(scope, move |ctx| {
        admin::remove_grant(ctx, &grants, id, grant)
    })
    .await?;
    Ok(see_other(&format!("/admin/users/{id}")))
}

pub async fn policies(user: SignedIn) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ManageUsers)?;
    let policies = user.run(scope, admin::list_policies).await?;
    let may_change = user.may(Permission::ManagePolicies);
    let minutes =
        |seconds: i32| lang.t_with("admin-minutes", &[("minutes", &(seconds / 60).to_string())]);
    let body = html! {
        div.table-wrap {
            table {
                thead { tr {
                    th scope="col" { (lang.t("org-level")) }
                    th scope="col" { (lang.t("admin-field-session-lifetime-seconds")) }
                    th scope="col" { (lang.t("admin-field-idle-timeout-seconds")) }
                    th scope="col" { (lang.t("admin-field-step-up-max-age-seconds")) }
                    th scope="col" { (lang.t("admin-field-sign-in-allowed")) }
                    @if may_change { th scope="col" { span.visually-hidden { (lang.t("profile-edit")) } } }
                } }
                tbody {
                    @for policy in &policies {
                        tr {
                            th scope="row" { (lang.t(&format!("level-{}", policy.level))) }
                            td { (minutes(policy.session_lifetime_seconds)) }
                            td { (minutes(policy.idle_timeout_seconds)) }
                            td { (minutes(policy.step_up_max_age_seconds)) }
                            td { (lang.t(if policy.sign_in_allowed { "choose-yes" } else { "choose-no" })) }
                            @if may_change {
                                td { a href=(format!("/admin/policies/{}", policy.level)) {
                                    (lang.t("profile-edit")) span.visually-hidden { " " (lang.t(&format!("level-{}", policy.level))) }
                                } }
                            }
                        }
                    }
                }
            }
        }
    };
    let title = lang.t("admin-policies-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Admin, &title, body)))
}

fn policy_shown(lang: Lang, policy: &LevelPolicy) -> Shown<'static> {
    let mut shown = Shown::blank(
        format!("/admin/policies/{}", policy.level),
        (WORDS, POLICY),
        lang.t("edit-save"),
    );
    shown.values = vec![
        policy.session_lifetime_seconds.to_string(),
        policy.idle_timeout_seconds.to_string(),
        policy.step_up_max_age_seconds.to_string(),
        policy.sign_in_allowed.to_string(),
    ];
    shown.hidden = vec![("version", policy.version.to_string())];
    shown.cancel = Some("/admin/policies".into());
    shown
}

async fn policy_of(user: &SignedIn, scope: Scope, level: &str) -> Result<LevelPolicy, PortalError> {
    let level = policy_level(level).map_err(|e| user.fail(e))?;
    let policies = user.run(scope, admin::list_policies).await?;
    policies
        .into_iter()
        .find(|p| p.level == level)
        .ok_or_else(|| user.fail(AppError::NotFound { entity: "policy" }))
}

fn policy_title(lang: Lang, policy: &LevelPolicy) -> String {
    lang.t_with(
        "admin-policy-title",
        &[("level", &lang.t(&format!("level-{}", policy.level)))],
    )
}

/// Only a system administrator changes a level's policy, with a fresh
/// second factor.
pub async fn policy_form(
    user: SignedIn,
    level: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::ManagePolicies)?;
    user.require_fresh_mfa()?;
    let policy = policy_of(&user, scope, &level).await?;
    let lang = user.lang();
    let shown = policy_shown(lang, &policy);
    let hint = lang.t("admin-policy-help");
    Ok(user.ok(form_page(
        &user,
        &policy_title(lang, &policy),
        &hint,
        (&shown, None),
    )))
}

pub async fn put_policy(
    posted: Posted<SignedIn>,
    level: web::Path<String>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::ManagePolicies)?;
    user.require_fresh_mfa()?;
    let lang = user.lang();
    let level = level.into_inner();
    let parsed = policy_level(&level).map_err(|e| user.fail(e))?;
    let version = form::version(&user, &form)?;
    let (status, errors, notice) = match form::read(lang, POLICY, &form) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok(values) => {
            let saved = user
                .visitor
                .app
                .as_caller(&user.caller, scope.clone(), move |ctx| {
                    admin::put_policy(ctx, parsed, version, form::body(values)?)
                })
                .await;
            match saved {
                Ok(_) => return Ok(see_other("/admin/policies")),
                Err(error) => refusal(&user, error)?,
            }
        }
    };
    let policy = policy_of(&user, scope, &level).await?;
    let shown = policy_shown(lang, &policy).again(&form, errors);
    let hint = lang.t("admin-policy-help");
    let markup = form_page(
        &user,
        &policy_title(lang, &policy),
        &hint,
        (&shown, notice.as_deref()),
    );
    Ok(user.visitor.respond(status, markup))
}

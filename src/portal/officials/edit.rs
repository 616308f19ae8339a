//! Editing a profile one section at a time. The form carries the version it
//! was made from (the API's If-Match); the profile service checks the
//! version, the rules and the scope, and writes the change history and the
//! audit entry. A refused value comes back beside its field. A section
//! holding sealed items (contact data) is edited as it stands in full, so
//! its form is a reveal: the editor role over the managing organization, a
//! fresh second factor (the step-up page, and back) and an audit entry.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde_json::{Map, Value};

use super::sections::{self, label_key, Catalogs, Item, ItemKind, Section};
use super::{catalogs, official_id};
use crate::auth::caller::Permission;
use crate::context::Scope;
use crate::error::{AppError, AppResult, FieldError};
use crate::ids::OfficialId;
use crate::officials::service;
use crate::officials::view::OfficialView;
use crate::portal::browser::{FormData, Posted, SignedIn};
use crate::portal::error::PortalError;
use crate::portal::i18n::Lang;
use crate::portal::page::{self, Field, Kind, Nav};

fn editable_section(user: &SignedIn, id: &str) -> Result<&'static Section, PortalError> {
    sections::section(id)
        .filter(|s| s.editable)
        .ok_or_else(|| user.fail(AppError::NotFound { entity: "section" }))
}

/// What the form shows: the values (as stored, or as typed), the version it
/// edits, and the errors beside the fields.
struct Shown<'a> {
    id: OfficialId,
    name: String,
    section: &'static Section,
    version: i32,
    values: Vec<String>,
    errors: Vec<FieldError>,
    notice: Option<&'a str>,
}

/// The stored values of a section, as its inputs hold them.
fn stored(lang: Lang, catalogs: &Catalogs, section: &Section, view: &OfficialView) -> Vec<String> {
    let data = serde_json::to_value(&view.data).unwrap_or_default();
    section
        .items
        .iter()
        .map(|item| sections::typed(lang, catalogs, item, &data[item.key]))
        .collect()
}

/// The section's form as the profile stands now, with a notice if any;
/// sealed items in full, through the reveal.
async fn current_form(
    user: &SignedIn,
    id: OfficialId,
    section: &'static Section,
    scope: Scope,
    notice: Option<&str>,
) -> Result<Markup, PortalError> {
    let reveal = section.holds_sealed();
    if reveal {
        user.require_fresh_mfa()?;
    }
    let (view, catalogs) = user
        .run(scope, move |ctx| {
            let view = if reveal {
                service::reveal(ctx, id)?
            } else {
                service::get(ctx, id)?
            };
            Ok((view, catalogs(ctx)?))
        })
        .await?;
    let shown = Shown {
        id,
        name: view.data.full_name.clone(),
        section,
        version: view.version,
        values: stored(user.lang(), &catalogs, section, &view),
        errors: Vec::new(),
        notice,
    };
    Ok(form_page(user, &catalogs, &shown))
}

pub async fn form(
    user: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::EditPersonnel)?;
    let (id, section) = path.into_inner();
    let (id, section) = (official_id(&user, &id)?, editable_section(&user, &section)?);
    let markup = current_form(&user, id, section, scope, None).await?;
    Ok(user.ok(markup))
}

/// The typed values read as the section's JSON values, or the fields that
/// could not be read.
fn read_section(
    lang: Lang,
    section: &Section,
    form: &FormData,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut values = Map::new();
    let mut errors = Vec::new();
    for item in section.items {
        match sections::read(item, form.get(item.key)) {
            Ok(value) => {
                values.insert(item.key.to_owned(), value);
            }
            Err(unreadable) => errors.push(FieldError::new(item.key, lang.t(unreadable.0))),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// Only what differs from the profile as the service shows it now: an item
/// left as it was shown is not sent back. Sealed items show masked there but
/// in full in their form, so they are sent; the service, comparing with the
/// stored values, records only a real change.
fn changed(typed: Map<String, Value>, current: &OfficialView) -> AppResult<Map<String, Value>> {
    let now = serde_json::to_value(&current.data).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(typed
        .into_iter()
        .filter(|(key, value)| !same(&now[key.as_str()], value))
        .collect())
}

/// Numbers compare by value (3.3 and 3.30 are the same coefficient).
fn same(stored: &Value, typed: &Value) -> bool {
    match (stored.as_f64(), typed.as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        _ => stored == typed,
    }
}

pub async fn save(
    posted: Posted<SignedIn>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PortalError> {
    let Posted { who: user, form } = posted;
    let scope = user.require(Permission::EditPersonnel)?;
    let (id, section) = path.into_inner();
    let (id, section) = (official_id(&user, &id)?, editable_section(&user, &section)?);
    let lang = user.lang();
    let version = form.get("version").and_then(|v| v.parse::<i32>().ok());
    let typed = match (read_section(lang, section, &form), version) {
        (Ok(typed), Some(version)) => (typed, version),
        (Err(errors), _) => return again(&user, id, section, &form, errors, scope).await,
        (Ok(_), None) => return Err(user.fail(AppError::PreconditionRequired)),
    };
    let saved = user
        .visitor
        .app
        .as_caller(&user.caller, scope.clone(), move |ctx| {
            let (typed, version) = typed;
            let current = service::get(ctx, id)?;
            let patch = changed(typed, &current)?;
            if patch.is_empty() {
                return Ok(());
            }
            service::update(ctx, id, version, patch).map(|_| ())
        })
        .await;
    match saved {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, saved_location(id, section)))
            .finish()),
        Err(AppError::Validation(errors)) => again(&user, id, section, &form, errors, scope).await,
        Err(AppError::StaleVersion { .. }) => {
            let markup = current_form(&user, id, section, scope, Some("edit-stale")).await?;
            Ok(user
                .visitor
                .respond(StatusCode::PRECONDITION_FAILED, markup))
        }
        Err(other) => Err(user.fail(other)),
    }
}

/// The profile at the saved section; revealed when the section holds sealed
/// items, so the editor sees what they wrote (the form proved the second
/// factor moments ago).
fn saved_location(id: OfficialId, section: &Section) -> String {
    let reveal = if section.holds_sealed() {
        "reveal=true&"
    } else {
        ""
    };
    format!("/officials/{id}?{reveal}saved={0}#section-{0}", section.id)
}

/// The form again, as typed, with the errors beside their fields.
async fn again(
    user: &SignedIn,
    id: OfficialId,
    section: &'static Section,
    form: &FormData,
    errors: Vec<FieldError>,
    scope: Scope,
) -> Result<HttpResponse, PortalError> {
    let (view, catalogs) = user
        .run(scope, move |ctx| {
            Ok((service::get(ctx, id)?, catalogs(ctx)?))
        })
        .await?;
    let shown = Shown {
        id,
        name: view.data.full_name.clone(),
        section,
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(view.version),
        values: section
            .items
            .iter()
            .map(|i| form.raw(i.key).to_owned())
            .collect(),
        errors,
        notice: None,
    };
    let markup = form_page(user, &catalogs, &shown);
    Ok(user
        .visitor
        .respond(StatusCode::UNPROCESSABLE_ENTITY, markup))
}

/// A service's message for a field, in the user's words where the catalog
/// has them (`invalid-email`), else the generic one with the service's.
fn message(lang: Lang, error: &FieldError) -> String {
    let key = format!("invalid-{}", error.field.replace('_', "-"));
    if lang.has(&key) {
        lang.t(&key)
    } else if lang.has(&error.message) {
        lang.t(&error.message)
    } else {
        lang.t_with("invalid-value", &[("detail", &error.message)])
    }
}

fn input(lang: Lang, catalogs: &Catalogs, item: &Item) -> Kind {
    match item.kind {
        ItemKind::LongText => Kind::LongText,
        ItemKind::Email => Kind::Email,
        ItemKind::Tel => Kind::Tel,
        ItemKind::Date => Kind::Date,
        ItemKind::Integer | ItemKind::Decimal => Kind::Number,
        ItemKind::Code(catalog) => Kind::Select(catalogs.options(catalog, lang.t("choose-none"))),
        ItemKind::Text | ItemKind::Word(_) | ItemKind::Languages => Kind::Text,
    }
}

fn autocomplete(item: &Item) -> Option<&'static str> {
    match item.key {
        "current_address" => Some("street-address"),
        "phone" => Some("tel"),
        "email" => Some("email"),
        _ => None,
    }
}

fn form_page(user: &SignedIn, catalogs: &Catalogs, shown: &Shown) -> Markup {
    let lang = user.lang();
    let section_name = lang.t(&format!("section-{}", shown.section.id));
    let error_of = |key: &str| {
        shown
            .errors
            .iter()
            .find(|e| e.field == key)
            .map(|e| message(lang, e))
    };
    let summary: Vec<(String, String)> = shown
        .errors
        .iter()
        .map(|e| {
            let label = lang.t(&label_key(&e.field));
            (e.field.clone(), format!("{label}: {}", message(lang, e)))
        })
        .collect();
    let fields: Vec<Field> = shown
        .section
        .items
        .iter()
        .zip(&shown.values)
        .map(|(item, value)| Field {
            error: error_of(item.key),
            autocomplete: autocomplete(item),
            ..Field::new(
                item.key,
                lang.t(&label_key(item.key)),
                value.clone(),
                input(lang, catalogs, item),
            )
        })
        .collect();
    let body = html! {
        @if let Some(notice) = shown.notice {
            div.error-summary role="alert" tabindex="-1" { p { (lang.t(notice)) } }
        }
        (page::error_summary(lang, &summary))
        p.lead { (shown.name) }
        form.stack method="post" action=(format!("/officials/{}/edit/{}", shown.id, shown.section.id)) novalidate {
            (page::csrf(&user.csrf()))
            input type="hidden" name="version" value=(shown.version);
            @for field in &fields { (page::field(lang, field)) }
            div.actions {
                button.button type="submit" { (lang.t("edit-save")) }
                a href=(format!("/officials/{}#section-{}", shown.id, shown.section.id)) { (lang.t("cancel")) }
            }
        }
    };
    let title = lang.t_with("edit-title", &[("section", &section_name)]);
    page::signed_in_page(user, Nav::Officials, &title, body)
}

//! A profile in the sections of the 2C form, and its history of changes.

use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::records::{self, RESUME_KINDS};
use super::sections::{self, label_key, Section, SECTIONS};
use super::{load, official_id, Loaded};
use crate::auth::caller::Permission;
use crate::officials::model::Change;
use crate::officials::service;
use crate::officials::view::OfficialView;
use crate::portal::browser::SignedIn;
use crate::portal::error::PortalError;
use crate::portal::format;
use crate::portal::i18n::Lang;
use crate::portal::page::{self, Nav};

#[derive(Debug, Default, Deserialize)]
pub struct ProfileQuery {
    reveal: Option<String>,
    saved: Option<String>,
}

/// The profile, its sealed items (identity numbers, contact data) masked;
/// `?reveal=true` shows them in full, which needs
/// the editor role, a fresh second factor (step-up) and is audited.
pub async fn profile(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<ProfileQuery>,
) -> Result<HttpResponse, PortalError> {
    let id = official_id(&user, &id)?;
    let reveal = query.reveal.as_deref() == Some("true");
    let scope = if reveal {
        user.require_fresh_mfa()?;
        user.require(Permission::EditPersonnel)?
    } else {
        user.require(Permission::ReadPersonnel)?
    };
    let loaded = user.run(scope, move |ctx| load(ctx, id, reveal)).await?;
    let lang = user.lang();
    let saved = query.saved.as_deref().and_then(sections::section);
    let body = html! {
        @if let Some(section) = saved {
            div.notice.notice--ok role="status" {
                p { (lang.t_with("profile-saved", &[("section", &lang.t(&format!("section-{}", section.id)))])) }
            }
        }
        (summary(lang, &loaded))
        (actions(&user, &loaded.view))
        nav aria-labelledby="toc-title" {
            h2 #toc-title { (lang.t("profile-contents")) }
            ol.toc {
                @for section in SECTIONS {
                    li { a href=(format!("#section-{}", section.id)) { (lang.t(&format!("section-{}", section.id))) } }
                }
                @for kind in RESUME_KINDS {
                    li { a href=(format!("#records-{kind}")) { (lang.t(&format!("records-{kind}"))) } }
                }
            }
        }
        @for section in SECTIONS { (section_view(&user, &loaded, section)) }
        @for kind in RESUME_KINDS {
            section.section aria-labelledby=(format!("records-{kind}")) {
                h2 id=(format!("records-{kind}")) { (lang.t(&format!("records-{kind}"))) }
                (records::table(lang, &loaded.catalogs, kind, &loaded.records))
            }
        }
    };
    let title = loaded.view.data.full_name.clone();
    Ok(user.ok(page::signed_in_page(&user, Nav::Officials, &title, body)))
}

fn summary(lang: Lang, loaded: &Loaded) -> Markup {
    let view = &loaded.view;
    html! {
        dl.facts {
            dt { (lang.t("profile-status")) }
            dd { (lang.t(&format!("profile-status-{}", view.status))) }
            dt { (lang.t("field-managing-organization")) }
            dd { a href=(format!("/organizations/{}", view.data.managing_organization_id)) { (loaded.managing.clone().unwrap_or_default()) } }
            dt { (lang.t("field-using-organization")) }
            dd { a href=(format!("/organizations/{}", view.data.using_organization_id)) { (loaded.using.clone().unwrap_or_default()) } }
            dt { (lang.t("profile-updated")) }
            dd { (format::date_time(view.updated_at)) }
        }
    }
}

fn actions(user: &SignedIn, view: &OfficialView) -> Markup {
    let lang = user.lang();
    let id = view.id;
    html! {
        div.actions.no-print {
            a.button href=(format!("/officials/{id}/print")) { (lang.t("profile-print")) }
            @for (form, code) in [("2c-bnv-2008", "2C-BNV/2008"), ("2c-tctw-98", "2C/TCTW-98")] {
                a.button.button--secondary
                    href=(format!("/officials/{id}/resume?form={form}&format=pdf{}", if view.revealed { "&reveal=true" } else { "" })) {
                    (lang.t_with("profile-resume-pdf", &[("form", code)]))
                }
            }
            a.button.button--secondary href=(format!("/officials/{id}/history")) { (lang.t("profile-history")) }
            @if user.may(Permission::HandleDossiers) {
                a.button.button--secondary href=(format!("/dossiers?subject_id={id}")) { (lang.t("dossier-list-title")) }
            }
            @if user.may(Permission::EditPersonnel) && !view.revealed {
                a.button.button--secondary href=(format!("/officials/{id}?reveal=true")) { (lang.t("profile-reveal")) }
            }
        }
    }
}

fn section_view(user: &SignedIn, loaded: &Loaded, section: &Section) -> Markup {
    let lang = user.lang();
    let heading = format!("section-{}", section.id);
    let editable = section.editable
        && user.may(Permission::EditPersonnel)
        && loaded.view.status == crate::officials::model::ProfileStatus::Active;
    html! {
        section.section aria-labelledby=(heading) {
            div.section__head {
                h2 id=(heading) { (lang.t(&heading)) }
                @if editable {
                    a.button.button--secondary.no-print href=(format!("/officials/{}/edit/{}", loaded.view.id, section.id)) {
                        (lang.t("profile-edit")) span.visually-hidden { " " (lang.t(&heading)) }
                    }
                }
            }
            dl.facts {
                @for item in section.items {
                    dt { (lang.t(&label_key(item.key))) }
                    dd { (sections::shown(lang, &loaded.catalogs, item, &loaded.data[item.key])) }
                }
            }
        }
    }
}

/// Who changed what, and when.
pub async fn history(user: SignedIn, id: web::Path<String>) -> Result<HttpResponse, PortalError> {
    let id = official_id(&user, &id)?;
    let scope = user.require(Permission::ReadPersonnel)?;
    let (view, changes) = user
        .run(scope, move |ctx| {
            Ok((service::get(ctx, id)?, service::changes(ctx, id)?))
        })
        .await?;
    let lang = user.lang();
    let body = html! {
        p { a href=(format!("/officials/{id}")) { (lang.t("back-to-profile")) } }
        (changes_table(lang, &changes))
    };
    let title = lang.t_with("history-title", &[("name", &view.data.full_name)]);
    Ok(user.ok(page::signed_in_page(&user, Nav::Officials, &title, body)))
}

/// A change's words: known actions and fields by their messages.
fn action_label(lang: Lang, action: &str) -> String {
    let key = format!("change-{}", action.replace('_', "-"));
    if lang.has(&key) {
        lang.t(&key)
    } else {
        action.to_owned()
    }
}

fn field_label(lang: Lang, field: &str) -> String {
    let key = label_key(field);
    if lang.has(&key) {
        lang.t(&key)
    } else {
        field.to_owned()
    }
}

fn changes_table(lang: Lang, changes: &[Change]) -> Markup {
    html! {
        div.table-wrap {
            table {
                thead { tr {
                    th scope="col" { (lang.t("change-at")) }
                    th scope="col" { (lang.t("change-by")) }
                    th scope="col" { (lang.t("change-what")) }
                    th scope="col" { (lang.t("change-fields")) }
                } }
                tbody {
                    @for change in changes.iter().rev() {
                        tr {
                            td { (format::date_time(change.at)) }
                            td { (change.actor.clone().unwrap_or_default()) }
                            td { (action_label(lang, &change.action)) }
                            td { (change.fields.iter().map(|f| field_label(lang, f)).collect::<Vec<_>>().join(", ")) }
                        }
                    }
                }
            }
        }
    }
}

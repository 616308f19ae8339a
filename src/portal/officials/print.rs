//! The 2C résumé (Sơ yếu lý lịch, Mẫu 2C) as a page to print: the items in
//! the form's order, then its tables. The print stylesheet drops the site's
//! frame; identity numbers print masked, as the profile shows them.

use actix_web::{web, HttpResponse};

use crate::reports::resume::model::{ResumeQuery, ResumeRequest};
use crate::reports::resume::{routes as resume_routes, service as resume_service};
use maud::{html, Markup};

use super::records::{self};
use super::sections::{self, label_key, Item, SECTIONS};
use super::{load, official_id, Loaded};
use crate::auth::caller::Permission;
use crate::officials::model::RecordKind;
use crate::portal::browser::SignedIn;
use crate::portal::error::PortalError;
use crate::portal::format;
use crate::portal::i18n::Lang;
use crate::portal::page::{self, Nav};

/// The numbered lines of the form, each with the profile items it states.
const LINES: &[&[&str]] = &[
    &["other_names"],
    &["birth_date", "sex"],
    &["birthplace"],
    &["hometown"],
    &["ethnic_group_code", "religion_code"],
    &["current_address", "phone"],
    &["recruiting_position"],
    &["first_recruited_on", "recruiting_agency"],
    &["joined_current_agency_on"],
    &["position_code", "job_position"],
    &[
        "rank_code",
        "salary_step",
        "salary_coefficient",
        "salary_step_since",
    ],
    &["general_education", "education_level_code"],
    &["political_theory_code", "state_management_code"],
    &["foreign_languages", "it_level"],
    &["party_admitted_on", "party_official_on"],
    &["identity_card_number", "social_insurance_number"],
];

/// The tables after the items: (kind, title key).
const TABLES: [(RecordKind, &str); 5] = [
    (RecordKind::Training, "resume-training"),
    (RecordKind::Career, "resume-career"),
    (RecordKind::Salary, "resume-salary"),
    (RecordKind::Reward, "resume-rewards"),
    (RecordKind::Evaluation, "resume-evaluation"),
];

fn item(key: &str) -> Option<&'static Item> {
    SECTIONS.iter().flat_map(|s| s.items).find(|i| i.key == key)
}

fn line(lang: Lang, loaded: &Loaded, keys: &[&str]) -> Markup {
    html! {
        li {
            @for (n, key) in keys.iter().enumerate() {
                @if n > 0 { "; " }
                (lang.t(&label_key(key))) ": "
                @if let Some(item) = item(key) {
                    span.value { (sections::shown(lang, &loaded.catalogs, item, &loaded.data[*key])) }
                }
            }
        }
    }
}

pub async fn print(user: SignedIn, id: web::Path<String>) -> Result<HttpResponse, PortalError> {
    let id = official_id(&user, &id)?;
    let scope = user.require(Permission::ReadPersonnel)?;
    let loaded = user.run(scope, move |ctx| load(ctx, id, false)).await?;
    let lang = user.lang();
    let today = format::date(user.visitor.app.clock.today());
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let body = html! {
        div.actions.no-print {
            button.button type="button" data-print hidden { (lang.t("resume-print")) }
            span { (lang.t("resume-print-hint")) }
            a href=(format!("/officials/{id}")) { (lang.t("back-to-profile")) }
        }
        article.resume {
            p.resume__form-code { (lang.t("resume-form-code")) }
            p { (lang.t("resume-managing")) ": " span.value { (text(&loaded.managing)) } }
            p { (lang.t("resume-using")) ": " span.value { (text(&loaded.using)) } }
            p { (lang.t("field-cbccvc-code")) ": " span.value { (text(&loaded.view.data.cbccvc_code)) } }
            h2.resume__title { (lang.t("resume-title")) }
            ol.items {
                li {
                    (lang.t("resume-full-name")) ": "
                    span.value { (loaded.view.data.full_name.to_uppercase()) }
                }
                @for keys in LINES { (line(lang, &loaded, keys)) }
            }
            @for (kind, title) in TABLES {
                h3 { (lang.t(title)) }
                (records::table(lang, &loaded.catalogs, kind, &loaded.records))
            }
            p { (lang.t_with("resume-printed-on", &[("date", &today)])) }
        }
    };
    let title = lang.t_with(
        "resume-page-title",
        &[("name", &loaded.view.data.full_name)],
    );
    Ok(user.ok(page::signed_in_page(&user, Nav::Officials, &title, body)))
}

/// The résumé in an official layout as the API answers it (`form`,
/// `format=html|pdf`, `reveal`), for the profile's "download PDF" links.
pub async fn resume(
    user: SignedIn,
    id: web::Path<String>,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, PortalError> {
    let id = official_id(&user, &id)?;
    let (form, format, reveal) = query.parse().map_err(|e| user.fail(e))?;
    let scope = if reveal {
        let scope = user.require(Permission::EditPersonnel)?;
        user.require_fresh_mfa()?;
        scope
    } else {
        user.require(Permission::ReadPersonnel)?
    };
    let request = ResumeRequest { id, form, reveal };
    let resume = user
        .run(scope, move |ctx| resume_service::resume(ctx, request))
        .await?;
    resume_routes::answer(&resume, format).map_err(|e| user.fail(e))
}

//! Finding officials with the API's filters (a name typed with or without
//! diacritics, a unit and its subtree, codes, sex, age, party membership,
//! status), the results in a table a page at a time.

use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};

use super::sections::Catalogs;
use super::{catalogs, unit_name};
use crate::auth::caller::Permission;
use crate::error::{AppError, FieldError};
use crate::ids::OrganizationId;
use crate::officials::input::{SearchFilter, SearchQuery};
use crate::officials::model::{Classification, ProfileStatus, Sex};
use crate::officials::service;
use crate::officials::view::OfficialSummary;
use crate::pagination::Page;
use crate::portal::browser::SignedIn;
use crate::portal::error::PortalError;
use crate::portal::format;
use crate::portal::i18n::Lang;
use crate::portal::page::{self, Field, Kind, Nav};

/// The filters as the form sends them: (parameter, catalog of its codes).
const CODE_FILTERS: [(&str, &str); 5] = [
    ("position_code", "position"),
    ("rank_code", "rank"),
    ("degree_code", "degree"),
    ("political_theory_code", "political_theory"),
    ("ethnic_group_code", "ethnic_group"),
];

/// The form's fields by name, blanks dropped (a form sends every field).
fn given(query: &[(String, String)]) -> HashMap<String, String> {
    query
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect()
}

fn search_query(given: &HashMap<String, String>) -> SearchQuery {
    let get = |name: &str| given.get(name).cloned();
    SearchQuery {
        q: get("q"),
        organization_id: get("organization_id"),
        include_subtree: get("include_subtree"),
        classification: get("classification"),
        rank_code: get("rank_code"),
        position_code: get("position_code"),
        degree_code: get("degree_code"),
        political_theory_code: get("political_theory_code"),
        ethnic_group_code: get("ethnic_group_code"),
        hometown_province_code: get("hometown_province_code"),
        birthplace_province_code: get("birthplace_province_code"),
        term_ends_from: get("term_ends_from"),
        term_ends_to: get("term_ends_to"),
        raise_due_from: get("raise_due_from"),
        raise_due_to: get("raise_due_to"),
        sex: get("sex"),
        age_min: get("age_min"),
        age_max: get("age_max"),
        party_member: get("party_member"),
        status: get("status"),
        limit: None,
        cursor: get("cursor"),
    }
}

/// What the results show beside the page of profiles.
struct Results {
    page: Page<OfficialSummary>,
    units: HashMap<OrganizationId, String>,
}

/// The page with the names of the units managing its profiles.
fn with_units(ctx: &mut crate::context::Ctx, page: Page<OfficialSummary>) -> Results {
    let ids: BTreeSet<OrganizationId> = page
        .items
        .iter()
        .map(|o| o.managing_organization_id)
        .collect();
    let units = ids
        .into_iter()
        .filter_map(|id| unit_name(ctx, id).map(|name| (id, name)))
        .collect();
    Results { page, units }
}

pub async fn search(
    user: SignedIn,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, PortalError> {
    let scope = user.require(Permission::ReadPersonnel)?;
    let asked = !query.is_empty();
    let given = given(&query);
    let filter = asked.then(|| SearchFilter::try_from(search_query(&given)));
    let organization = given
        .get("organization_id")
        .and_then(|id| id.parse::<OrganizationId>().ok());
    let outcome = user
        .visitor
        .app
        .as_caller(&user.caller, scope, move |ctx| {
            let catalogs = catalogs(ctx)?;
            let unit = organization.and_then(|id| unit_name(ctx, id));
            let results = match filter {
                Some(Ok(filter)) => match service::search(ctx, filter) {
                    Ok(page) => Some(Ok(with_units(ctx, page))),
                    Err(AppError::Validation(errors)) => Some(Err(errors)),
                    Err(other) => return Err(other),
                },
                Some(Err(AppError::Validation(errors))) => Some(Err(errors)),
                Some(Err(other)) => return Err(other),
                None => None,
            };
            Ok((catalogs, unit, results))
        })
        .await
        .map_err(|e| user.fail(e))?;
    let (catalogs, unit, results) = outcome;
    let (results, errors) = match results {
        Some(Ok(results)) => (Some(results), Vec::new()),
        Some(Err(errors)) => (None, errors),
        None => (None, Vec::new()),
    };
    let lang = user.lang();
    let body = html! {
        (filters(lang, &catalogs, &given, unit.as_deref(), &errors))
        @if let Some(results) = &results { (table(lang, &catalogs, results, &given)) }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let markup = page::signed_in_page(&user, Nav::Officials, &lang.t("search-title"), body);
    Ok(user.visitor.respond(status, markup))
}

fn words<T: Copy>(
    lang: Lang,
    prefix: &str,
    all: &[T],
    word: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    std::iter::once((String::new(), lang.t("choose-any")))
        .chain(all.iter().map(|v| {
            (
                word(*v).to_owned(),
                lang.t(&format!("{prefix}-{}", word(*v))),
            )
        }))
        .collect()
}

fn yes_no(lang: Lang, any: &str) -> Vec<(String, String)> {
    vec![
        (String::new(), lang.t(any)),
        ("true".to_owned(), lang.t("choose-yes")),
        ("false".to_owned(), lang.t("choose-no")),
    ]
}

fn filters(
    lang: Lang,
    catalogs: &Catalogs,
    given: &HashMap<String, String>,
    unit: Option<&str>,
    errors: &[FieldError],
) -> Markup {
    let value = |name: &str| given.get(name).cloned().unwrap_or_default();
    let error = |name: &str| {
        errors.iter().find(|e| e.field == name).map(|e| {
            let key = format!("invalid-{}", name.replace('_', "-"));
            if lang.has(&key) {
                lang.t(&key)
            } else {
                lang.t_with("invalid-value", &[("detail", &e.message)])
            }
        })
    };
    let field = |name: &'static str, label: &str, kind: Kind| Field {
        error: error(name),
        ..Field::new(name, lang.t(label), value(name), kind)
    };
    let mut fields = vec![
        Field {
            hint: Some(lang.t("search-q-hint")),
            ..field("q", "search-q", Kind::Text)
        },
        field(
            "classification",
            "field-classification",
            Kind::Select(words(lang, "classification", Classification::ALL, |c| {
                c.as_str()
            })),
        ),
        field(
            "sex",
            "field-sex",
            Kind::Select(words(lang, "sex", Sex::ALL, |s| s.as_str())),
        ),
        field("age_min", "search-age-min", Kind::Number),
        field("age_max", "search-age-max", Kind::Number),
        field(
            "party_member",
            "search-party-member",
            Kind::Select(yes_no(lang, "choose-any")),
        ),
        field(
            "status",
            "search-status",
            Kind::Select(words(lang, "profile-status", ProfileStatus::ALL, |s| {
                s.as_str()
            })),
        ),
    ];
    for (name, catalog) in CODE_FILTERS {
        let label = format!("field-{}", name.replace('_', "-"));
        fields.push(field(
            name,
            &label,
            Kind::Select(catalogs.options(catalog, lang.t("choose-any"))),
        ));
    }
    if given.contains_key("organization_id") {
        fields.push(field(
            "include_subtree",
            "search-include-subtree",
            Kind::Select(vec![
                ("true".to_owned(), lang.t("choose-yes")),
                ("false".to_owned(), lang.t("choose-no")),
            ]),
        ));
    }
    let summary: Vec<(String, String)> = errors
        .iter()
        .map(|e| {
            (
                e.field.clone(),
                error(&e.field).unwrap_or_else(|| e.message.clone()),
            )
        })
        .collect();
    html! {
        (page::error_summary(lang, &summary))
        form.filters method="get" action="/officials" role="search" {
            @if let Some(id) = given.get("organization_id") {
                div.field.field--wide {
                    input type="hidden" name="organization_id" value=(id);
                    p {
                        (lang.t("search-in-unit")) " "
                        strong { (unit.unwrap_or_default()) } " "
                        a href="/officials" { (lang.t("search-all-units")) }
                    }
                }
            }
            @for f in &fields { (page::field(lang, f)) }
            div.actions {
                button.button type="submit" { (lang.t("search-submit")) }
                a href="/officials" { (lang.t("search-clear")) }
            }
        }
    }
}

fn table(
    lang: Lang,
    catalogs: &Catalogs,
    results: &Results,
    given: &HashMap<String, String>,
) -> Markup {
    let items = &results.page.items;
    let code = |catalog: &str, code: &Option<String>| {
        code.as_deref()
            .map(|c| catalogs.name(catalog, c).to_owned())
            .unwrap_or_default()
    };
    html! {
        h2 #results { (lang.t("search-results")) }
        @if items.is_empty() {
            p role="status" { (lang.t("search-none")) }
        } @else {
            p role="status" { (lang.t_with("search-count", &[("count", &items.len().to_string())])) }
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("field-full-name")) }
                        th scope="col" { (lang.t("field-birth-date")) }
                        th scope="col" { (lang.t("field-sex")) }
                        th scope="col" { (lang.t("field-classification")) }
                        th scope="col" { (lang.t("field-position-code")) }
                        th scope="col" { (lang.t("field-rank-code")) }
                        th scope="col" { (lang.t("field-managing-organization")) }
                    } }
                    tbody {
                        @for o in items {
                            tr {
                                th scope="row" { a href=(format!("/officials/{}", o.id)) { (o.full_name) } }
                                td { (format::date(o.birth_date)) }
                                td { (lang.t(&format!("sex-{}", o.sex))) }
                                td { (lang.t(&format!("classification-{}", o.classification))) }
                                td { (code("position", &o.position_code)) }
                                td { (code("rank", &o.rank_code)) }
                                td { (results.units.get(&o.managing_organization_id).cloned().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(cursor) = &results.page.next_cursor {
            nav.pager aria-label=(lang.t("search-pages")) {
                a.button.button--secondary href=(next_page(given, cursor)) { (lang.t("search-next")) }
            }
        }
    }
}

/// The same search, from the row after this page's last.
fn next_page(given: &HashMap<String, String>, cursor: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = given
        .iter()
        .filter(|(k, _)| k.as_str() != "cursor")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.sort_unstable();
    pairs.push(("cursor", cursor));
    format!("/officials?{}#results", format::query_string(&pairs))
}

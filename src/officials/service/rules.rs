//! What makes a profile valid: dates in order, a working age, a coefficient
//! with two decimals, known codes, and organizations the caller may use.

use chrono::{Datelike, NaiveDate};

use super::{unit, Unit};
use crate::catalogs;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, FieldError};
use crate::officials::model::ProfileData;
use crate::validation::validated;

/// Checks `data` whole and derives what follows from it (the province of
/// today from a former one); returns the organization that will manage it.
pub(super) fn check_rules(ctx: &mut Ctx, data: &mut ProfileData) -> AppResult<Unit> {
    validated(data)?;
    let errors: Vec<FieldError> = FIELD_RULES
        .iter()
        .flat_map(|rule| rule(data, ctx.today))
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    known_codes(ctx, data)?;
    provinces_of_today(ctx, data)?;
    placement(ctx, data)
}

/// A place named by a province before 2025's merger counts under the
/// province it is part of today.
fn provinces_of_today(ctx: &mut Ctx, data: &mut ProfileData) -> AppResult<()> {
    for (former, today) in [
        (
            &data.hometown_former_province_code,
            &mut data.hometown_province_code,
        ),
        (
            &data.birthplace_former_province_code,
            &mut data.birthplace_province_code,
        ),
    ] {
        let Some(former) = former else { continue };
        let details = catalogs::details_in(ctx, "former_province", former)?.unwrap_or_default();
        if let Some(successor) = details["successor"].as_str() {
            *today = Some(successor.to_owned());
        }
    }
    Ok(())
}

/// Rules on the data alone, each reporting the fields it finds at fault.
type FieldRule = fn(&ProfileData, NaiveDate) -> Vec<FieldError>;

const FIELD_RULES: [FieldRule; 8] = [
    working_age,
    after_birth_and_not_ahead,
    recruited_at_sixteen,
    in_order,
    two_decimals,
    card_with_its_issue,
    posts_in_order,
    levels_stated,
];

fn posts_in_order(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    data.concurrent_posts
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!((p.from_date, p.to_date), (Some(a), Some(b)) if b < a))
        .map(|(i, _)| {
            FieldError::new(
                format!("concurrent_posts[{i}].to_date"),
                "must not be before from_date",
            )
        })
        .collect()
}

/// A language's level, as written or coded.
fn levels_stated(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    data.foreign_languages
        .iter()
        .enumerate()
        .filter(|(_, l)| l.level.is_none() && l.level_code.is_none())
        .map(|(i, _)| {
            FieldError::new(
                format!("foreign_languages[{i}].level_code"),
                "give the level as written (level) or its code",
            )
        })
        .collect()
}

fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

fn fault(field: &str, message: &str) -> Vec<FieldError> {
    vec![FieldError::new(field, message)]
}

fn working_age(data: &ProfileData, today: NaiveDate) -> Vec<FieldError> {
    if (18..=100).contains(&age_on(data.birth_date, today)) {
        return Vec::new();
    }
    fault(
        "birth_date",
        "must make a working age: 18 to 100 years old today",
    )
}

/// Dates of the person's life after birth.
fn life_dates(data: &ProfileData) -> [(&'static str, Option<NaiveDate>); 12] {
    [
        ("identity_card_issued_on", data.identity_card_issued_on),
        ("first_recruited_on", data.first_recruited_on),
        ("joined_current_agency_on", data.joined_current_agency_on),
        ("rank_since", data.rank_since),
        ("salary_step_since", data.salary_step_since),
        ("first_appointed_on", data.first_appointed_on),
        ("reappointed_on", data.reappointed_on),
        ("academic_title_on", data.academic_title_on),
        ("degree_on", data.degree_on),
        ("party_admitted_on", data.party_admitted_on),
        ("party_official_on", data.party_official_on),
        ("joined_revolution_on", data.joined_revolution_on),
    ]
}

fn after_birth_and_not_ahead(data: &ProfileData, today: NaiveDate) -> Vec<FieldError> {
    life_dates(data)
        .into_iter()
        .filter_map(|(field, date)| match date? {
            d if d <= data.birth_date => {
                Some(FieldError::new(field, "must be after the birth date"))
            }
            d if d > today => Some(FieldError::new(field, "must not be in the future")),
            _ => None,
        })
        .collect()
}

fn recruited_at_sixteen(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    match data.first_recruited_on {
        Some(d) if age_on(data.birth_date, d) < 16 => {
            fault("first_recruited_on", "is before the person turned 16")
        }
        _ => Vec::new(),
    }
}

/// Dates that follow another: (the later one's field, earlier, later).
fn sequences(data: &ProfileData) -> [(&'static str, Option<NaiveDate>, Option<NaiveDate>); 4] {
    [
        (
            "joined_current_agency_on",
            data.first_recruited_on,
            data.joined_current_agency_on,
        ),
        (
            "reappointed_on",
            data.first_appointed_on,
            data.reappointed_on,
        ),
        (
            "party_official_on",
            data.party_admitted_on,
            data.party_official_on,
        ),
        ("term_end_on", data.term_start_on, data.term_end_on),
    ]
}

fn in_order(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    sequences(data)
        .into_iter()
        .filter(|(_, earlier, later)| matches!((earlier, later), (Some(a), Some(b)) if b < a))
        .map(|(field, _, _)| FieldError::new(field, "must not be before the date it follows"))
        .collect()
}

fn two_decimals(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    match data.salary_coefficient {
        Some(c) if ((c * 100.0).round() - c * 100.0).abs() > 1e-6 => {
            fault("salary_coefficient", "has at most two decimals (e.g. 4.98)")
        }
        _ => Vec::new(),
    }
}

fn card_with_its_issue(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    let issue_given =
        data.identity_card_issued_on.is_some() || data.identity_card_issued_place.is_some();
    if data.identity_card_number.is_none() && issue_given {
        return fault(
            "identity_card_number",
            "is required with its issue date or place",
        );
    }
    Vec::new()
}

/// Coded items: (catalog, code, field).
fn coded(data: &ProfileData) -> [(&'static str, Option<&str>, &'static str); 17] {
    [
        (
            "ethnic_group",
            data.ethnic_group_code.as_deref(),
            "ethnic_group_code",
        ),
        ("religion", data.religion_code.as_deref(), "religion_code"),
        ("rank", data.rank_code.as_deref(), "rank_code"),
        ("position", data.position_code.as_deref(), "position_code"),
        (
            "education_level",
            data.education_level_code.as_deref(),
            "education_level_code",
        ),
        (
            "political_theory",
            data.political_theory_code.as_deref(),
            "political_theory_code",
        ),
        (
            "state_management",
            data.state_management_code.as_deref(),
            "state_management_code",
        ),
        (
            "academic_title",
            data.academic_title_code.as_deref(),
            "academic_title_code",
        ),
        ("degree", data.degree_code.as_deref(), "degree_code"),
        (
            "province",
            data.hometown_province_code.as_deref(),
            "hometown_province_code",
        ),
        (
            "former_province",
            data.hometown_former_province_code.as_deref(),
            "hometown_former_province_code",
        ),
        (
            "province",
            data.birthplace_province_code.as_deref(),
            "birthplace_province_code",
        ),
        (
            "former_province",
            data.birthplace_former_province_code.as_deref(),
            "birthplace_former_province_code",
        ),
        (
            "party_position",
            data.party_position_code.as_deref(),
            "party_position_code",
        ),
        ("it_level", data.it_level_code.as_deref(), "it_level_code"),
        (
            "defence_training",
            data.defence_training_code.as_deref(),
            "defence_training_code",
        ),
        (
            "policy_status",
            data.policy_status_code.as_deref(),
            "policy_status_code",
        ),
    ]
}

/// Every code is in its catalog (one statement), the first unknown one
/// reported.
fn known_codes(ctx: &mut Ctx, data: &ProfileData) -> AppResult<()> {
    let mut items: Vec<catalogs::Coded<'_>> = coded(data)
        .into_iter()
        .filter_map(|(catalog, code, field)| Some((catalog, code?, field.to_owned())))
        .collect();
    for (i, language) in data.foreign_languages.iter().enumerate() {
        let code = language.language_code.as_str();
        items.push((
            "language",
            code,
            format!("foreign_languages[{i}].language_code"),
        ));
        if let Some(level) = &language.level_code {
            items.push((
                "language_level",
                level,
                format!("foreign_languages[{i}].level_code"),
            ));
        }
    }
    for (i, post) in data.concurrent_posts.iter().enumerate() {
        let field = format!("concurrent_posts[{i}].position_code");
        items.push(("position", &post.position_code, field));
    }
    catalogs::check_all_in(ctx, &items)?;
    if let Some(entry) = super::salary::stated(data) {
        super::salary::check_entry(ctx, &entry, "")?;
    } else if data.leadership_salary_code.is_some() {
        let code = data.leadership_salary_code.as_deref();
        catalogs::check_in(ctx, "leadership_salary", code, "leadership_salary_code")?;
    }
    Ok(())
}

/// The managing organization is one the caller may edit profiles of; the
/// using one is one it may see.
fn placement(ctx: &mut Ctx, data: &ProfileData) -> AppResult<Unit> {
    let managing = unit(ctx, data.managing_organization_id)?
        .filter(|u| ctx.scope.can_read(&u.path))
        .ok_or_else(|| AppError::invalid("managing_organization_id", "no such organization"))?;
    if !ctx.scope.can_write(&managing.path) {
        return Err(AppError::Forbidden(
            "you may not edit profiles managed by that organization".into(),
        ));
    }
    if unit(ctx, data.using_organization_id)?
        .filter(|u| ctx.scope.can_read(&u.path))
        .is_none()
    {
        return Err(AppError::invalid(
            "using_organization_id",
            "no such organization",
        ));
    }
    Ok(managing)
}

//! Between what an editor states (plain `ProfileData`) and the stored row
//! (sealed items, blind indexes, folded names).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{CareerRow, OfficialRow, PersonalRow, Profile, ProfileData, ProfileStatus};
use crate::crypto::{normalize_identifier, Keyring, Sealer};
use crate::error::{AppError, AppResult};

/// The table named in the associated data of every sealed profile item and
/// in the blind-index keys. The sealed items now live in official_personal,
/// but their values were sealed as officials' and cannot be re-sealed in a
/// migration (the keys never reach the database): this name stays.
pub const TABLE: &str = "officials";

/// Issue date and place travel sealed together with the card.
#[derive(Serialize, Deserialize)]
struct CardIssue {
    issued_on: Option<NaiveDate>,
    issued_place: Option<String>,
}

/// Family name first, given name last: "Nguyễn Văn An" -> ("nguyen", "an").
pub fn name_parts(full_name: &str) -> (String, String, String) {
    let folded = crate::text::fold(full_name);
    let family = folded.split(' ').next().unwrap_or_default().to_owned();
    let given = folded.rsplit(' ').next().unwrap_or_default().to_owned();
    (folded, family, given)
}

fn seal(
    sealer: &Sealer<'_>,
    column: &str,
    id: Uuid,
    value: Option<&str>,
) -> AppResult<Option<Vec<u8>>> {
    value
        .map(|v| {
            sealer
                .seal_str(TABLE, column, id, v)
                .map_err(AppError::from)
        })
        .transpose()
}

/// The blind index a row written now carries (under the sealer's blind-index key).
pub fn index(
    sealer: &Sealer<'_>,
    column: &str,
    value: Option<&str>,
    whole: bool,
) -> AppResult<Option<Vec<u8>>> {
    value
        .map(|v| sealer.blind_index(TABLE, column, &normalize_identifier(v), whole))
        .transpose()
        .map_err(AppError::from)
}

/// The personal identification code's index under every live blind-index
/// key: during a blind-index rotation another profile may still carry the
/// old key's, and one person must still have one profile.
pub fn personal_code_indexes(
    keyring: &Keyring,
    conn: &mut PgConnection,
    data: &ProfileData,
) -> AppResult<Vec<Vec<u8>>> {
    let normalized = normalize_identifier(&data.personal_identification_code);
    Ok(keyring.live_blind_indexes(
        conn,
        TABLE,
        "personal_identification_code",
        &normalized,
        true,
    )?)
}

/// The rows for `data`: a new profile (`base` None) or an update of `base`.
pub fn to_row(
    sealer: &Sealer<'_>,
    id: Uuid,
    data: &ProfileData,
    base: Option<&Profile>,
    now: DateTime<Utc>,
) -> AppResult<Profile> {
    let (name_folded, family, given) = name_parts(&data.full_name);
    let issue = match (
        &data.identity_card_issued_on,
        &data.identity_card_issued_place,
    ) {
        (None, None) => None,
        (on, place) => Some(
            serde_json::to_string(&CardIssue {
                issued_on: *on,
                issued_place: place.clone(),
            })
            .map_err(|e| AppError::Internal(e.to_string()))?,
        ),
    };
    let official = OfficialRow {
        id,
        classification: data.classification.as_str().to_owned(),
        managing_organization_id: data.managing_organization_id,
        using_organization_id: data.using_organization_id,
        cbccvc_code: data.cbccvc_code.clone(),
        full_name: data.full_name.trim().to_owned(),
        name_folded,
        family_name_folded: family,
        given_name_folded: given,
        sex: data.sex.as_str().to_owned(),
        birth_date: data.birth_date,
        identity_card_index: index(
            sealer,
            "identity_card_number",
            data.identity_card_number.as_deref(),
            false,
        )?,
        personal_identification_index: index(
            sealer,
            "personal_identification_code",
            Some(&data.personal_identification_code),
            true,
        )?,
        social_insurance_index: index(
            sealer,
            "social_insurance_number",
            data.social_insurance_number.as_deref(),
            false,
        )?,
        ethnic_group_code: data.ethnic_group_code.clone(),
        rank_code: data.rank_code.clone(),
        position_code: data.position_code.clone(),
        political_theory_code: data.political_theory_code.clone(),
        degree_code: data.degree_code.clone(),
        party_admitted_on: data.party_admitted_on,
        party_official_on: data.party_official_on,
        status: base.map_or(ProfileStatus::Active.as_str().to_owned(), |b| {
            b.status.clone()
        }),
        retired_on: base.and_then(|b| b.retired_on),
        died_on: base.and_then(|b| b.died_on),
        archived_at: base.and_then(|b| b.archived_at),
        version: base.map_or(1, |b| b.version + 1),
        created_at: base.map_or(now, |b| b.created_at),
        updated_at: now,
        blind_index_version: i32::try_from(sealer.blind_version())
            .map_err(|_| AppError::Internal("blind-index key version out of range".into()))?,
    };
    let personal = PersonalRow {
        official_id: id,
        other_names: data.other_names.clone(),
        identity_card_number: seal(
            sealer,
            "identity_card_number",
            id,
            data.identity_card_number.as_deref(),
        )?,
        identity_card_issue: seal(sealer, "identity_card_issue", id, issue.as_deref())?,
        personal_identification_code: seal(
            sealer,
            "personal_identification_code",
            id,
            Some(&data.personal_identification_code),
        )?,
        social_insurance_number: seal(
            sealer,
            "social_insurance_number",
            id,
            data.social_insurance_number.as_deref(),
        )?,
        religion_code: data.religion_code.clone(),
        hometown: data.hometown.clone(),
        birthplace: data.birthplace.clone(),
        current_address: seal(
            sealer,
            "current_address",
            id,
            data.current_address.as_deref(),
        )?,
        phone: seal(sealer, "phone", id, data.phone.as_deref())?,
        email: seal(sealer, "email", id, data.email.as_deref())?,
        party_card_number: seal(
            sealer,
            "party_card_number",
            id,
            data.party_card_number.as_deref(),
        )?,
        party_position: data.party_position.clone(),
    };
    let career = CareerRow {
        official_id: id,
        first_recruited_on: data.first_recruited_on,
        recruiting_agency: data.recruiting_agency.clone(),
        recruiting_position: data.recruiting_position.clone(),
        joined_current_agency_on: data.joined_current_agency_on,
        job_position: data.job_position.clone(),
        rank_since: data.rank_since,
        salary_step: data.salary_step,
        salary_coefficient_hundredths: data.salary_coefficient.map(|c| (c * 100.0).round() as i16),
        salary_step_since: data.salary_step_since,
        seniority_allowance_percent: data.seniority_allowance_percent,
        next_raise_on: data.next_raise_on,
        first_appointed_on: data.first_appointed_on,
        reappointed_on: data.reappointed_on,
        term: data.term.clone(),
        concurrent_positions: data.concurrent_positions.clone(),
        general_education: data.general_education.clone(),
        education_level_code: data.education_level_code.clone(),
        foreign_languages: serde_json::to_value(&data.foreign_languages)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        it_level: data.it_level.clone(),
        state_management_code: data.state_management_code.clone(),
        defence_security_training: data.defence_security_training.clone(),
        minority_languages: data.minority_languages.clone(),
        academic_title_code: data.academic_title_code.clone(),
        academic_title_on: data.academic_title_on,
        degree_on: data.degree_on,
        degree_specialty: data.degree_specialty.clone(),
    };
    Ok(Profile {
        official,
        personal,
        career,
    })
}

fn open(
    keyring: &Keyring,
    conn: &mut PgConnection,
    column: &str,
    id: Uuid,
    sealed: &Option<Vec<u8>>,
) -> AppResult<Option<String>> {
    sealed
        .as_deref()
        .map(|bytes| {
            keyring
                .open_string(conn, TABLE, column, id, bytes)
                .map_err(AppError::from)
        })
        .transpose()
}

/// The plain data of a stored profile (every sealed item opened).
pub fn to_data(
    keyring: &Keyring,
    conn: &mut PgConnection,
    profile: &Profile,
) -> AppResult<ProfileData> {
    let Profile {
        official: row,
        personal,
        career,
    } = profile;
    let id = row.id;
    let issue: Option<CardIssue> = open(
        keyring,
        conn,
        "identity_card_issue",
        id,
        &personal.identity_card_issue,
    )?
    .map(|text| serde_json::from_str(&text))
    .transpose()
    .map_err(|e| AppError::Internal(format!("sealed card issue unreadable: {e}")))?;
    let unreadable = || AppError::Internal("stored profile code unreadable".into());
    Ok(ProfileData {
        classification: super::model::Classification::parse(&row.classification)
            .ok_or_else(unreadable)?,
        managing_organization_id: row.managing_organization_id,
        using_organization_id: row.using_organization_id,
        cbccvc_code: row.cbccvc_code.clone(),
        full_name: row.full_name.clone(),
        other_names: personal.other_names.clone(),
        sex: super::model::Sex::parse(&row.sex).ok_or_else(unreadable)?,
        birth_date: row.birth_date,
        identity_card_number: open(
            keyring,
            conn,
            "identity_card_number",
            id,
            &personal.identity_card_number,
        )?,
        identity_card_issued_on: issue.as_ref().and_then(|i| i.issued_on),
        identity_card_issued_place: issue.and_then(|i| i.issued_place),
        personal_identification_code: open(
            keyring,
            conn,
            "personal_identification_code",
            id,
            &personal.personal_identification_code,
        )?
        .unwrap_or_default(),
        social_insurance_number: open(
            keyring,
            conn,
            "social_insurance_number",
            id,
            &personal.social_insurance_number,
        )?,
        ethnic_group_code: row.ethnic_group_code.clone(),
        religion_code: personal.religion_code.clone(),
        hometown: personal.hometown.clone(),
        birthplace: personal.birthplace.clone(),
        current_address: open(
            keyring,
            conn,
            "current_address",
            id,
            &personal.current_address,
        )?,
        phone: open(keyring, conn, "phone", id, &personal.phone)?,
        email: open(keyring, conn, "email", id, &personal.email)?,
        first_recruited_on: career.first_recruited_on,
        recruiting_agency: career.recruiting_agency.clone(),
        recruiting_position: career.recruiting_position.clone(),
        joined_current_agency_on: career.joined_current_agency_on,
        job_position: career.job_position.clone(),
        rank_code: row.rank_code.clone(),
        rank_since: career.rank_since,
        salary_step: career.salary_step,
        salary_coefficient: career
            .salary_coefficient_hundredths
            .map(|h| f64::from(h) / 100.0),
        salary_step_since: career.salary_step_since,
        seniority_allowance_percent: career.seniority_allowance_percent,
        next_raise_on: career.next_raise_on,
        position_code: row.position_code.clone(),
        first_appointed_on: career.first_appointed_on,
        reappointed_on: career.reappointed_on,
        term: career.term.clone(),
        concurrent_positions: career.concurrent_positions.clone(),
        general_education: career.general_education.clone(),
        education_level_code: career.education_level_code.clone(),
        foreign_languages: serde_json::from_value(career.foreign_languages.clone())
            .unwrap_or_default(),
        it_level: career.it_level.clone(),
        political_theory_code: row.political_theory_code.clone(),
        state_management_code: career.state_management_code.clone(),
        defence_security_training: career.defence_security_training.clone(),
        minority_languages: career.minority_languages.clone(),
        academic_title_code: career.academic_title_code.clone(),
        academic_title_on: career.academic_title_on,
        degree_code: row.degree_code.clone(),
        degree_on: career.degree_on,
        degree_specialty: career.degree_specialty.clone(),
        party_admitted_on: row.party_admitted_on,
        party_official_on: row.party_official_on,
        party_card_number: open(
            keyring,
            conn,
            "party_card_number",
            id,
            &personal.party_card_number,
        )?,
        party_position: personal.party_position.clone(),
    })
}

/// `001234567890` -> `0012******90`: enough to recognise, not to use.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (4, 2);
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i >= chars.len() - tail {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// Identity numbers masked for a caller not entitled to see them.
pub fn masked(mut data: ProfileData) -> ProfileData {
    data.identity_card_number = data.identity_card_number.as_deref().map(mask);
    data.personal_identification_code = mask(&data.personal_identification_code);
    data.social_insurance_number = data.social_insurance_number.as_deref().map(mask);
    data.party_card_number = data.party_card_number.as_deref().map(mask);
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_a_recognisable_edge() {
        assert_eq!(mask("001234567890"), "0012******90");
        assert_eq!(mask("123456789"), "1234***89");
        assert_eq!(mask("12345"), "*****");
    }

    #[test]
    fn vietnamese_names_split_family_first_given_last() {
        assert_eq!(
            name_parts("Nguyễn Văn  An"),
            (
                "nguyen van an".to_owned(),
                "nguyen".to_owned(),
                "an".to_owned()
            )
        );
        assert_eq!(name_parts("Đặng Thị Minh Anh").2, "anh");
    }
}

//! What the API shows of a profile: the whole of it (identity numbers masked
//! unless revealed), a short line for lists, and history entries.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::model::{
    Classification, OfficialRow, ProfileData, ProfileStatus, RecordKind, RecordRow, Sex,
};
use crate::ids::{OfficialId, OrganizationId, RecordId};

/// A profile as the API shows it: the data (identity numbers masked unless
/// revealed) and its life cycle.
#[derive(Debug, Clone, Serialize)]
pub struct OfficialView {
    pub id: OfficialId,
    #[serde(flatten)]
    pub data: ProfileData,
    pub party_member: bool,
    /// The linked party member record, for party grant holders who see it.
    pub party: Option<crate::party::view::ProfileMembership>,
    pub status: ProfileStatus,
    pub retired_on: Option<NaiveDate>,
    pub died_on: Option<NaiveDate>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Whether identity numbers are shown in full.
    pub revealed: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OfficialView {
    /// The profile stored as `row`, whose data is `data`: identity numbers in
    /// full when `revealed`, else masked.
    pub fn new(row: &OfficialRow, data: ProfileData, revealed: bool) -> OfficialView {
        OfficialView {
            id: row.id,
            party_member: data.party_admitted_on.is_some(),
            data: if revealed { data } else { data.masked() },
            party: None,
            status: row.status,
            retired_on: row.retired_on,
            died_on: row.died_on,
            archived_at: row.archived_at,
            revealed,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl OfficialView {
    /// To a personnel viewer without a party grant a profile shows no party
    /// data (DB2 is protected apart): the Table 26 party items are withheld.
    pub fn without_party_data(mut self) -> OfficialView {
        self.party_member = false;
        self.party = None;
        self.data.party_admitted_on = None;
        self.data.party_official_on = None;
        self.data.party_card_number = None;
        self.data.party_position = None;
        self
    }
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

impl ProfileData {
    /// Identity numbers masked for a caller not entitled to see them.
    pub fn masked(mut self) -> ProfileData {
        self.identity_card_number = self.identity_card_number.as_deref().map(mask);
        self.personal_identification_code = mask(&self.personal_identification_code);
        self.social_insurance_number = self.social_insurance_number.as_deref().map(mask);
        self.party_card_number = self.party_card_number.as_deref().map(mask);
        self
    }
}

/// A short line for search results and lookups.
#[derive(Debug, Clone, Serialize)]
pub struct OfficialSummary {
    pub id: OfficialId,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub classification: Classification,
    pub managing_organization_id: OrganizationId,
    pub using_organization_id: OrganizationId,
    pub cbccvc_code: Option<String>,
    pub rank_code: Option<String>,
    pub position_code: Option<String>,
    pub status: ProfileStatus,
}

impl From<&OfficialRow> for OfficialSummary {
    fn from(row: &OfficialRow) -> Self {
        OfficialSummary {
            id: row.id,
            full_name: row.full_name.clone(),
            sex: row.sex,
            birth_date: row.birth_date,
            classification: row.classification,
            managing_organization_id: row.managing_organization_id,
            using_organization_id: row.using_organization_id,
            cbccvc_code: row.cbccvc_code.clone(),
            rank_code: row.rank_code.clone(),
            position_code: row.position_code.clone(),
            status: row.status,
        }
    }
}

/// A history entry with its details in plain text (sealed ones opened).
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub id: RecordId,
    pub kind: RecordKind,
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
    pub data: serde_json::Value,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RecordView {
    /// The entry stored as `row`, whose details are `data`.
    pub fn new(row: RecordRow, data: serde_json::Value) -> RecordView {
        RecordView {
            id: row.id,
            kind: row.kind,
            from_date: row.from_date,
            to_date: row.to_date,
            data,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
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
}

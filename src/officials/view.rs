//! What the API shows of a profile: the whole of it (its sealed items masked
//! or withheld unless revealed), a short line for lists, and history entries
//! (sealed details withheld unless revealed).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::model::{
    Classification, OfficialRow, ProfileData, ProfileStatus, RecordKind, RecordRow, Sex,
};
use crate::ids::{OfficialId, OrganizationId, RecordId};

/// A profile as the API shows it: the data (sealed items masked or withheld
/// unless revealed) and its life cycle.
#[derive(Debug, Clone, Serialize)]
pub struct OfficialView {
    pub id: OfficialId,
    #[serde(flatten)]
    pub data: ProfileData,
    pub party_member: bool,
    /// Items held as free text that no code states yet (kept from before
    /// they were coded, or written so): officers code them when they can.
    pub uncoded: Vec<&'static str>,
    /// The linked party member record, for party grant holders who see it.
    pub party: Option<crate::party::view::ProfileMembership>,
    pub status: ProfileStatus,
    pub retired_on: Option<NaiveDate>,
    pub died_on: Option<NaiveDate>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Whether the sealed items are shown in full.
    pub revealed: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OfficialView {
    /// The profile stored as `row`, whose data is `data`: sealed items in
    /// full when `revealed`, else masked or withheld.
    pub fn new(row: &OfficialRow, data: ProfileData, revealed: bool) -> OfficialView {
        OfficialView {
            id: row.id,
            party_member: data.party_admitted_on.is_some(),
            uncoded: data.uncoded(),
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
        self.uncoded.retain(|item| *item != "party_position");
        self.party = None;
        self.data.party_admitted_on = None;
        self.data.party_official_on = None;
        self.data.party_card_number = None;
        self.data.party_position = None;
        self.data.party_position_code = None;
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

/// The items `masked` masks or withholds, in the order `sealed_items_held`
/// names them: only a reveal shows them in full.
pub const SEALED_ITEMS: [&str; 9] = [
    "identity_card_number",
    "identity_card_issued_on",
    "identity_card_issued_place",
    "personal_identification_code",
    "social_insurance_number",
    "party_card_number",
    "current_address",
    "phone",
    "email",
];

/// What stands for an address that is not shown: there is one, ask for it.
const MASKED_ADDRESS: &str = "***";

/// `an.nguyen@moha.gov.vn` -> `a***@moha.gov.vn`: the domain says where, not who.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => mask(email),
    }
}

impl ProfileData {
    /// The sealed items for a caller not entitled to see them: identity
    /// numbers and the phone masked, the e-mail down to a letter and its domain, the
    /// address a placeholder, the card's issue date and place withheld.
    pub fn masked(mut self) -> ProfileData {
        self.identity_card_number = self.identity_card_number.as_deref().map(mask);
        self.identity_card_issued_on = None;
        self.identity_card_issued_place = None;
        self.personal_identification_code = mask(&self.personal_identification_code);
        self.social_insurance_number = self.social_insurance_number.as_deref().map(mask);
        self.party_card_number = self.party_card_number.as_deref().map(mask);
        self.current_address = self.current_address.as_ref().map(|_| MASKED_ADDRESS.into());
        self.phone = self.phone.as_deref().map(mask);
        self.email = self.email.as_deref().map(mask_email);
        self
    }

    /// The sealed items that hold a value: what a reveal discloses, named
    /// in its audit entry.
    pub fn sealed_items_held(&self) -> Vec<String> {
        let held = [
            self.identity_card_number.is_some(),
            self.identity_card_issued_on.is_some(),
            self.identity_card_issued_place.is_some(),
            true,
            self.social_insurance_number.is_some(),
            self.party_card_number.is_some(),
            self.current_address.is_some(),
            self.phone.is_some(),
            self.email.is_some(),
        ];
        SEALED_ITEMS
            .into_iter()
            .zip(held)
            .filter(|(_, is_held)| *is_held)
            .map(|(name, _)| name.to_owned())
            .collect()
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

/// A history entry. The details of a sealed kind (discipline, property,
/// income) are withheld (`data` null) unless revealed.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub id: RecordId,
    pub kind: RecordKind,
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
    pub data: serde_json::Value,
    /// Whether `data` is held back because the kind is sealed.
    pub withheld: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RecordView {
    /// The entry stored as `row`, whose details are `data`.
    pub fn new(row: RecordRow, data: serde_json::Value) -> RecordView {
        RecordView::with(row, data, false)
    }

    /// The entry stored as `row`, its sealed details held back.
    pub fn withheld(row: RecordRow) -> RecordView {
        RecordView::with(row, serde_json::Value::Null, true)
    }

    fn with(row: RecordRow, data: serde_json::Value, withheld: bool) -> RecordView {
        RecordView {
            id: row.id,
            kind: row.kind,
            from_date: row.from_date,
            to_date: row.to_date,
            data,
            withheld,
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

    #[test]
    fn an_email_keeps_its_first_letter_and_its_domain() {
        assert_eq!(mask_email("an.nguyen@moha.gov.vn"), "a***@moha.gov.vn");
        assert_eq!(mask_email("@x.vn"), "***@x.vn");
    }
}

//! CBCCVC profiles (Table 26): the stored row, the data an integrator sends,
//! and the view returned. Vietnamese technical names document the mapping.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::db::schema::{
    official_career, official_changes, official_personal, official_records, officials,
};
use crate::ids::{OfficialId, OrganizationId, RecordId, UserId};
use crate::text_enum;

text_enum!(
    /// PhanLoaiHoSo
    Classification {
        Cadre = "cadre",
        CivilServant = "civil_servant",
        PublicEmployee = "public_employee",
    }
);

text_enum!(
    /// GioiTinh
    Sex {
        Male = "male",
        Female = "female",
    }
);

text_enum!(
    ProfileStatus {
        Active = "active",
        Retired = "retired",
        Deceased = "deceased",
        Archived = "archived",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ForeignLanguage {
    /// MaNgoaiNgu
    #[validate(length(min = 1, max = 40))]
    pub language_code: String,
    /// TrinhDo as written
    #[validate(length(min = 1, max = 40))]
    #[serde(default)]
    pub level: Option<String>,
    /// TrinhDo coded (language_level catalog)
    #[serde(default)]
    pub level_code: Option<String>,
}

/// ChucVuChucDanhKiemNhiem: a post held alongside the main one, with dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ConcurrentPost {
    /// position catalog
    #[validate(length(min = 1, max = 40))]
    pub position_code: String,
    #[validate(length(min = 1, max = 300))]
    #[serde(default)]
    pub organization_name: Option<String>,
    #[serde(default)]
    pub from_date: Option<NaiveDate>,
    #[serde(default)]
    pub to_date: Option<NaiveDate>,
}

/// Everything an editor states about a person, in plain text. PATCH merges
/// into it; the sealed items are encrypted before they reach the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ProfileData {
    pub classification: Classification,
    /// MaDonVi
    pub managing_organization_id: OrganizationId,
    /// MaDonViSuDung
    pub using_organization_id: OrganizationId,
    /// SoHieuCBCCVC
    #[validate(regex(path = *CBCCVC_CODE, message = "1 to 30 letters, digits, '.', '/' or '-'"))]
    pub cbccvc_code: Option<String>,
    /// HoVaTen
    #[validate(length(min = 3, max = 200))]
    pub full_name: String,
    /// HoVaTenKhac
    #[validate(length(max = 200))]
    pub other_names: Option<String>,
    pub sex: Sex,
    /// NgaySinh
    pub birth_date: NaiveDate,
    /// SoCMND: 9 (old card) or 12 digits
    #[validate(regex(path = *IDENTITY_CARD, message = "9 or 12 digits"))]
    pub identity_card_number: Option<String>,
    pub identity_card_issued_on: Option<NaiveDate>,
    #[validate(length(max = 200))]
    pub identity_card_issued_place: Option<String>,
    /// SoDinhDanhCaNhan: the 12-digit citizen identity number, one profile per person
    #[validate(regex(path = *PERSONAL_CODE, message = "12 digits"))]
    pub personal_identification_code: String,
    /// SoSoBaoHiemXaHoi: 10 digits
    #[validate(regex(path = *SOCIAL_INSURANCE, message = "10 digits"))]
    pub social_insurance_number: Option<String>,
    /// DanToc
    pub ethnic_group_code: Option<String>,
    /// TonGiao
    pub religion_code: Option<String>,
    /// QueQuan as written (commune, district, province)
    #[validate(length(max = 300))]
    pub hometown: Option<String>,
    /// QueQuan's province today (province catalog)
    pub hometown_province_code: Option<String>,
    /// QueQuan's province before 1 July 2025, when named so (former_province catalog)
    pub hometown_former_province_code: Option<String>,
    /// NoiSinh as written
    #[validate(length(max = 300))]
    pub birthplace: Option<String>,
    pub birthplace_province_code: Option<String>,
    pub birthplace_former_province_code: Option<String>,
    /// NoiOHienNay
    #[validate(length(max = 500), custom(function = "not_masked"))]
    pub current_address: Option<String>,
    #[validate(length(min = 6, max = 20), custom(function = "not_masked"))]
    pub phone: Option<String>,
    #[validate(email, custom(function = "not_masked"))]
    pub email: Option<String>,
    /// NgayTuyenDungLanDau
    pub first_recruited_on: Option<NaiveDate>,
    /// TenCoQuan (tuyển dụng)
    #[validate(length(max = 300))]
    pub recruiting_agency: Option<String>,
    /// ViTriTuyenDung
    #[validate(length(max = 300))]
    pub recruiting_position: Option<String>,
    /// NgayVaoCoQuanHienNay
    pub joined_current_agency_on: Option<NaiveDate>,
    /// ViTriViecLam
    #[validate(length(max = 300))]
    pub job_position: Option<String>,
    /// MaNgachChucDanh
    pub rank_code: Option<String>,
    pub rank_since: Option<NaiveDate>,
    /// BacLuong
    #[validate(range(min = 1, max = 20))]
    pub salary_step: Option<i16>,
    /// HeSoLuong, 1.00 to 13.00 (the leadership tables reach 13.00)
    #[validate(range(min = 1.0, max = 13.0))]
    pub salary_coefficient: Option<f64>,
    /// Bảng lương chức vụ: paid by a leadership table rather than the rank's
    /// scale (leadership_salary catalog).
    #[serde(default)]
    pub leadership_salary_code: Option<String>,
    pub salary_step_since: Option<NaiveDate>,
    /// PhuCapThamNienVK
    #[validate(range(min = 0, max = 100))]
    pub seniority_allowance_percent: Option<i16>,
    /// DenNgay (next raise): derived from the current salary record, the
    /// table's interval and any extension; what a client sends is replaced.
    #[serde(default)]
    pub next_raise_on: Option<NaiveDate>,
    /// ChucVu
    pub position_code: Option<String>,
    /// NgayBoNhiemLanDau
    pub first_appointed_on: Option<NaiveDate>,
    /// NgayBoNhiemLai
    pub reappointed_on: Option<NaiveDate>,
    /// NhiemKyCanBoChuyenTrach as written
    #[validate(length(max = 100))]
    pub term: Option<String>,
    /// The term's first and last day
    pub term_start_on: Option<NaiveDate>,
    pub term_end_on: Option<NaiveDate>,
    /// ChucVuChucDanhKiemNhiem as written
    #[validate(length(max = 500))]
    pub concurrent_positions: Option<String>,
    /// ChucVuChucDanhKiemNhiem coded, with dates
    #[serde(default)]
    #[validate(nested, length(max = 20))]
    pub concurrent_posts: Vec<ConcurrentPost>,
    /// HocVanPhoThong, e.g. "12/12"
    #[validate(length(max = 20))]
    pub general_education: Option<String>,
    /// TrinhDoChuyenMon
    pub education_level_code: Option<String>,
    #[serde(default)]
    #[validate(nested)]
    pub foreign_languages: Vec<ForeignLanguage>,
    /// TrinhDoTinHoc as written
    #[validate(length(max = 100))]
    pub it_level: Option<String>,
    /// TrinhDoTinHoc coded (it_level catalog)
    pub it_level_code: Option<String>,
    /// TrinhDoLyLuanChinhTri
    pub political_theory_code: Option<String>,
    /// TrinhDoQuanLyNhaNuoc
    pub state_management_code: Option<String>,
    /// BoiDuongQuocPhongAnNinh as written
    #[validate(length(max = 200))]
    pub defence_security_training: Option<String>,
    /// BoiDuongQuocPhongAnNinh's group (defence_training catalog)
    pub defence_training_code: Option<String>,
    /// TiengDanTocThieuSo
    #[validate(length(max = 200))]
    pub minority_languages: Option<String>,
    /// MaChucDanhKhoaHoc
    pub academic_title_code: Option<String>,
    pub academic_title_on: Option<NaiveDate>,
    /// MaHocVi
    pub degree_code: Option<String>,
    pub degree_on: Option<NaiveDate>,
    #[validate(length(max = 200))]
    pub degree_specialty: Option<String>,
    /// NgayVaoDang
    pub party_admitted_on: Option<NaiveDate>,
    /// NgayVaoDangChinhThuc
    pub party_official_on: Option<NaiveDate>,
    /// SoTheDang
    #[validate(regex(path = *PARTY_CARD, message = "6 to 12 digits"))]
    pub party_card_number: Option<String>,
    /// ChucVuDang as written
    #[validate(length(max = 200))]
    pub party_position: Option<String>,
    /// ChucVuDang coded (party_position catalog)
    pub party_position_code: Option<String>,
    /// Ngày tham gia cách mạng
    pub joined_revolution_on: Option<NaiveDate>,
    /// Sở trường công tác
    #[validate(length(max = 500))]
    pub strengths: Option<String>,
    /// Diện chính sách: war invalid, martyr's family, ... (policy_status catalog)
    pub policy_status_code: Option<String>,
}

impl ProfileData {
    /// Items with text but no code that states it.
    pub fn uncoded(&self) -> Vec<&'static str> {
        let text_without_code = [
            (
                "hometown",
                self.hometown.is_some(),
                self.hometown_province_code.is_some(),
            ),
            (
                "birthplace",
                self.birthplace.is_some(),
                self.birthplace_province_code.is_some(),
            ),
            ("term", self.term.is_some(), self.term_end_on.is_some()),
            (
                "concurrent_positions",
                self.concurrent_positions.is_some(),
                !self.concurrent_posts.is_empty(),
            ),
            (
                "it_level",
                self.it_level.is_some(),
                self.it_level_code.is_some(),
            ),
            (
                "defence_security_training",
                self.defence_security_training.is_some(),
                self.defence_training_code.is_some(),
            ),
            (
                "party_position",
                self.party_position.is_some(),
                self.party_position_code.is_some(),
            ),
            (
                "foreign_languages",
                self.foreign_languages
                    .iter()
                    .any(|l| l.level_code.is_none()),
                false,
            ),
        ];
        text_without_code
            .into_iter()
            .filter(|(_, text, code)| *text && !*code)
            .map(|(item, _, _)| item)
            .collect()
    }
}

fn pattern(text: &str) -> regex::Regex {
    regex::Regex::new(text).unwrap_or_else(|e| panic!("pattern {text}: {e}"))
}

static CBCCVC_CODE: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| pattern(r"^[A-Za-z0-9./-]{1,30}$"));
static IDENTITY_CARD: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| pattern(r"^([0-9]{9}|[0-9]{12})$"));
static PERSONAL_CODE: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| pattern(r"^[0-9]{12}$"));
static SOCIAL_INSURANCE: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| pattern(r"^[0-9]{10}$"));
static PARTY_CARD: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| pattern(r"^[0-9]{6,12}$"));

/// `*` marks what a read without reveal masked: such a value copied back
/// into a PATCH would overwrite the real one.
fn not_masked(value: &str) -> Result<(), validator::ValidationError> {
    if !value.contains('*') {
        return Ok(());
    }
    Err(validator::ValidationError::new("masked").with_message(
        "contains '*', as masked values do: send the real value or leave the field out".into(),
    ))
}

/// A stored profile: its officials row and the two one-to-one rows holding
/// the rest of Table 26, read together in one join. It derefs to the
/// officials row, which holds the identity, placement and life cycle most
/// rules look at.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct Profile {
    #[diesel(embed)]
    pub official: OfficialRow,
    #[diesel(embed)]
    pub personal: PersonalRow,
    #[diesel(embed)]
    pub career: CareerRow,
}

impl std::ops::Deref for Profile {
    type Target = OfficialRow;

    fn deref(&self) -> &OfficialRow {
        &self.official
    }
}

impl std::ops::DerefMut for Profile {
    fn deref_mut(&mut self) -> &mut OfficialRow {
        &mut self.official
    }
}

/// What search, scope and row-level security read: names, placement, the
/// codes search filters on, blind indexes beside the sealed numbers, and
/// the life cycle.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable, AsChangeset)]
#[diesel(
    table_name = officials,
    check_for_backend(diesel::pg::Pg),
    treat_none_as_null = true,
    treat_none_as_default_value = false,
)]
pub struct OfficialRow {
    pub id: OfficialId,
    pub classification: Classification,
    pub managing_organization_id: OrganizationId,
    pub using_organization_id: OrganizationId,
    pub cbccvc_code: Option<String>,
    pub full_name: String,
    pub name_folded: String,
    pub family_name_folded: String,
    pub given_name_folded: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub identity_card_index: Option<Vec<u8>>,
    pub personal_identification_index: Option<Vec<u8>>,
    pub social_insurance_index: Option<Vec<u8>>,
    pub ethnic_group_code: Option<String>,
    pub rank_code: Option<String>,
    pub position_code: Option<String>,
    pub political_theory_code: Option<String>,
    pub degree_code: Option<String>,
    pub party_admitted_on: Option<NaiveDate>,
    pub party_official_on: Option<NaiveDate>,
    pub status: ProfileStatus,
    pub retired_on: Option<NaiveDate>,
    pub died_on: Option<NaiveDate>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The blind-index key the indexes above were computed with.
    pub blind_index_version: i32,
}

/// Who the person is and how to reach them; the sealed items are ciphertexts.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(
    table_name = official_personal,
    primary_key(official_id),
    check_for_backend(diesel::pg::Pg),
    treat_none_as_null = true,
    treat_none_as_default_value = false,
)]
pub struct PersonalRow {
    pub official_id: OfficialId,
    pub other_names: Option<String>,
    pub identity_card_number: Option<Vec<u8>>,
    pub identity_card_issue: Option<Vec<u8>>,
    pub personal_identification_code: Option<Vec<u8>>,
    pub social_insurance_number: Option<Vec<u8>>,
    pub religion_code: Option<String>,
    pub hometown: Option<String>,
    pub birthplace: Option<String>,
    pub current_address: Option<Vec<u8>>,
    pub phone: Option<Vec<u8>>,
    pub email: Option<Vec<u8>>,
    pub party_card_number: Option<Vec<u8>>,
    pub party_position: Option<String>,
    pub hometown_province_code: Option<String>,
    pub hometown_former_province_code: Option<String>,
    pub birthplace_province_code: Option<String>,
    pub birthplace_former_province_code: Option<String>,
    pub party_position_code: Option<String>,
    pub it_level_code: Option<String>,
    pub defence_training_code: Option<String>,
    pub joined_revolution_on: Option<NaiveDate>,
    pub strengths: Option<String>,
    pub policy_status_code: Option<String>,
}

/// Recruitment, rank and salary, positions, education and training.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(
    table_name = official_career,
    primary_key(official_id),
    check_for_backend(diesel::pg::Pg),
    treat_none_as_null = true,
    treat_none_as_default_value = false,
)]
pub struct CareerRow {
    pub official_id: OfficialId,
    pub first_recruited_on: Option<NaiveDate>,
    pub recruiting_agency: Option<String>,
    pub recruiting_position: Option<String>,
    pub joined_current_agency_on: Option<NaiveDate>,
    pub job_position: Option<String>,
    pub rank_since: Option<NaiveDate>,
    pub salary_step: Option<i16>,
    pub salary_coefficient_hundredths: Option<i16>,
    pub salary_step_since: Option<NaiveDate>,
    pub seniority_allowance_percent: Option<i16>,
    pub next_raise_on: Option<NaiveDate>,
    pub first_appointed_on: Option<NaiveDate>,
    pub reappointed_on: Option<NaiveDate>,
    pub term: Option<String>,
    pub concurrent_positions: Option<String>,
    pub general_education: Option<String>,
    pub education_level_code: Option<String>,
    pub foreign_languages: serde_json::Value,
    pub it_level: Option<String>,
    pub state_management_code: Option<String>,
    pub defence_security_training: Option<String>,
    pub minority_languages: Option<String>,
    pub academic_title_code: Option<String>,
    pub academic_title_on: Option<NaiveDate>,
    pub degree_on: Option<NaiveDate>,
    pub degree_specialty: Option<String>,
    pub leadership_salary_code: Option<String>,
    pub term_start_on: Option<NaiveDate>,
    pub term_end_on: Option<NaiveDate>,
    pub concurrent_posts: serde_json::Value,
}

text_enum!(
    RecordKind {
        Career = "career",
        Salary = "salary",
        Allowance = "allowance",
        Training = "training",
        Evaluation = "evaluation",
        Reward = "reward",
        Discipline = "discipline",
        Property = "property",
        Income = "income",
        Family = "family",
        MilitaryService = "military_service",
        MassOrganization = "mass_organization",
        Health = "health",
        PersonalHistory = "personal_history",
        ForeignRelation = "foreign_relation",
    }
);

impl RecordKind {
    /// Discipline details, property and income (items 60 to 62) are sealed,
    /// and so are the 2C sections about family, health, personal history
    /// and foreign relations.
    pub fn is_sealed(self) -> bool {
        matches!(
            self,
            RecordKind::Discipline
                | RecordKind::Property
                | RecordKind::Income
                | RecordKind::Family
                | RecordKind::Health
                | RecordKind::PersonalHistory
                | RecordKind::ForeignRelation
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(
    table_name = official_records,
    check_for_backend(diesel::pg::Pg),
    treat_none_as_null = true,
    treat_none_as_default_value = false,
)]
pub struct RecordRow {
    pub id: RecordId,
    pub official_id: OfficialId,
    pub kind: RecordKind,
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
    pub data: Option<serde_json::Value>,
    pub sealed: Option<Vec<u8>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A history entry: its period and the details its kind requires.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    pub kind: RecordKind,
    /// TuNgay
    pub from_date: Option<NaiveDate>,
    /// DenNgay
    pub to_date: Option<NaiveDate>,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = official_changes, check_for_backend(diesel::pg::Pg))]
pub struct Change {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub official_id: OfficialId,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor: Option<String>,
    pub action: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = official_changes)]
pub struct NewChange {
    pub official_id: OfficialId,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor: Option<String>,
    pub action: String,
    pub fields: Vec<String>,
}

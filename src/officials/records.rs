//! The details each kind of history entry requires, checked field by field.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::model::RecordKind;
use super::salary::SalaryEntry;
use crate::error::{field_errors, AppError, AppResult, FieldError};
use crate::ids::OrganizationId;

/// Quá trình công tác (item 25).
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Career {
    organization_id: Option<OrganizationId>,
    /// TenCoQuan
    #[validate(length(min = 1, max = 300))]
    organization_name: String,
    /// ViTriViecLam / ChucVu
    #[validate(length(min = 1, max = 300))]
    position: String,
    #[validate(length(max = 200))]
    decision_number: Option<String>,
}

/// Phụ cấp (item 38).
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Allowance {
    /// LoaiPhuCap as written
    #[validate(length(min = 1, max = 200))]
    allowance_type: String,
    /// LoaiPhuCap coded (allowance_type catalog)
    #[validate(length(min = 1, max = 40))]
    allowance_type_code: Option<String>,
    /// HeSo
    #[validate(range(min = 0.0, max = 10.0))]
    coefficient: Option<f64>,
    /// PhanTramHuongPhuCap
    #[validate(range(min = 0, max = 100))]
    percent: Option<i16>,
    /// Giatri (VND)
    #[validate(range(min = 0))]
    amount: Option<i64>,
    /// HinhThucHuong
    #[validate(length(max = 200))]
    form: Option<String>,
}

/// Đào tạo, bồi dưỡng (item 53).
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Training {
    /// ChuyenNganhDaoTao
    #[validate(length(min = 1, max = 300))]
    specialty: String,
    /// TrinhDoDaoTao
    #[validate(length(min = 1, max = 100))]
    level: String,
    /// CoSoDaoTao
    #[validate(length(max = 300))]
    institution: Option<String>,
    /// XepLoaiTotNghiep
    #[validate(length(max = 100))]
    result: Option<String>,
    /// NuocDaoTao
    #[validate(length(max = 100))]
    country: Option<String>,
    #[validate(length(max = 300))]
    certificate: Option<String>,
}

/// Đánh giá, xếp loại (item 58).
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Evaluation {
    /// Nam
    #[validate(range(min = 1945, max = 2100))]
    year: i32,
    /// KetQuaDanhGia (evaluation_result catalog)
    #[validate(length(min = 1, max = 40))]
    result_code: String,
    /// ThamQuyenDanhGia
    #[validate(length(min = 1, max = 300))]
    evaluating_authority: String,
}

/// Khen thưởng / Kỷ luật (items 59, 60).
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Decision {
    /// The form as written
    #[validate(length(min = 1, max = 200))]
    form: String,
    /// The form coded (reward_form or discipline_form catalog)
    #[validate(length(min = 1, max = 40))]
    form_code: Option<String>,
    #[validate(length(min = 1, max = 300))]
    decided_by: String,
    #[validate(length(max = 200))]
    decision_number: Option<String>,
    #[validate(length(max = 2000))]
    reason: Option<String>,
}

/// Tài sản (item 61).
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Property {
    #[validate(length(min = 1, max = 2000))]
    description: String,
    /// Estimated value in VND.
    #[validate(range(min = 0))]
    value: Option<i64>,
}

/// Thu nhập (item 62).
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Income {
    #[validate(range(min = 1945, max = 2100))]
    year: i32,
    /// VND
    #[validate(range(min = 0))]
    amount: i64,
    #[validate(length(min = 1, max = 300))]
    source: String,
}

/// Quan hệ gia đình (2C): parents, spouse, children, siblings, in-laws.
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Family {
    /// family_relation catalog
    #[validate(length(min = 1, max = 40))]
    relation_code: String,
    #[validate(length(min = 1, max = 200))]
    full_name: String,
    #[validate(range(min = 1850, max = 2100))]
    birth_year: Option<i32>,
    /// Nghề nghiệp, chức danh, đơn vị công tác
    #[validate(length(max = 300))]
    occupation: Option<String>,
    /// Quê quán, nơi ở
    #[validate(length(max = 300))]
    residence: Option<String>,
    /// Đặc điểm lịch sử, quan hệ chính trị
    #[validate(length(max = 4000))]
    political_history: Option<String>,
}

/// Nhập ngũ / xuất ngũ: the period is the service.
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct MilitaryService {
    /// Quân hàm cao nhất
    #[validate(length(min = 1, max = 100))]
    military_rank: Option<String>,
    #[validate(length(min = 1, max = 300))]
    unit: Option<String>,
}

/// Ngày vào Đoàn, Hội: from_date is the joining.
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct MassOrganization {
    /// mass_organization catalog
    #[validate(length(min = 1, max = 40))]
    organization_code: String,
    #[validate(length(min = 1, max = 200))]
    position: Option<String>,
}

/// Tình trạng sức khỏe as examined on from_date.
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Health {
    #[validate(length(min = 1, max = 200))]
    status: String,
    #[validate(range(min = 50, max = 250))]
    height_cm: Option<i16>,
    #[validate(range(min = 20, max = 300))]
    weight_kg: Option<i16>,
    #[validate(regex(path = *BLOOD_GROUP, message = "A, B, AB or O, with + or - if known"))]
    blood_group: Option<String>,
}

static BLOOD_GROUP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^(A|B|AB|O)[+-]?$").unwrap_or_else(|e| panic!("blood group: {e}"))
});

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum HistoryCategory {
    Arrest,
    Detention,
    FormerRegime,
    Other,
}

/// Lịch sử bản thân: arrests, detention, service for the former regime.
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct PersonalHistory {
    category: HistoryCategory,
    #[validate(length(min = 1, max = 4000))]
    description: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ForeignCategory {
    Organization,
    RelativeAbroad,
}

/// Quan hệ với nước ngoài: foreign organizations joined, relatives abroad.
#[derive(Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct ForeignRelation {
    category: ForeignCategory,
    #[validate(length(min = 1, max = 2000))]
    description: String,
    #[validate(length(min = 1, max = 100))]
    country: Option<String>,
}

fn typed<T: DeserializeOwned + Serialize + Validate>(
    data: &serde_json::Value,
) -> AppResult<serde_json::Value> {
    let value: T = serde_path_to_error::deserialize(data.clone()).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = match (path.as_str(), message.split('`').nth(1)) {
            (".", Some(name)) if message.starts_with("missing field") => format!("data.{name}"),
            (".", _) => "data".to_owned(),
            (path, _) => format!("data.{path}"),
        };
        AppError::Validation(vec![FieldError::new(field, message)])
    })?;
    value.validate().map_err(|e| {
        AppError::Validation(
            field_errors(&e)
                .into_iter()
                .map(|mut f| {
                    f.field = format!("data.{}", f.field);
                    f
                })
                .collect(),
        )
    })?;
    serde_json::to_value(value).map_err(|e| AppError::Internal(e.to_string()))
}

/// The details, checked against what `kind` requires and normalized.
pub fn checked(kind: RecordKind, data: &serde_json::Value) -> AppResult<serde_json::Value> {
    match kind {
        RecordKind::Career => typed::<Career>(data),
        RecordKind::Salary => typed::<SalaryEntry>(data),
        RecordKind::Allowance => typed::<Allowance>(data),
        RecordKind::Training => typed::<Training>(data),
        RecordKind::Evaluation => typed::<Evaluation>(data),
        RecordKind::Reward | RecordKind::Discipline => typed::<Decision>(data),
        RecordKind::Property => typed::<Property>(data),
        RecordKind::Income => typed::<Income>(data),
        RecordKind::Family => typed::<Family>(data),
        RecordKind::MilitaryService => typed::<MilitaryService>(data),
        RecordKind::MassOrganization => typed::<MassOrganization>(data),
        RecordKind::Health => typed::<Health>(data),
        RecordKind::PersonalHistory => typed::<PersonalHistory>(data),
        RecordKind::ForeignRelation => typed::<ForeignRelation>(data),
    }
}

/// A career entry written by a transfer.
pub fn career(
    organization_id: OrganizationId,
    organization_name: &str,
    position: &str,
    decision_number: &str,
) -> serde_json::Value {
    serde_json::json!({
        "organization_id": organization_id,
        "organization_name": organization_name,
        "position": position,
        "decision_number": decision_number,
    })
}

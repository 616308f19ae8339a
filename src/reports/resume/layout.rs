//! The two official layouts: which profile items each numbered line states,
//! and which histories each table lists, with the forms' own wording. Items
//! ODB does not hold (registered residence, blood group, ...) are left out;
//! the forms' numbers are kept, so an officer finds each line where the
//! paper form has it.

use super::model::ResumeForm;
use crate::officials::model::RecordKind;

/// How a value is written on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// In capitals, as the form asks for the name.
    Upper,
    /// dd/mm/yyyy
    Date,
    /// 3,33
    Decimal,
    /// A code of this catalog, written by its name.
    Code(&'static str),
    /// Nam / Nữ
    Sex,
    /// The foreign languages, each with its level.
    Languages,
}

/// A label and the profile item (or entry detail) it writes.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub label: &'static str,
    pub key: &'static str,
    pub kind: Kind,
}

const fn item(label: &'static str, key: &'static str, kind: Kind) -> Item {
    Item { label, key, kind }
}

/// A table of entries of one kind: the period first when it has one.
#[derive(Debug)]
pub struct TableLayout {
    pub title: &'static str,
    pub kind: RecordKind,
    pub period: bool,
    pub columns: &'static [Item],
}

#[derive(Debug)]
pub struct Layout {
    pub form_code: &'static str,
    pub title: &'static str,
    pub header: &'static [Item],
    pub lines: &'static [(&'static str, &'static [Item])],
    pub tables: &'static [TableLayout],
}

/// The organizations' names stand in the data under these keys.
pub const MANAGING: &str = "managing_organization";
pub const USING: &str = "using_organization";

use Kind::*;

const TRAINING_COLUMNS: &[Item] = &[
    item("Tên trường", "institution", Text),
    item("Chuyên ngành đào tạo, bồi dưỡng", "specialty", Text),
    item("Trình độ", "level", Text),
    item("Văn bằng, chứng chỉ", "certificate", Text),
    item("Xếp loại", "result", Text),
];
const CAREER_COLUMNS: &[Item] = &[
    item("Chức danh, chức vụ", "position", Text),
    item("Đơn vị công tác", "organization_name", Text),
];
const SALARY_COLUMNS: &[Item] = &[
    item("Ngạch", "rank_code", Code("rank")),
    item("Bậc", "salary_step", Text),
    item("Hệ số lương", "salary_coefficient", Decimal),
];
const DECISION_COLUMNS: &[Item] = &[
    item("Hình thức", "form", Text),
    item("Cấp quyết định", "decided_by", Text),
    item("Số quyết định", "decision_number", Text),
    item("Lý do", "reason", Text),
];
const FAMILY_COLUMNS: &[Item] = &[
    item("Quan hệ", "relation_code", Code("family_relation")),
    item("Họ và tên", "full_name", Text),
    item("Năm sinh", "birth_year", Text),
    item(
        "Nghề nghiệp, chức danh, đơn vị công tác",
        "occupation",
        Text,
    ),
    item("Quê quán, nơi ở", "residence", Text),
];
const HISTORY_COLUMNS: &[Item] = &[item("Nội dung", "description", Text)];
const EVALUATION_COLUMNS: &[Item] = &[
    item("Năm", "year", Text),
    item(
        "Kết quả đánh giá, xếp loại",
        "result_code",
        Code("evaluation_result"),
    ),
    item("Cấp đánh giá", "evaluating_authority", Text),
];
const ALLOWANCE_COLUMNS: &[Item] = &[
    item("Loại phụ cấp", "allowance_type", Text),
    item("Hệ số", "coefficient", Decimal),
    item("Tỷ lệ hưởng (%)", "percent", Text),
    item("Giá trị (đồng)", "amount", Text),
];

const fn table(
    title: &'static str,
    kind: RecordKind,
    period: bool,
    columns: &'static [Item],
) -> TableLayout {
    TableLayout {
        title,
        kind,
        period,
        columns,
    }
}

const IDENTITY_CARD: &[Item] = &[
    item("Số chứng minh nhân dân", "identity_card_number", Text),
    item("Ngày cấp", "identity_card_issued_on", Date),
    item("Nơi cấp", "identity_card_issued_place", Text),
];

/// Mẫu 2C-BNV/2008 (Quyết định 02/2008/QĐ-BNV).
const BNV_2008: Layout = Layout {
    form_code: "Mẫu 2C-BNV/2008",
    title: "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC",
    header: &[
        item("Cơ quan, đơn vị có thẩm quyền quản lý CBCC", MANAGING, Text),
        item("Cơ quan, đơn vị sử dụng CBCC", USING, Text),
        item("Số hiệu cán bộ, công chức", "cbccvc_code", Text),
    ],
    lines: &[
        ("1)", &[item("Họ và tên khai sinh (viết chữ in hoa)", "full_name", Upper)]),
        ("2)", &[item("Tên gọi khác", "other_names", Text)]),
        ("3)", &[item("Sinh ngày", "birth_date", Date), item("Giới tính (nam, nữ)", "sex", Sex)]),
        ("4)", &[item("Nơi sinh", "birthplace", Text)]),
        ("5)", &[item("Quê quán", "hometown", Text)]),
        ("6)", &[item("Dân tộc", "ethnic_group_code", Code("ethnic_group"))]),
        ("7)", &[item("Tôn giáo", "religion_code", Code("religion"))]),
        ("9)", &[item("Nơi ở hiện nay", "current_address", Text), item("Điện thoại", "phone", Text)]),
        ("10)", &[item("Nghề nghiệp khi được tuyển dụng", "recruiting_position", Text)]),
        ("11)", &[
            item("Ngày tuyển dụng", "first_recruited_on", Date),
            item("Vào cơ quan nào, ở đâu", "recruiting_agency", Text),
        ]),
        ("12)", &[
            item("Chức vụ (chức danh) hiện tại", "position_code", Code("position")),
            item("Chức vụ kiêm nhiệm", "concurrent_positions", Text),
        ]),
        ("13)", &[item("Công việc chính được giao", "job_position", Text)]),
        ("14)", &[
            item("Ngạch công chức (viên chức)", "rank_code", Code("rank")),
            item("Mã ngạch", "rank_code", Text),
            item("Bậc lương", "salary_step", Text),
            item("Hệ số", "salary_coefficient", Decimal),
            item("Ngày hưởng", "salary_step_since", Date),
            item("Phụ cấp thâm niên vượt khung (%)", "seniority_allowance_percent", Text),
        ]),
        ("15.1-", &[item("Trình độ giáo dục phổ thông", "general_education", Text)]),
        ("15.2-", &[item("Trình độ chuyên môn cao nhất", "education_level_code", Code("education_level"))]),
        ("15.3-", &[item("Lý luận chính trị", "political_theory_code", Code("political_theory"))]),
        ("15.4-", &[item("Quản lý nhà nước", "state_management_code", Code("state_management"))]),
        ("15.5-", &[item("Ngoại ngữ", "foreign_languages", Languages)]),
        ("15.6-", &[item("Tin học", "it_level", Text)]),
        ("16)", &[
            item("Ngày vào Đảng Cộng sản Việt Nam", "party_admitted_on", Date),
            item("Ngày chính thức", "party_official_on", Date),
        ]),
        ("20)", &[item("Sở trường công tác", "strengths", Text)]),
        ("25)", IDENTITY_CARD),
        ("26)", &[item("Số sổ BHXH", "social_insurance_number", Text)]),
    ],
    tables: &[
        table("21) KHEN THƯỞNG", RecordKind::Reward, true, DECISION_COLUMNS),
        table("22) KỶ LUẬT", RecordKind::Discipline, true, DECISION_COLUMNS),
        table(
            "27) ĐÀO TẠO, BỒI DƯỠNG VỀ CHUYÊN MÔN, NGHIỆP VỤ, LÝ LUẬN CHÍNH TRỊ, NGOẠI NGỮ, TIN HỌC",
            RecordKind::Training,
            true,
            TRAINING_COLUMNS,
        ),
        table("28) TÓM TẮT QUÁ TRÌNH CÔNG TÁC", RecordKind::Career, true, CAREER_COLUMNS),
        table("29) ĐẶC ĐIỂM LỊCH SỬ BẢN THÂN", RecordKind::PersonalHistory, true, HISTORY_COLUMNS),
        table("30) QUAN HỆ GIA ĐÌNH", RecordKind::Family, false, FAMILY_COLUMNS),
        table("31) DIỄN BIẾN QUÁ TRÌNH LƯƠNG", RecordKind::Salary, true, SALARY_COLUMNS),
        table("CÁC LOẠI PHỤ CẤP", RecordKind::Allowance, true, ALLOWANCE_COLUMNS),
        table("32) NHẬN XÉT, ĐÁNH GIÁ", RecordKind::Evaluation, false, EVALUATION_COLUMNS),
    ],
};

/// Mẫu 2C/TCTW-98 (Ban Tổ chức Trung ương, 1998).
const TCTW_98: Layout = Layout {
    form_code: "Mẫu 2C/TCTW-98",
    title: "SƠ YẾU LÝ LỊCH CÁN BỘ",
    header: &[
        item("Cơ quan quản lý cán bộ", MANAGING, Text),
        item("Đơn vị sử dụng cán bộ", USING, Text),
        item("Số hiệu cán bộ", "cbccvc_code", Text),
    ],
    lines: &[
        ("1)", &[item("Họ và tên đang dùng", "full_name", Upper)]),
        ("2)", &[item("Tên gọi khác", "other_names", Text)]),
        (
            "3)",
            &[
                item("Sinh ngày", "birth_date", Date),
                item("Nam, nữ", "sex", Sex),
            ],
        ),
        ("4)", &[item("Nơi sinh", "birthplace", Text)]),
        ("5)", &[item("Quê quán", "hometown", Text)]),
        (
            "6)",
            &[
                item("Nơi ở hiện nay", "current_address", Text),
                item("Điện thoại", "phone", Text),
            ],
        ),
        (
            "7)",
            &[item("Dân tộc", "ethnic_group_code", Code("ethnic_group"))],
        ),
        ("8)", &[item("Tôn giáo", "religion_code", Code("religion"))]),
        (
            "10)",
            &[item(
                "Nghề nghiệp bản thân trước khi được tuyển dụng",
                "recruiting_position",
                Text,
            )],
        ),
        (
            "11)",
            &[
                item("Ngày được tuyển dụng", "first_recruited_on", Date),
                item("Vào cơ quan nào, ở đâu", "recruiting_agency", Text),
            ],
        ),
        (
            "12)",
            &[item(
                "Ngày vào cơ quan hiện đang công tác",
                "joined_current_agency_on",
                Date,
            )],
        ),
        (
            "13)",
            &[item(
                "Ngày tham gia cách mạng",
                "joined_revolution_on",
                Date,
            )],
        ),
        (
            "14)",
            &[
                item("Ngày vào Đảng Cộng sản Việt Nam", "party_admitted_on", Date),
                item("Ngày chính thức", "party_official_on", Date),
                item("Chức vụ Đảng", "party_position", Text),
            ],
        ),
        (
            "17)",
            &[
                item(
                    "Trình độ học vấn: Giáo dục phổ thông",
                    "general_education",
                    Text,
                ),
                item("Học hàm", "academic_title_code", Code("academic_title")),
                item("Học vị", "degree_code", Code("degree")),
                item(
                    "Chuyên môn",
                    "education_level_code",
                    Code("education_level"),
                ),
                item(
                    "Lý luận chính trị",
                    "political_theory_code",
                    Code("political_theory"),
                ),
                item("Ngoại ngữ", "foreign_languages", Languages),
            ],
        ),
        (
            "18)",
            &[
                item("Công tác chính đang làm", "job_position", Text),
                item("Chức vụ", "position_code", Code("position")),
            ],
        ),
        (
            "19)",
            &[
                item("Ngạch công chức", "rank_code", Code("rank")),
                item("Mã số", "rank_code", Text),
                item("Bậc lương", "salary_step", Text),
                item("Hệ số", "salary_coefficient", Decimal),
                item("Từ ngày", "salary_step_since", Date),
            ],
        ),
        ("21)", &[item("Sở trường công tác", "strengths", Text)]),
        ("25)", IDENTITY_CARD),
    ],
    tables: &[
        table(
            "22) KHEN THƯỞNG",
            RecordKind::Reward,
            true,
            DECISION_COLUMNS,
        ),
        table(
            "23) KỶ LUẬT",
            RecordKind::Discipline,
            true,
            DECISION_COLUMNS,
        ),
        table(
            "ĐÀO TẠO, BỒI DƯỠNG VỀ CHUYÊN MÔN, NGHIỆP VỤ, LÝ LUẬN CHÍNH TRỊ, NGOẠI NGỮ",
            RecordKind::Training,
            true,
            TRAINING_COLUMNS,
        ),
        table(
            "TÓM TẮT QUÁ TRÌNH CÔNG TÁC",
            RecordKind::Career,
            true,
            CAREER_COLUMNS,
        ),
        table(
            "ĐẶC ĐIỂM LỊCH SỬ BẢN THÂN",
            RecordKind::PersonalHistory,
            true,
            HISTORY_COLUMNS,
        ),
        table(
            "QUAN HỆ GIA ĐÌNH",
            RecordKind::Family,
            false,
            FAMILY_COLUMNS,
        ),
        table(
            "DIỄN BIẾN QUÁ TRÌNH LƯƠNG",
            RecordKind::Salary,
            true,
            SALARY_COLUMNS,
        ),
        table(
            "NHẬN XÉT, ĐÁNH GIÁ",
            RecordKind::Evaluation,
            false,
            EVALUATION_COLUMNS,
        ),
    ],
};

pub fn layout(form: ResumeForm) -> &'static Layout {
    match form {
        ResumeForm::Bnv2008 => &BNV_2008,
        ResumeForm::Tctw98 => &TCTW_98,
    }
}

impl Layout {
    /// Every item the layout writes, lines and table columns.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.header
            .iter()
            .chain(self.lines.iter().flat_map(|(_, items)| items.iter()))
            .chain(self.tables.iter().flat_map(|t| t.columns.iter()))
    }
}

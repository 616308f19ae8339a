//! The résumé as a document: the form's header, its numbered lines and its
//! tables, every value already written as the form writes it. The HTML and
//! PDF renderings draw this one document, so they cannot disagree.

use chrono::NaiveDate;

use crate::ids::OfficialId;
use crate::text_enum;

text_enum!(
    /// Which official layout: Mẫu 2C-BNV/2008 (Ministry of Home Affairs,
    /// civil servants) or Mẫu 2C/TCTW-98 (Party Central Organization
    /// Commission, cadres).
    ResumeForm {
        Bnv2008 = "2c-bnv-2008",
        Tctw98 = "2c-tctw-98",
    }
);

text_enum!(
    /// How the résumé is answered: a page to print or a PDF file.
    ResumeFormat {
        Html = "html",
        Pdf = "pdf",
    }
);

/// What a résumé is asked for.
#[derive(Debug, Clone, Copy)]
pub struct ResumeRequest {
    pub id: OfficialId,
    pub form: ResumeForm,
    /// Sealed items and entries in full (an editor with a fresh second
    /// factor; audited as a reveal).
    pub reveal: bool,
}

/// A label and its value as written on the form.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
}

/// One numbered line of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub number: &'static str,
    pub fields: Vec<Field>,
}

/// One of the form's tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Entries whose details are sealed and not revealed: their periods
    /// show, their details do not.
    pub withheld: bool,
}

/// A résumé ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    pub official_id: OfficialId,
    pub form: ResumeForm,
    /// "Mẫu 2C-BNV/2008"
    pub form_code: &'static str,
    pub title: &'static str,
    pub full_name: String,
    pub header: Vec<Field>,
    pub lines: Vec<Line>,
    pub tables: Vec<Table>,
    pub printed_on: NaiveDate,
}

/// What stands under a table whose details are sealed.
pub const WITHHELD_NOTE: &str =
    "Chi tiết được bảo vệ; chỉ hiện khi người có thẩm quyền yêu cầu xem đầy đủ.";
/// What a table without entries says.
pub const NO_ENTRIES: &str = "Không có.";

/// `GET /officials/{id}/resume` as sent.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ResumeQuery {
    pub form: Option<String>,
    pub format: Option<String>,
    pub reveal: Option<String>,
}

impl ResumeQuery {
    /// The layout (2C-BNV/2008 unless named), the format (HTML unless
    /// named) and whether sealed items are asked for in full.
    pub fn parse(&self) -> crate::error::AppResult<(ResumeForm, ResumeFormat, bool)> {
        use crate::validation::{parse, parse_word};
        let form = parse_word("form", &self.form)?.unwrap_or(ResumeForm::Bnv2008);
        let format = parse_word("format", &self.format)?.unwrap_or(ResumeFormat::Html);
        let reveal = parse::<bool>("reveal", &self.reveal, "true or false")?.unwrap_or(false);
        Ok((form, format, reveal))
    }
}

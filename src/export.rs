//! Tables as spreadsheets: CSV (UTF-8 with a byte-order mark, so that
//! spreadsheet programs read Vietnamese correctly) written row by row, and
//! XLSX through rust_xlsxwriter. No actix here: the HTTP glue that streams
//! them is `http::export`.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format as CellFormat, Workbook, Worksheet};

use crate::error::{AppError, AppResult};
use crate::text_enum;

text_enum!(
    /// What a report or a list is answered as (`format=` or `Accept`).
    Format {
        Json = "json",
        Csv = "csv",
        Xlsx = "xlsx",
    }
);

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// What Excel reads a CSV file's encoding from.
pub const BOM: &[u8] = "\u{feff}".as_bytes();
/// The rows a worksheet holds, less its heading row.
pub const XLSX_MAX_ROWS: usize = 1_048_575;

impl Format {
    /// `format=` wins; else the first of CSV or XLSX the `Accept` header
    /// names; else JSON.
    pub fn choose(format: Option<&str>, accept: Option<&str>) -> AppResult<Format> {
        if let Some(word) = format {
            return word
                .parse()
                .map_err(|e: String| AppError::invalid("format", e));
        }
        let accept = accept.unwrap_or_default();
        let wanted = |media: &str| accept.split(',').position(|a| a.trim().starts_with(media));
        Ok(
            match (
                wanted("text/csv"),
                wanted(XLSX_TYPE.split(';').next().unwrap_or(XLSX_TYPE)),
            ) {
                (Some(c), Some(x)) if x < c => Format::Xlsx,
                (Some(_), _) => Format::Csv,
                (None, Some(_)) => Format::Xlsx,
                (None, None) => Format::Json,
            },
        )
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => CSV_TYPE,
            Format::Xlsx => XLSX_TYPE,
        }
    }
}

/// One cell: numbers stay numbers and dates dates in XLSX.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(i64),
    Date(NaiveDate),
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n)
    }
}

impl From<i32> for Cell {
    fn from(n: i32) -> Cell {
        Cell::Number(n.into())
    }
}

impl From<NaiveDate> for Cell {
    fn from(date: NaiveDate) -> Cell {
        Cell::Date(date)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Cell {
        value.map_or(Cell::Empty, Into::into)
    }
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Date(date) => date.format("%Y-%m-%d").to_string(),
        }
    }
}

pub type Row = Vec<Cell>;

/// Where a report or list producer puts each page of rows as it reads it.
pub type Sink<'a> = dyn FnMut(Vec<Row>) -> AppResult<()> + 'a;

/// Every page of a listing into `sink`, a row each item: `page` reads the
/// page after a cursor (`None`: the first), as the listing's route would.
pub fn every_page<T>(
    sink: &mut Sink,
    row: impl Fn(&T) -> Row,
    mut page: impl FnMut(Option<&str>) -> AppResult<crate::pagination::Page<T>>,
) -> AppResult<()> {
    let mut cursor: Option<String> = None;
    loop {
        let read = page(cursor.as_deref())?;
        sink(read.items.iter().map(&row).collect())?;
        match read.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

/// Rows as CSV lines (the heading is a row like any other).
pub fn csv_lines(rows: &[Row]) -> AppResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(Cell::text))
            .map_err(|e| AppError::Internal(format!("writing CSV: {e}")))?;
    }
    writer
        .into_inner()
        .map_err(|e| AppError::Internal(format!("writing CSV: {e}")))
}

/// A whole small table as a CSV file: the mark, then the lines.
pub fn csv_file(heading: &[&str], rows: &[Row]) -> AppResult<Vec<u8>> {
    let mut out = BOM.to_vec();
    out.extend(csv_lines(&[heading_row(heading)])?);
    out.extend(csv_lines(rows)?);
    Ok(out)
}

pub fn heading_row(heading: &[&str]) -> Row {
    heading.iter().map(|h| Cell::from(*h)).collect()
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("writing XLSX: {e}"))
}

/// A worksheet filled a page of rows at a time; rows are written to a
/// temporary file as they come (constant memory) and the file is zipped
/// at the end.
pub struct XlsxSheet {
    workbook: Workbook,
    next_row: u32,
    date: CellFormat,
    bold: CellFormat,
}

impl XlsxSheet {
    pub fn new(title: &str, heading: &[&str]) -> AppResult<XlsxSheet> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(title).map_err(xlsx_error)?;
        let mut made = XlsxSheet {
            workbook,
            next_row: 0,
            date: CellFormat::new().set_num_format("dd/mm/yyyy"),
            bold: CellFormat::new().set_bold(),
        };
        let bold = made.bold.clone();
        let sheet = made.sheet()?;
        for (column, title) in heading.iter().enumerate() {
            sheet
                .write_string_with_format(0, column as u16, *title, &bold)
                .map_err(xlsx_error)?;
        }
        made.next_row = 1;
        Ok(made)
    }

    fn sheet(&mut self) -> AppResult<&mut Worksheet> {
        self.workbook.worksheet_from_index(0).map_err(xlsx_error)
    }

    /// Appends rows; refuses past what one worksheet holds.
    pub fn append(&mut self, rows: &[Row]) -> AppResult<()> {
        if self.next_row as usize + rows.len() > XLSX_MAX_ROWS + 1 {
            return Err(AppError::invalid(
                "format",
                "more rows than one XLSX worksheet holds (1,048,575): export as CSV",
            ));
        }
        let (date, mut row_number) = (self.date.clone(), self.next_row);
        let sheet = self.sheet()?;
        for row in rows {
            for (column, cell) in row.iter().enumerate() {
                let column = column as u16;
                match cell {
                    Cell::Empty => continue,
                    Cell::Text(text) => sheet.write_string(row_number, column, text),
                    Cell::Number(n) => sheet.write_number(row_number, column, *n as f64),
                    Cell::Date(d) => sheet.write_date_with_format(row_number, column, d, &date),
                }
                .map_err(xlsx_error)?;
            }
            row_number += 1;
        }
        self.next_row = row_number;
        Ok(())
    }

    pub fn finish(mut self) -> AppResult<Vec<u8>> {
        self.workbook.save_to_buffer().map_err(xlsx_error)
    }
}

/// A whole small table as an XLSX file.
pub fn xlsx_file(title: &str, heading: &[&str], rows: &[Row]) -> AppResult<Vec<u8>> {
    let mut sheet = XlsxSheet::new(title, heading)?;
    sheet.append(rows)?;
    sheet.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_format_parameter_wins_over_accept() {
        let choose = |f, a| Format::choose(f, a).unwrap();
        assert_eq!(choose(Some("csv"), Some(XLSX_TYPE)), Format::Csv);
        assert_eq!(choose(None, Some("text/csv")), Format::Csv);
        let both = format!("{XLSX_TYPE}, text/csv");
        assert_eq!(Format::choose(None, Some(&both)).unwrap(), Format::Xlsx);
        assert_eq!(choose(None, Some("application/json")), Format::Json);
        assert!(Format::choose(Some("pdf"), None).is_err());
    }

    #[test]
    fn csv_starts_with_the_mark_and_quotes_what_needs_it() {
        let file = csv_file(
            &["Họ và tên", "Số"],
            &[vec!["Lê, Văn \"A\"".into(), 3.into()]],
        )
        .unwrap();
        assert!(file.starts_with(BOM));
        let text = String::from_utf8(file[BOM.len()..].to_vec()).unwrap();
        assert_eq!(text, "Họ và tên,Số\n\"Lê, Văn \"\"A\"\"\",3\n");
    }
}

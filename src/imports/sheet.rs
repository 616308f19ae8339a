//! A CSV or XLSX file as rows of cells: calamine reads XLSX, the csv crate
//! reads CSV (comma, semicolon or tab, with or without a byte-order mark).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::normalize::excel_serial;
use crate::error::{AppError, AppResult};

/// One cell as read: its text, and whether the spreadsheet held a number
/// (which loses leading zeros).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub text: String,
    pub number: bool,
}

/// A row with its number as the spreadsheet shows it (the heading is row 1).
#[derive(Debug, Clone)]
pub struct Line {
    pub number: usize,
    pub cells: Vec<Cell>,
}

impl Line {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.text.trim().is_empty())
    }
}

/// The rows that hold something, a title or the heading among them.
#[derive(Debug)]
pub struct Sheet {
    pub lines: Vec<Line>,
}

fn bad_file(why: impl Into<String>) -> AppError {
    AppError::invalid("content_base64", why)
}

/// Reads the file: XLSX when it is a zip archive (the first worksheet),
/// else CSV in UTF-8.
pub fn read(bytes: &[u8]) -> AppResult<Sheet> {
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        xlsx_rows(bytes)?
    } else {
        csv_rows(bytes)?
    };
    let lines: Vec<Line> = rows
        .into_iter()
        .enumerate()
        .map(|(i, cells)| Line {
            number: i + 1,
            cells,
        })
        .filter(|line| !line.is_blank())
        .collect();
    if lines.is_empty() {
        return Err(bad_file("the file holds no rows"));
    }
    Ok(Sheet { lines })
}

fn xlsx_rows(bytes: &[u8]) -> AppResult<Vec<Vec<Cell>>> {
    let mut book = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| bad_file(format!("not a readable XLSX file: {e}")))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| bad_file("the workbook has no worksheet"))?;
    let range = book
        .worksheet_range(&first)
        .map_err(|e| bad_file(format!("worksheet {first}: {e}")))?;
    // rows above the used range's start are blank; keep the numbering
    let (top, _) = range.start().unwrap_or_default();
    let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); top as usize];
    rows.extend(range.rows().map(|row| row.iter().map(cell).collect()));
    Ok(rows)
}

fn cell(data: &Data) -> Cell {
    let number = |text: String| Cell { text, number: true };
    match data {
        Data::Empty => Cell::default(),
        Data::Int(n) => number(n.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => number(format!("{}", *f as i64)),
        Data::Float(f) => number(f.to_string()),
        Data::DateTime(d) => Cell {
            text: excel_serial(d.as_f64())
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| d.to_string()),
            number: false,
        },
        other => Cell {
            text: other.to_string(),
            number: false,
        },
    }
}

fn csv_rows(bytes: &[u8]) -> AppResult<Vec<Vec<Cell>>> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| bad_file("a CSV file must be saved as UTF-8 (CSV UTF-8 in Excel)"))?;
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| {
            record
                .map(|r| {
                    r.iter()
                        .map(|t| Cell {
                            text: t.to_owned(),
                            number: false,
                        })
                        .collect()
                })
                .map_err(|e| bad_file(format!("not a readable CSV file: {e}")))
        })
        .collect()
}

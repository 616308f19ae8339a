//! What differs between agencies' spreadsheets, made uniform: composed or
//! decomposed Vietnamese, stray spaces, dates as dd/mm/yyyy, yyyy-mm-dd or
//! Excel serial numbers, decimal commas, percent signs, sex and
//! classification in words, catalog names for codes.

use chrono::{Days, NaiveDate};
use unicode_normalization::UnicodeNormalization;

use crate::text::fold;

/// Composed (NFC), trimmed, inner runs of spaces made one; `None` when
/// nothing is left.
pub fn text(raw: &str) -> Option<String> {
    let composed: String = raw.nfc().collect();
    let words: Vec<&str> = composed.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The day Excel's serial numbers count from (1900 date system, with its
/// leap-year bug: serials from 61 on are right counted from here).
fn excel_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default()
}

/// An Excel serial day number (what a date cell holds) as a date.
pub fn excel_serial(serial: f64) -> Option<NaiveDate> {
    let days = serial.trunc();
    (61.0..=109_575.0)
        .contains(&days)
        .then(|| excel_epoch().checked_add_days(Days::new(days as u64)))
        .flatten()
}

/// How a date was written, when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateForm {
    Written,
    /// An Excel serial number typed or exported as text: worth a warning.
    Serial,
}

/// dd/mm/yyyy (also with `-` or `.`, one-digit day or month), yyyy-mm-dd,
/// or an Excel serial number; never mm/dd/yyyy, which Vietnam does not write.
pub fn date(raw: &str) -> Option<(NaiveDate, DateForm)> {
    let text = raw.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some((date, DateForm::Written));
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    if let [d, m, y] = parts[..] {
        if y.len() == 4 {
            let date = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
            return Some((date, DateForm::Written));
        }
    }
    if text.bytes().all(|b| b.is_ascii_digit()) && (2..=6).contains(&text.len()) {
        return excel_serial(text.parse().ok()?).map(|d| (d, DateForm::Serial));
    }
    None
}

/// "4,98", "4.98", " 4,98 " -> 4.98. A comma is a decimal comma unless a
/// point follows it ("1,234.5").
pub fn decimal(raw: &str) -> Option<f64> {
    let text: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let text = match (text.find(','), text.find('.')) {
        (Some(comma), Some(point)) if comma < point => text.replace(',', ""),
        (Some(_), Some(_)) => text.replace('.', "").replace(',', "."),
        (Some(_), None) => text.replace(',', "."),
        _ => text,
    };
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// "7%", "7 %", "7,0%", "0.07" as a share -> 7; `None` when not a whole
/// percent.
pub fn percent(raw: &str) -> Option<i64> {
    let trimmed = raw.trim();
    let (number, with_sign) = match trimmed.strip_suffix('%') {
        Some(number) => (number, true),
        None => (trimmed, false),
    };
    let mut value = decimal(number)?;
    // a spreadsheet's percent cell holds the share (0.07 for 7 %)
    if !with_sign && value > 0.0 && value < 1.0 {
        value *= 100.0;
    }
    let rounded = value.round();
    ((value - rounded).abs() < 1e-6).then_some(rounded as i64)
}

/// A whole number, also as a spreadsheet writes it ("4", "4.0", "4,0").
pub fn whole(raw: &str) -> Option<i64> {
    let value = decimal(raw)?;
    (value.fract() == 0.0).then_some(value as i64)
}

/// Digits only: spaces, dots and dashes between them dropped; a number a
/// spreadsheet shows in exponent form is refused (its digits are lost).
pub fn digits(raw: &str) -> Option<String> {
    let kept: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}'))
        .collect();
    (!kept.is_empty() && kept.bytes().all(|b| b.is_ascii_digit())).then_some(kept)
}

/// "Nam", "nữ", "male", "F", ... -> `male` / `female`.
pub fn sex(raw: &str) -> Option<&'static str> {
    match fold(raw).as_str() {
        "nam" | "male" | "m" | "trai" => Some("male"),
        "nu" | "female" | "f" | "gai" => Some("female"),
        _ => None,
    }
}

/// "Cán bộ", "công chức", "Viên chức", or the API's words.
pub fn classification(raw: &str) -> Option<&'static str> {
    match fold(raw).replace(['_', '-'], " ").as_str() {
        "can bo" | "cadre" | "cb" => Some("cadre"),
        "cong chuc" | "civil servant" | "cc" => Some("civil_servant"),
        "vien chuc" | "public employee" | "vc" => Some("public_employee"),
        _ => None,
    }
}

/// "Trung ương", "cấp tỉnh", "Huyện", "xã", or the API's words.
pub fn level(raw: &str) -> Option<&'static str> {
    let folded = fold(raw);
    match folded.strip_prefix("cap ").unwrap_or(&folded) {
        "trung uong" | "tw" | "central" => Some("central"),
        "tinh" | "province" => Some("province"),
        "huyen" | "district" => Some("district"),
        "xa" | "commune" => Some("commune"),
        _ => None,
    }
}

/// An organization's code as written: upper case, no spaces.
pub fn code(raw: &str) -> Option<String> {
    let code: String = raw.split_whitespace().collect::<String>().to_uppercase();
    (!code.is_empty()).then_some(code)
}

/// How a catalog value was matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    /// By its code, or its name as written.
    Exactly(String),
    /// By its name only once diacritics were set aside: worth a warning.
    Loosely(String),
}

/// A catalog's entries, (code, name).
pub fn catalog_code(raw: &str, entries: &[(String, String)]) -> Option<Matched> {
    let written = text(raw)?;
    let lower = written.to_lowercase();
    if let Some((code, _)) = entries
        .iter()
        .find(|(code, name)| *code == written || name.to_lowercase() == lower)
    {
        return Some(Matched::Exactly(code.clone()));
    }
    let folded = fold(&written);
    let mut loose = entries.iter().filter(|(_, name)| fold(name) == folded);
    match (loose.next(), loose.next()) {
        (Some((code, _)), None) => Some(Matched::Loosely(code.clone())),
        _ => None,
    }
}

/// A column heading as mappings are matched: composed, spaces made one,
/// lower case.
pub fn heading(raw: &str) -> String {
    text(raw).unwrap_or_default().to_lowercase()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_as_agencies_write_them() {
        let written = |raw| date(raw).map(|(d, _)| d);
        assert_eq!(written("05/07/1980"), Some(day(1980, 7, 5)));
        assert_eq!(written("5/7/1980"), Some(day(1980, 7, 5)));
        assert_eq!(written("05-07-1980"), Some(day(1980, 7, 5)));
        assert_eq!(written("05.07.1980"), Some(day(1980, 7, 5)));
        assert_eq!(written(" 1980-07-05 "), Some(day(1980, 7, 5)));
        assert_eq!(date("29407"), Some((day(1980, 7, 5), DateForm::Serial)));
        assert_eq!(written("31/02/1980"), None);
        assert_eq!(written("07/1980"), None);
        assert_eq!(written("ngày 5 tháng 7"), None);
    }

    #[test]
    fn numbers_with_commas_points_and_percent_signs() {
        assert_eq!(decimal("4,98"), Some(4.98));
        assert_eq!(decimal(" 4.98 "), Some(4.98));
        assert_eq!(decimal("1.234,5"), Some(1234.5));
        assert_eq!(decimal("1,234.5"), Some(1234.5));
        assert_eq!(percent("7%"), Some(7));
        assert_eq!(percent("7,0 %"), Some(7));
        assert_eq!(percent("0.07"), Some(7));
        assert_eq!(percent("7,08%"), None);
        assert_eq!(whole("4.0"), Some(4));
        assert_eq!(digits("001 234.567-890"), Some("001234567890".into()));
        assert_eq!(digits("1.23457E+11"), None);
    }

    #[test]
    fn composed_and_decomposed_vietnamese_read_the_same() {
        let decomposed = "Nguye\u{302}\u{303}n  Va\u{306}n   An ";
        assert_eq!(text(decomposed).unwrap(), "Nguyễn Văn An");
        assert_eq!(
            heading(" Họ  và TÊN "),
            heading("ho\u{323} va\u{300} te\u{302}n")
        );
        assert_eq!(sex("Nữ"), Some("female"));
        assert_eq!(sex("nu\u{303}"), Some("female"));
        assert_eq!(classification("Công chức"), Some("civil_servant"));
    }

    #[test]
    fn catalog_names_become_codes() {
        let ethnic = [("01".into(), "Kinh".into()), ("02".into(), "Tày".into())];
        assert_eq!(
            catalog_code("02", &ethnic),
            Some(Matched::Exactly("02".into()))
        );
        assert_eq!(
            catalog_code(" kinh ", &ethnic),
            Some(Matched::Exactly("01".into()))
        );
        assert_eq!(
            catalog_code("Tay", &ethnic),
            Some(Matched::Loosely("02".into()))
        );
        assert_eq!(catalog_code("Mường", &ethnic), None);
    }
}

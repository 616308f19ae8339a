//! Dates as people in Vietnam write them: dd/mm/yyyy, shown and typed.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// `17/05/1980`.
pub fn date(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// `17/05/1980`, or nothing.
pub fn maybe_date(day: Option<NaiveDate>) -> String {
    day.map(date).unwrap_or_default()
}

/// `28/11/2026 13:05`, in Vietnam's time (UTC+7).
pub fn date_time(at: DateTime<Utc>) -> String {
    (at + Duration::hours(7))
        .naive_utc()
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// `a=1&b=x%20y`: pairs percent-encoded for a link's query string.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", percent_encode(key), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Everything but RFC 3986's unreserved characters (and `/`) encoded.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A query's value as typed, unless blank.
pub fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The next page of a search: `path` with the filters given and `cursor`.
pub fn next_page(path: &str, filters: &[(&str, &Option<String>)], cursor: &str) -> String {
    let mut pairs: Vec<(&str, String)> = filters
        .iter()
        .filter_map(|(name, value)| given(value).map(|v| (*name, v)))
        .collect();
    pairs.push(("cursor", cursor.to_owned()));
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    format!("{path}?{}", query_string(&borrowed))
}

/// What was typed is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotADate;

/// A typed date: `17/05/1980` (also with `-` or `.`, and one-digit day or
/// month), or `1980-05-17` as date pickers send it. `None` when nothing
/// is typed; `Err` when it is not a date.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, NotADate> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(iso) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Some(iso));
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [day, month, year] = parts.as_slice() else {
        return Err(NotADate);
    };
    if year.len() != 4 {
        return Err(NotADate);
    }
    let number = |s: &str| s.parse::<u32>().map_err(|_| NotADate);
    let year = i32::try_from(number(year)?).map_err(|_| NotADate)?;
    NaiveDate::from_ymd_opt(year, number(month)?, number(day)?)
        .map(Some)
        .ok_or(NotADate)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_are_shown_day_first() {
        assert_eq!(date(day(1980, 5, 7)), "07/05/1980");
        let noon_utc = day(2026, 11, 28).and_hms_opt(20, 5, 0).unwrap().and_utc();
        assert_eq!(date_time(noon_utc), "29/11/2026 03:05");
    }

    #[test]
    fn queries_are_encoded() {
        assert_eq!(
            query_string(&[("q", "Nguyễn Văn"), ("next", "/a?b=c&d")]),
            "q=Nguy%E1%BB%85n%20V%C4%83n&next=/a%3Fb%3Dc%26d"
        );
    }

    #[test]
    fn dates_are_read_as_typed() {
        for typed in [
            "07/05/1980",
            "7/5/1980",
            "07-05-1980",
            "7.5.1980",
            "1980-05-07",
        ] {
            assert_eq!(parse_date(typed), Ok(Some(day(1980, 5, 7))), "{typed}");
        }
        assert_eq!(parse_date("  "), Ok(None));
        for bad in ["31/02/1980", "07/05/80", "hôm qua", "1/2/3/4"] {
            assert_eq!(parse_date(bad), Err(NotADate), "{bad}");
        }
    }
}

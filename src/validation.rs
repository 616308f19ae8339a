//! Input checks every domain uses: validator's derive turned into field
//! errors, query-string values parsed into typed filters at the edge, and the
//! name query both searches take.

use validator::Validate;

use crate::error::{field_errors, AppError, AppResult};

/// Longest name query, in characters.
const NAME_QUERY_CHARS: usize = 200;

/// Runs the `#[validate]` rules, naming fields as clients spell them.
pub fn validated<T: Validate>(input: &T) -> AppResult<()> {
    input.validate().map_err(|e| {
        let mut errors = field_errors(&e);
        // the one field whose JSON name is a Rust keyword
        for error in &mut errors {
            if error.field == "org_type" {
                error.field = "type".to_owned();
            }
        }
        AppError::Validation(errors)
    })
}

/// A query-string value parsed as `T`; `expected` completes "must be …".
/// An integer may be written with a zero fraction (`40.0`), as JSON Schema,
/// and so the API's contract, counts it an integer.
pub fn parse<T: std::str::FromStr>(
    field: &str,
    raw: &Option<String>,
    expected: &str,
) -> AppResult<Option<T>> {
    raw.as_deref()
        .map(|text| {
            text.parse::<T>()
                .ok()
                .or_else(|| whole_number(text)?.parse::<T>().ok())
                .ok_or_else(|| AppError::invalid(field, format!("must be {expected}")))
        })
        .transpose()
}

/// `40` of `40.0` or `-3.00`; `None` for anything else.
fn whole_number(text: &str) -> Option<&str> {
    let (whole, fraction) = text.split_once('.')?;
    let digits = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    let is_whole = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b == b'0');
    is_whole.then_some(whole)
}

/// A query-string value that must be one of a closed set of words (a
/// `text_enum!`); the error lists them.
pub fn parse_word<T: std::str::FromStr<Err = String>>(
    field: &str,
    raw: &Option<String>,
) -> AppResult<Option<T>> {
    raw.as_deref()
        .map(|text| text.parse::<T>().map_err(|e| AppError::invalid(field, e)))
        .transpose()
}

/// A name as searches match it: folded (no diacritics, lower case) and cut
/// into words; `nguyen van` matches "Nguyễn Văn An".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameQuery {
    pub words: Vec<String>,
}

impl NameQuery {
    /// The `q` parameter: at most 200 characters, without NUL.
    pub fn parse(raw: &Option<String>) -> AppResult<NameQuery> {
        let Some(text) = raw.as_deref() else {
            return Ok(NameQuery::default());
        };
        if text.contains('\0') || text.chars().count() > NAME_QUERY_CHARS {
            return Err(AppError::invalid(
                "q",
                "must be at most 200 characters, without NUL",
            ));
        }
        Ok(NameQuery {
            words: crate::text::fold(text)
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_name_query_is_folded_into_words() {
        let query = NameQuery::parse(&Some("  Nguyễn  Văn ".into())).unwrap();
        assert_eq!(query.words, ["nguyen", "van"]);
        assert!(NameQuery::parse(&None).unwrap().words.is_empty());
        assert!(NameQuery::parse(&Some("a\0b".into())).is_err());
        assert!(NameQuery::parse(&Some("x".repeat(201))).is_err());
        assert!(NameQuery::parse(&Some("x".repeat(200))).is_ok());
    }

    #[test]
    fn values_are_parsed_or_named_in_the_error() {
        assert_eq!(
            parse::<u32>("limit", &Some("7".into()), "an integer").unwrap(),
            Some(7)
        );
        let Err(AppError::Validation(errors)) =
            parse::<u32>("limit", &Some("x".into()), "an integer")
        else {
            panic!("a bad value must be refused");
        };
        assert_eq!(errors[0].field, "limit");
        assert_eq!(errors[0].message, "must be an integer");
    }

    #[test]
    fn an_integer_may_carry_a_zero_fraction() {
        let limit = |text: &str| parse::<u32>("limit", &Some(text.into()), "an integer").ok();
        assert_eq!(limit("40.0"), Some(Some(40)));
        assert_eq!(limit("40.000"), Some(Some(40)));
        assert_eq!(limit("40.5"), None);
        assert_eq!(limit("40."), None);
        assert_eq!(limit(".0"), None);
        let depth = parse::<i32>("depth", &Some("-2.0".into()), "an integer");
        assert_eq!(depth.ok(), Some(Some(-2)));
        let reveal = parse::<bool>("reveal", &Some("true.0".into()), "true or false");
        assert!(reveal.is_err(), "only numbers have fractions");
    }
}

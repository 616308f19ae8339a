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
pub fn parse<T: std::str::FromStr>(
    field: &str,
    raw: &Option<String>,
    expected: &str,
) -> AppResult<Option<T>> {
    raw.as_deref()
        .map(|text| {
            text.parse::<T>()
                .map_err(|_| AppError::invalid(field, format!("must be {expected}")))
        })
        .transpose()
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
}

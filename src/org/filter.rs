//! Query strings of the organization listings as sent, and the typed filters
//! they are parsed into at the edge.

use chrono::NaiveDate;
use serde::Deserialize;

use super::model::{is_type_word, Level, Status};
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::OrganizationId;
use crate::pagination::{self, Limit, NameKey};
use crate::validation::{parse, parse_word, NameQuery};

/// Deepest subtree listing, in levels below its root.
pub const MAX_SUBTREE_DEPTH: i32 = 10;

const DATE: &str = "a date (YYYY-MM-DD)";

/// `GET /organizations` and `GET /organizations/{id}/children` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub as_of: Option<String>,
    pub level: Option<String>,
    #[serde(rename = "type")]
    pub org_type: Option<String>,
    pub group: Option<String>,
    pub status: Option<String>,
    pub parent_id: Option<String>,
    pub under: Option<String>,
    pub q: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// What a listing asks for. Without `as_of` or `status`, current units;
/// with `as_of`, units in the tree on that date, where they stood then; with
/// only `status`, every unit of that status (merged predecessors too).
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub as_of: Option<NaiveDate>,
    pub level: Option<Level>,
    pub org_type: Option<String>,
    pub group: Option<i16>,
    pub status: Option<Status>,
    pub parent: Option<OrganizationId>,
    /// Only inside this unit's subtree.
    pub under: Option<OrganizationId>,
    /// Words that must all occur in the folded name.
    pub name: NameQuery,
    pub after: Option<NameKey>,
    pub limit: Limit,
}

impl TryFrom<ListQuery> for ListFilter {
    type Error = AppError;

    fn try_from(query: ListQuery) -> AppResult<Self> {
        let limit = Limit::parse(parse("limit", &query.limit, "an integer")?)?;
        let group = parse::<i16>("group", &query.group, "1 or 2")?;
        if group.is_some_and(|g| !(1..=2).contains(&g)) {
            return Err(AppError::invalid("group", "must be 1 or 2"));
        }
        let under = parse("under", &query.under, "an organization id")?;
        let name = NameQuery::parse(&query.q)?;
        if query.org_type.as_deref().is_some_and(|t| !is_type_word(t)) {
            return Err(AppError::invalid(
                "type",
                "must be a snake_case word such as ministry",
            ));
        }
        Ok(ListFilter {
            as_of: parse("as_of", &query.as_of, DATE)?,
            level: parse_word("level", &query.level)?,
            org_type: query.org_type,
            group,
            status: parse_word("status", &query.status)?,
            parent: parse("parent_id", &query.parent_id, "an organization id")?,
            under,
            name,
            after: query
                .cursor
                .as_deref()
                .map(pagination::decode::<NameKey>)
                .transpose()?,
            limit,
        })
    }
}

/// `GET /organizations/{id}/subtree` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct SubtreeQuery {
    pub depth: Option<String>,
    pub as_of: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A subtree down to `depth` levels below its root, in tree order, as it
/// stood on `as_of` (today when `None`).
#[derive(Debug, Clone)]
pub struct SubtreeFilter {
    pub depth: i32,
    pub as_of: Option<NaiveDate>,
    /// The path of the last row of the previous page.
    pub after: Option<TreePath>,
    pub limit: Limit,
}

impl TryFrom<SubtreeQuery> for SubtreeFilter {
    type Error = AppError;

    fn try_from(query: SubtreeQuery) -> AppResult<Self> {
        let depth = parse::<i32>("depth", &query.depth, "an integer")?.unwrap_or(1);
        if !(0..=MAX_SUBTREE_DEPTH).contains(&depth) {
            return Err(AppError::invalid(
                "depth",
                format!("must be between 0 and {MAX_SUBTREE_DEPTH}"),
            ));
        }
        Ok(SubtreeFilter {
            depth,
            as_of: parse("as_of", &query.as_of, DATE)?,
            limit: Limit::parse(parse("limit", &query.limit, "an integer")?)?,
            after: query
                .cursor
                .as_deref()
                .map(pagination::decode::<String>)
                .transpose()?
                .map(TreePath),
        })
    }
}

/// `?as_of=` of a single organization, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct AsOfQuery {
    pub as_of: Option<String>,
}

/// The date to show an organization as it stood (today when `None`).
#[derive(Debug, Clone, Copy, Default)]
pub struct AsOf(pub Option<NaiveDate>);

impl TryFrom<AsOfQuery> for AsOf {
    type Error = AppError;

    fn try_from(query: AsOfQuery) -> AppResult<Self> {
        parse("as_of", &query.as_of, DATE).map(AsOf)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, &str)]) -> AppResult<ListFilter> {
        let query: ListQuery = serde_json::from_value(serde_json::Value::Object(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::json!(v)))
                .collect(),
        ))
        .map_err(|e| AppError::Internal(e.to_string()))?;
        ListFilter::try_from(query)
    }

    fn field(result: AppResult<ListFilter>) -> String {
        match result {
            Err(AppError::Validation(errors)) => errors[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_listing_query_is_parsed_into_typed_values() {
        let filter = list(&[
            ("level", "province"),
            ("status", "merged"),
            ("q", "  Hà  Nội "),
            ("type", "people_committee"),
            ("group", "2"),
        ])
        .unwrap();
        assert_eq!(filter.level, Some(Level::Province));
        assert_eq!(filter.status, Some(Status::Merged));
        assert_eq!(filter.name.words, ["ha", "noi"]);
        assert_eq!(filter.group, Some(2));
        assert_eq!(filter.limit.0, pagination::DEFAULT_LIMIT);
    }

    #[test]
    fn each_bad_value_is_named() {
        for (key, value) in [
            ("level", "galaxy"),
            ("status", "gone"),
            ("group", "9"),
            ("as_of", "yesterday"),
            ("limit", "0"),
            ("cursor", "%%%"),
            ("parent_id", "nope"),
            ("under", "nope"),
            ("q", "a\0b"),
            ("type", "Bad Type"),
        ] {
            assert_eq!(field(list(&[(key, value)])), key, "{key}={value}");
        }
    }

    #[test]
    fn a_subtree_is_at_most_ten_levels_deep() {
        let query = |depth: &str| SubtreeQuery {
            depth: Some(depth.into()),
            ..SubtreeQuery::default()
        };
        assert_eq!(SubtreeFilter::try_from(query("10")).unwrap().depth, 10);
        assert!(SubtreeFilter::try_from(query("11")).is_err());
        assert!(SubtreeFilter::try_from(query("-1")).is_err());
        assert_eq!(
            SubtreeFilter::try_from(SubtreeQuery::default())
                .unwrap()
                .depth,
            1
        );
    }
}

use diesel::prelude::*;
use diesel::sql_types::{Text, Uuid};
use serde::{Deserialize, Serialize};

use crate::ids::{OrganizationId, UserId};
use crate::pagination::Limit;

/// A colleague as the groupware names them: no status, no grants.
#[derive(Debug, Clone, Serialize, QueryableByName)]
pub struct Person {
    #[diesel(sql_type = Uuid)]
    pub id: UserId,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Uuid)]
    pub home_organization_id: OrganizationId,
}

/// `GET /groupware/people` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct PeopleQuery {
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Accounts whose name (diacritics aside) or username holds `words`, after
/// the username `after`.
#[derive(Debug, Clone)]
pub struct PeopleFilter {
    pub words: String,
    pub limit: Limit,
    pub after: Option<String>,
}

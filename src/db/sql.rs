//! Raw SQL assembled piece by piece with numbered bind parameters, for the few
//! queries (dynamic filters over ltree) that diesel's DSL cannot express.

use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;

pub struct SqlBuilder<'f> {
    query: BoxedSqlQuery<'f, Pg, SqlQuery>,
    next: usize,
}

impl<'f> SqlBuilder<'f> {
    pub fn new(text: &str) -> Self {
        SqlBuilder {
            query: diesel::sql_query(text).into_boxed(),
            next: 1,
        }
    }

    pub fn sql(mut self, text: &str) -> Self {
        self.query = self.query.sql(text);
        self
    }

    /// Appends `$n` and binds `value` to it.
    pub fn bind<ST, V>(mut self, value: V) -> Self
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'f,
        ST: Send + 'f,
    {
        self.query = self
            .query
            .sql(format!("${}", self.next))
            .bind::<ST, V>(value);
        self.next += 1;
        self
    }

    pub fn build(self) -> BoxedSqlQuery<'f, Pg, SqlQuery> {
        self.query
    }
}

//! PostgreSQL through Diesel's `PgConnection` (libpq).

use diesel::pg::{Pg, PgConnection};
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};
use tranq_core::{Dialect, Query, Row};

use crate::TranqConnection;
use crate::shared::{LoadRows, Shape, Shaped, bind, by_shape, unknown_shape};

impl TranqConnection for PgConnection {
    const DIALECT: Dialect = Dialect::Postgres;

    fn tranq_execute(&mut self, query: &Query) -> QueryResult<u64> {
        let n = bind::<Pg>(query).execute(self)?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn tranq_fetch(&mut self, query: &Query) -> QueryResult<Vec<Row>> {
        let load = Load {
            conn: self,
            query: bind::<Pg>(query),
        };
        by_shape(query.shape, load).unwrap_or_else(|| Err(unknown_shape(query.shape)))
    }
}

struct Load<'a> {
    conn: &'a mut PgConnection,
    query: BoxedSqlQuery<'static, Pg, SqlQuery>,
}

impl LoadRows<Pg> for Load<'_> {
    type Output = QueryResult<Vec<Row>>;

    fn load<S: Shape>(self) -> Self::Output
    where
        Shaped<S>: QueryableByName<Pg>,
    {
        let rows = self.query.load::<Shaped<S>>(self.conn)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn nothing(self) -> Self::Output {
        self.query.execute(self.conn).map(|_| Vec::new())
    }
}

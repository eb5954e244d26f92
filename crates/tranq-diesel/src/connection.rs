//! What tranq needs of a Diesel connection type: one impl per database.

use diesel::QueryResult;
use diesel::r2d2::{ConnectionManager, PooledConnection, R2D2Connection};
use tranq_core::{Dialect, Query, Row};

/// A Diesel connection tranq can enqueue on and run its queries over: `PgConnection` (feature
/// `postgres`) and a pooled one (`PooledConnection<ConnectionManager<PgConnection>>`).
///
/// Not for users to implement.
pub trait TranqConnection: Send {
    /// The SQL dialect spoken over this connection.
    const DIALECT: Dialect;
    /// Runs a statement; returns the number of rows affected.
    fn tranq_execute(&mut self, query: &Query) -> QueryResult<u64>;
    /// Runs a query; returns its rows as the query's shape describes them.
    fn tranq_fetch(&mut self, query: &Query) -> QueryResult<Vec<Row>>;
}

impl<C> TranqConnection for PooledConnection<ConnectionManager<C>>
where
    C: TranqConnection + R2D2Connection + 'static,
{
    const DIALECT: Dialect = C::DIALECT;
    fn tranq_execute(&mut self, query: &Query) -> QueryResult<u64> {
        (**self).tranq_execute(query)
    }
    fn tranq_fetch(&mut self, query: &Query) -> QueryResult<Vec<Row>> {
        (**self).tranq_fetch(query)
    }
}

/// A connection type an r2d2 pool of which can back a [`Store`](crate::Store).
pub trait StoreConnection: TranqConnection + R2D2Connection + 'static {}

impl<C: TranqConnection + R2D2Connection + 'static> StoreConnection for C {}

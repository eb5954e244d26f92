//! What tranq needs of a diesel-async connection type: one impl per database.

use diesel::QueryResult;
use diesel_async::AsyncConnection;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::PoolError;
use futures::future::BoxFuture;
use tranq_core::{Dialect, Notifications, Query, Result, Row};

/// A diesel-async connection tranq can enqueue on and run its queries over: `AsyncPgConnection`
/// (feature `postgres`) and a bb8-pooled one.
///
/// Not for users to implement.
pub trait TranqAsyncConnection: Send {
    /// The SQL dialect spoken over this connection.
    const DIALECT: Dialect;
    /// Runs a statement; returns the number of rows affected.
    fn tranq_execute<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, QueryResult<u64>>;
    /// Runs a query; returns its rows as the query's shape describes them.
    fn tranq_fetch<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, QueryResult<Vec<Row>>>;
}

impl<M> TranqAsyncConnection for bb8::PooledConnection<'_, M>
where
    M: bb8::ManageConnection,
    M::Connection: TranqAsyncConnection,
{
    const DIALECT: Dialect = M::Connection::DIALECT;
    fn tranq_execute<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, QueryResult<u64>> {
        (**self).tranq_execute(query)
    }
    fn tranq_fetch<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, QueryResult<Vec<Row>>> {
        (**self).tranq_fetch(query)
    }
}

/// A connection type a bb8 pool of which can back a [`Store`](crate::Store).
///
/// Every generic item over it also asks that [`Manager<C>`] be a bb8 manager (diesel-async
/// implements that for each connection type); Rust cannot state it once here.
pub trait StoreConnection: TranqAsyncConnection + AsyncConnection + 'static {
    /// Listens on `channel` on a connection of its own, outside the pool; `None` when the
    /// database cannot push notifications.
    fn listen<'a>(
        pool: &'a bb8::Pool<Manager<Self>>,
        channel: &'static str,
    ) -> BoxFuture<'a, Result<Option<Notifications>>>
    where
        Manager<Self>: bb8::ManageConnection<Connection = Self, Error = PoolError>;
}

/// The bb8 connection manager of connection type `C`.
pub type Manager<C> = AsyncDieselConnectionManager<C>;

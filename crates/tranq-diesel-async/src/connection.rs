//! What tranq needs of a diesel-async connection: any connection (or pooled one) to a database
//! tranq speaks, the SQL and the row types coming from its backend.

use diesel::QueryResult;
use diesel::QueryableByName;
use diesel::query_builder::QueryFragment;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::PoolError;
use diesel_async::{AsyncConnection, AsyncConnectionCore, RunQueryDsl, TransactionManager};
use futures::FutureExt;
use futures::future::{self, BoxFuture};
use tranq_core::{Dialect, Notifications, Query, Result, Row};
use tranq_diesel::shared::{
    Bound, LoadRows, Shape, Shaped, SqlBackend, TranqBackend, unknown_shape,
};

/// A diesel-async connection tranq can enqueue on and run its queries over: `AsyncPgConnection`
/// (feature `postgres`), `AsyncMysqlConnection` (`mysql`),
/// `SyncConnectionWrapper<SqliteConnection>` (`sqlite`), and a bb8-pooled one.
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

impl<C> TranqAsyncConnection for C
where
    C: AsyncConnectionCore + Send,
    C::Backend: SqlBackend,
    Bound<C::Backend>: QueryFragment<C::Backend>,
{
    const DIALECT: Dialect = <C::Backend as TranqBackend>::DIALECT;

    fn tranq_execute<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, QueryResult<u64>> {
        let q = C::Backend::bind(query);
        async move {
            let n = q.execute(self).await?;
            Ok(u64::try_from(n).unwrap_or(u64::MAX))
        }
        .boxed()
    }

    fn tranq_fetch<'a>(&'a mut self, query: &'a Query) -> BoxFuture<'a, QueryResult<Vec<Row>>> {
        let load = Load {
            conn: self,
            query: C::Backend::bind(query),
        };
        C::Backend::by_shape(query.shape, load)
            .unwrap_or_else(|| future::ready(Err(unknown_shape(query.shape))).boxed())
    }
}

/// One bound query about to run on `conn`.
struct Load<'a, C: AsyncConnectionCore> {
    conn: &'a mut C,
    query: Bound<C::Backend>,
}

impl<'a, C> LoadRows<C::Backend> for Load<'a, C>
where
    C: AsyncConnectionCore + Send,
    C::Backend: SqlBackend,
    Bound<C::Backend>: QueryFragment<C::Backend>,
{
    type Output = BoxFuture<'a, QueryResult<Vec<Row>>>;

    fn load<S: Shape>(self) -> Self::Output
    where
        Shaped<S>: QueryableByName<C::Backend>,
    {
        async move {
            let rows: Vec<Shaped<S>> = self.query.load(self.conn).await?;
            Ok(rows.into_iter().map(Into::into).collect())
        }
        .boxed()
    }

    fn nothing(self) -> Self::Output {
        async move { self.query.execute(self.conn).await.map(|_| Vec::new()) }.boxed()
    }
}

/// A connection type a bb8 pool of which can back a [`Store`](crate::Store).
///
/// Every generic item over it also asks that [`Manager<C>`] be a bb8 manager (diesel-async
/// implements that for each connection type); Rust cannot state it once here.
pub trait StoreConnection: TranqAsyncConnection + AsyncConnection + 'static {
    /// Begins a transaction of the store's own (a claim on MySQL, a migration); each of them
    /// writes.
    fn begin_store_transaction(&mut self) -> BoxFuture<'_, QueryResult<()>> {
        <Self as AsyncConnection>::TransactionManager::begin_transaction(self).boxed()
    }

    /// Listens on `channel` on a connection of its own, outside the pool; `None` (the
    /// default) when the database cannot push notifications, and workers poll.
    fn listen<'a>(
        pool: &'a bb8::Pool<Manager<Self>>,
        channel: &'static str,
    ) -> BoxFuture<'a, Result<Option<Notifications>>>
    where
        Manager<Self>: bb8::ManageConnection<Connection = Self, Error = PoolError>,
    {
        let _ = (pool, channel);
        future::ready(Ok(None)).boxed()
    }
}

/// The bb8 connection manager of connection type `C`.
pub type Manager<C> = AsyncDieselConnectionManager<C>;

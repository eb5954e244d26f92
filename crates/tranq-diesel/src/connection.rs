//! What tranq needs of a Diesel connection: any connection (or pooled one) to a database tranq
//! speaks, the SQL and the row types coming from its [`TranqBackend`].

use diesel::connection::{AnsiTransactionManager, Connection, LoadConnection};
use diesel::query_builder::QueryFragment;
use diesel::r2d2::R2D2Connection;
use diesel::{QueryResult, QueryableByName, RunQueryDsl};
use tranq_core::{Dialect, InsertIds, Query, Row};

use crate::shared::{
    Bound, LoadRows, Shape, Shaped, SqlBackend, SyncBackend, TranqBackend, unknown_shape,
};

/// A Diesel connection tranq can enqueue on and run its queries over: `PgConnection` (feature
/// `postgres`), `SqliteConnection` (`sqlite`), `MysqlConnection` (`mysql`), and a pooled one
/// (`PooledConnection<ConnectionManager<_>>`).
///
/// Not for users to implement.
pub trait TranqConnection: Send {
    /// The SQL dialect spoken over this connection.
    const DIALECT: Dialect;
    /// How this connection learns the ids of inserted jobs.
    const INSERT_IDS: InsertIds;
    /// Runs a statement; returns the number of rows affected.
    fn tranq_execute(&mut self, query: &Query) -> QueryResult<u64>;
    /// Runs a query; returns its rows as the query's shape describes them.
    fn tranq_fetch(&mut self, query: &Query) -> QueryResult<Vec<Row>>;
    /// Runs `f` all or nothing: in a transaction, or a savepoint inside the caller's.
    fn tranq_atomically<R>(
        &mut self,
        f: impl FnOnce(&mut Self) -> QueryResult<R>,
    ) -> QueryResult<R>
    where
        Self: Sized;
}

impl<C> TranqConnection for C
where
    C: Connection + LoadConnection + Send,
    C::Backend: SyncBackend,
    Bound<C::Backend>: QueryFragment<C::Backend>,
{
    const DIALECT: Dialect = <C::Backend as TranqBackend>::DIALECT;
    const INSERT_IDS: InsertIds = <C::Backend as SyncBackend>::INSERT_IDS;

    fn tranq_execute(&mut self, query: &Query) -> QueryResult<u64> {
        let n = C::Backend::bind(query).execute(self)?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn tranq_fetch(&mut self, query: &Query) -> QueryResult<Vec<Row>> {
        let load = Load {
            conn: self,
            query: C::Backend::bind(query),
        };
        C::Backend::by_shape(query.shape, load).unwrap_or_else(|| Err(unknown_shape(query.shape)))
    }

    fn tranq_atomically<R>(
        &mut self,
        f: impl FnOnce(&mut Self) -> QueryResult<R>,
    ) -> QueryResult<R> {
        // When the database itself ended the transaction (MariaDB breaking a deadlock), rolling
        // back to the savepoint fails too, and Diesel reports that failure instead of the cause:
        // the cause is kept here and reported.
        let mut cause = None;
        let result = self.transaction(|conn| {
            f(conn).inspect_err(|e| {
                if let diesel::result::Error::DatabaseError(kind, info) = e {
                    cause = Some((*kind, info.message().to_owned()));
                }
            })
        });
        match (result, cause) {
            (Err(diesel::result::Error::DatabaseError(_, info)), Some((kind, message)))
                if info.message() != message =>
            {
                Err(diesel::result::Error::DatabaseError(
                    kind,
                    Box::new(message),
                ))
            }
            (result, _) => result,
        }
    }
}

/// One bound query about to run on `conn`.
struct Load<'a, C: Connection> {
    conn: &'a mut C,
    query: Bound<C::Backend>,
}

impl<C> LoadRows<C::Backend> for Load<'_, C>
where
    C: Connection + LoadConnection,
    C::Backend: SqlBackend,
    Bound<C::Backend>: QueryFragment<C::Backend>,
{
    type Output = QueryResult<Vec<Row>>;

    fn load<S: Shape>(self) -> Self::Output
    where
        Shaped<S>: QueryableByName<C::Backend>,
    {
        let rows = self.query.load::<Shaped<S>>(self.conn)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn nothing(self) -> Self::Output {
        self.query.execute(self.conn).map(|_| Vec::new())
    }
}

/// A connection type an r2d2 pool of which can back a [`Store`](crate::Store).
pub trait StoreConnection: TranqConnection + R2D2Connection + 'static {
    /// Begins a transaction of the store's own, as the backend wants it
    /// ([`Dialect::begin_write_sql`](tranq_core::Dialect::begin_write_sql)).
    fn begin_store_transaction(&mut self) -> QueryResult<()>;
}

impl<C> StoreConnection for C
where
    C: TranqConnection + R2D2Connection + Connection<TransactionManager = AnsiTransactionManager>,
    C: 'static,
    C::Backend: TranqBackend,
{
    fn begin_store_transaction(&mut self) -> QueryResult<()> {
        AnsiTransactionManager::begin_transaction_sql(
            self,
            <C::Backend as TranqBackend>::DIALECT.begin_write_sql(),
        )
    }
}

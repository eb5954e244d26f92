//! SQLite through diesel-async's `SyncConnectionWrapper<SqliteConnection>`: Diesel's own
//! SQLite connection, each call run on tokio's blocking pool. SQLite has no `LISTEN`: workers
//! over this store poll.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use diesel::QueryResult;
use diesel::connection::AnsiTransactionManager;
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel_async::SimpleAsyncConnection;
use diesel_async::pooled_connection::PoolError;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use futures::future::BoxFuture;
use tranq_diesel::shared::TranqBackend;

use crate::StoreConnection;

impl StoreConnection for SyncConnectionWrapper<SqliteConnection> {
    /// `BEGIN IMMEDIATE` (from tranq-core's `sql/sqlite/session.sql`): the write lock at once, waiting out the
    /// busy timeout.
    fn begin_store_transaction(&mut self) -> BoxFuture<'_, QueryResult<()>> {
        self.spawn_blocking(|conn| {
            AnsiTransactionManager::begin_transaction_sql(
                conn,
                <Sqlite as TranqBackend>::DIALECT.begin_write_sql(),
            )
        })
    }
}

/// Sets up every connection a bb8 pool opens the way tranq uses SQLite: the statements of
/// `tranq::diesel::SqliteSetup` (a busy timeout, 5 seconds by default, and WAL), for a bb8
/// pool.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use diesel::SqliteConnection;
/// use diesel_async::pooled_connection::AsyncDieselConnectionManager;
/// use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
///
/// type Conn = SyncConnectionWrapper<SqliteConnection>;
/// let pool = bb8::Pool::builder()
///     .max_size(8)
///     .connection_customizer(Box::new(tranq_diesel_async::SqliteSetup::default()))
///     .build(AsyncDieselConnectionManager::<Conn>::new("jobs.db"))
///     .await?;
/// # let _ = pool;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqliteSetup(tranq_diesel::SqliteSetup);

impl SqliteSetup {
    /// Writers wait up to `timeout` for the write lock.
    pub fn busy_timeout(timeout: Duration) -> Self {
        SqliteSetup(tranq_diesel::SqliteSetup::busy_timeout(timeout))
    }
}

impl bb8::CustomizeConnection<SyncConnectionWrapper<SqliteConnection>, PoolError> for SqliteSetup {
    fn on_acquire<'a>(
        &'a self,
        conn: &'a mut SyncConnectionWrapper<SqliteConnection>,
    ) -> Pin<Box<dyn Future<Output = Result<(), PoolError>> + Send + 'a>> {
        Box::pin(async move {
            for sql in self.0.statements() {
                conn.batch_execute(&sql)
                    .await
                    .map_err(PoolError::QueryError)?;
            }
            Ok(())
        })
    }
}

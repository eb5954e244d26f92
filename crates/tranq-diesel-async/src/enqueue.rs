//! `MyTask::enqueue_in(conn, args).await` on diesel-async connections.

use bb8::PooledConnection;
use diesel::QueryResult;
use futures::future::BoxFuture;
use tranq_core::{
    Enqueued, Executor, InsertPlan, Lease, NewJob, Result, complete_in_query, completed_or_lost,
};
use tranq_diesel::shared::{enqueue_failed, into_diesel};

use crate::{DieselAsync, TranqAsyncConnection};

/// Inserts `jobs` on any diesel-async connection tranq speaks in one statement; `finish` shapes
/// the outcomes. What the [`Executor`] impls run; tranq's tests call it over connection types of
/// their own.
#[doc(hidden)]
pub fn insert_jobs<C: TranqAsyncConnection, R: Send + 'static>(
    conn: &mut C,
    jobs: Result<Vec<NewJob>>,
    finish: fn(Vec<Enqueued>) -> Result<R>,
) -> BoxFuture<'_, QueryResult<R>> {
    Box::pin(async move {
        let jobs = jobs.map_err(into_diesel)?;
        let plan = InsertPlan::new(C::DIALECT, &jobs);
        let query = plan.query().map_err(into_diesel)?;
        let rows = conn.tranq_fetch(&query).await.map_err(enqueue_failed)?;
        plan.read(rows).and_then(finish).map_err(into_diesel)
    })
}

/// Completes the job of `lease` on `conn` (`ctx.complete_in`).
fn complete_job<C: TranqAsyncConnection>(
    conn: &mut C,
    lease: Lease,
) -> BoxFuture<'_, QueryResult<()>> {
    Box::pin(async move {
        let query = complete_in_query(C::DIALECT, lease).map_err(into_diesel)?;
        let rows = conn.tranq_execute(&query).await.map_err(enqueue_failed)?;
        completed_or_lost(rows, lease).map_err(into_diesel)
    })
}

/// `Executor` for `&mut` each connection type tranq speaks through this adapter, and a pooled one.
macro_rules! executor {
    ($($(#[$cfg:meta])* [$($generics:tt)*] $conn:ty $(, where [$($bound:tt)+])?;)*) => {$(
        $(#[$cfg])*
        impl<'c, $($generics)*> Executor<DieselAsync> for &'c mut $conn $(where $($bound)+)? {
            type Output<R: Send + 'static> = BoxFuture<'c, QueryResult<R>>;

            fn insert<R: Send + 'static>(
                self,
                jobs: Result<Vec<NewJob>>,
                finish: fn(Vec<Enqueued>) -> Result<R>,
            ) -> Self::Output<R> {
                insert_jobs(self, jobs, finish)
            }

            fn complete(self, lease: Lease) -> Self::Output<()> {
                complete_job(self, lease)
            }
        }
    )*};
}

executor! {
    #[cfg(feature = "postgres")]
    [] diesel_async::AsyncPgConnection;
    #[cfg(feature = "mysql")]
    [] diesel_async::AsyncMysqlConnection;
    #[cfg(feature = "sqlite")]
    [] diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::SqliteConnection>;
    // A connection from a pool of one of the above.
    ['p, M] PooledConnection<'p, M>,
        where [M: bb8::ManageConnection, PooledConnection<'p, M>: TranqAsyncConnection];
}

//! `MyTask::enqueue_in(&txn, args)` on SeaORM connections and transactions.

use futures::future::BoxFuture;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use tranq_core::{
    Enqueued, Executor, InsertPlan, Lease, NewJob, Result, complete_in_query, completed_or_lost,
};

use crate::{SeaOrm, exec};

/// Inserts `jobs` on any SeaORM connection in one statement; `finish` shapes the outcomes. What the
/// [`Executor`] impls run; tranq's tests call it over connection types of their own.
#[doc(hidden)]
pub async fn insert_jobs<C: ConnectionTrait, R>(
    conn: &C,
    jobs: Result<Vec<NewJob>>,
    finish: fn(Vec<Enqueued>) -> Result<R>,
) -> Result<R> {
    let jobs = jobs?;
    let plan = InsertPlan::new(exec::dialect(conn.get_database_backend())?, &jobs);
    finish(plan.read(exec::fetch(conn, &plan.query()?).await?)?)
}

/// Completes the job of `lease` on `conn` (`ctx.complete_in`).
async fn complete_job<C: ConnectionTrait>(conn: &C, lease: Lease) -> Result<()> {
    let query = complete_in_query(exec::dialect(conn.get_database_backend())?, lease)?;
    completed_or_lost(exec::execute(conn, &query).await?, lease)
}

/// `Executor` for shared references to SeaORM connection types.
macro_rules! executor {
    ($($conn:ty),* $(,)?) => {$(
        impl<'c> Executor<SeaOrm> for &'c $conn {
            type Output<R: Send + 'static> = BoxFuture<'c, Result<R>>;

            fn insert<R: Send + 'static>(
                self,
                jobs: Result<Vec<NewJob>>,
                finish: fn(Vec<Enqueued>) -> Result<R>,
            ) -> Self::Output<R> {
                Box::pin(insert_jobs(self, jobs, finish))
            }

            fn complete(self, lease: Lease) -> Self::Output<()> {
                Box::pin(complete_job(self, lease))
            }
        }
    )*};
}

executor!(DatabaseTransaction, DatabaseConnection);

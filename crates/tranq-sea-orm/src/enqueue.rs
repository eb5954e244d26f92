//! `MyTask::enqueue_in(&txn, args)` for every SeaORM connection and transaction.

use futures::future::BoxFuture;
use sea_orm::ConnectionTrait;
use tranq_core::{EnqueueVia, JobBuilder, JobId, NewJob, Result, Task, insert_query, inserted_ids};

use crate::{SeaOrm, exec};

impl<'c, C: ConnectionTrait + 'c> EnqueueVia<&'c C> for SeaOrm {
    type Output<R: Send + 'static> = BoxFuture<'c, Result<R>>;

    fn insert<R: Send + 'static>(
        conn: &'c C,
        jobs: Result<Vec<NewJob>>,
        finish: fn(Vec<JobId>) -> Result<R>,
    ) -> Self::Output<R> {
        Box::pin(async move {
            let jobs = jobs?;
            let query = insert_query(exec::dialect(conn.get_database_backend())?, &jobs)?;
            finish(inserted_ids(exec::fetch(conn, &query).await?)?)
        })
    }
}

/// Enqueue methods on every task handle, for SeaORM connections and transactions.
///
/// Each call adds exactly one statement to the transaction it is given.
pub trait Enqueue: Task + Sized {
    /// Options for one enqueue (delay, run_at, priority, queue, max_attempts, tags), then
    /// `.enqueue_in(&txn, args)`.
    fn options() -> JobBuilder<Self, SeaOrm> {
        JobBuilder::new()
    }

    /// Inserts one job with the task's defaults on `conn`; returns its id.
    fn enqueue_in<C: ConnectionTrait>(conn: &C, args: Self::Args) -> BoxFuture<'_, Result<JobId>> {
        Self::options().enqueue_in(conn, args)
    }

    /// Inserts many jobs in one statement; returns their ids in order.
    fn enqueue_many_in<C: ConnectionTrait>(
        conn: &C,
        args: impl IntoIterator<Item = Self::Args>,
    ) -> BoxFuture<'_, Result<Vec<JobId>>> {
        Self::options().enqueue_many_in(conn, args)
    }
}

impl<T: Task> Enqueue for T {}

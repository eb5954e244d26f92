//! `MyTask::enqueue_in(conn, args).await` on any diesel-async connection tranq supports.

use diesel::QueryResult;
use futures::future::BoxFuture;
use tranq_core::{EnqueueVia, JobBuilder, JobId, NewJob, Result, Task, insert_query, inserted_ids};
use tranq_diesel::shared::{enqueue_failed, into_diesel};

use crate::{DieselAsync, TranqAsyncConnection};

impl<'c, C: TranqAsyncConnection> EnqueueVia<&'c mut C> for DieselAsync {
    type Output<R: Send + 'static> = BoxFuture<'c, QueryResult<R>>;

    fn insert<R: Send + 'static>(
        conn: &'c mut C,
        jobs: Result<Vec<NewJob>>,
        finish: fn(Vec<JobId>) -> Result<R>,
    ) -> Self::Output<R> {
        Box::pin(async move {
            let jobs = jobs.map_err(into_diesel)?;
            let query = insert_query(C::DIALECT, &jobs).map_err(into_diesel)?;
            let rows = conn.tranq_fetch(&query).await.map_err(enqueue_failed)?;
            inserted_ids(rows).and_then(finish).map_err(into_diesel)
        })
    }
}

/// Enqueue methods on every task handle, for diesel-async connections.
///
/// Each call adds exactly one statement to the transaction `conn` is in. Errors are
/// `diesel::result::Error`, so that `?` works inside `conn.transaction(async move |conn| ...)`;
/// tranq's own (invalid queue, payload too large, missing schema) come back typed through
/// [`tranq_error`](crate::tranq_error).
pub trait Enqueue: Task + Sized {
    /// Options for one enqueue (delay, run_at, priority, queue, max_attempts, tags), then
    /// `.enqueue_in(conn, args).await`.
    fn options() -> JobBuilder<Self, DieselAsync> {
        JobBuilder::new()
    }

    /// Inserts one job with the task's defaults on `conn`; returns its id.
    fn enqueue_in<C: TranqAsyncConnection>(
        conn: &mut C,
        args: Self::Args,
    ) -> BoxFuture<'_, QueryResult<JobId>> {
        Self::options().enqueue_in(conn, args)
    }

    /// Inserts many jobs in one statement; returns their ids in order.
    fn enqueue_many_in<C: TranqAsyncConnection>(
        conn: &mut C,
        args: impl IntoIterator<Item = Self::Args>,
    ) -> BoxFuture<'_, QueryResult<Vec<JobId>>> {
        Self::options().enqueue_many_in(conn, args)
    }
}

impl<T: Task> Enqueue for T {}

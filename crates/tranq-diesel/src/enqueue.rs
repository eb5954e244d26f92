//! `MyTask::enqueue_in(conn, args)` on any Diesel connection tranq supports.

use diesel::QueryResult;
use tranq_core::{EnqueueVia, JobBuilder, JobId, NewJob, Result, Task, insert_query, inserted_ids};

use crate::shared::{enqueue_failed, into_diesel};
use crate::{Diesel, TranqConnection};

impl<'c, C: TranqConnection> EnqueueVia<&'c mut C> for Diesel {
    type Output<R: Send + 'static> = QueryResult<R>;

    fn insert<R: Send + 'static>(
        conn: &'c mut C,
        jobs: Result<Vec<NewJob>>,
        finish: fn(Vec<JobId>) -> Result<R>,
    ) -> Self::Output<R> {
        let jobs = jobs.map_err(into_diesel)?;
        let query = insert_query(C::DIALECT, &jobs).map_err(into_diesel)?;
        let rows = conn.tranq_fetch(&query).map_err(enqueue_failed)?;
        inserted_ids(rows).and_then(finish).map_err(into_diesel)
    }
}

/// Enqueue methods on every task handle, for Diesel connections.
///
/// Each call adds exactly one statement to the transaction `conn` is in. Errors are
/// `diesel::result::Error`, so that `?` works inside `conn.transaction(|conn| ...)`; tranq's own
/// (invalid queue, payload too large, missing schema) come back typed through
/// [`tranq_error`](crate::tranq_error).
pub trait Enqueue: Task + Sized {
    /// Options for one enqueue (delay, run_at, priority, queue, max_attempts, tags), then
    /// `.enqueue_in(conn, args)`.
    fn options() -> JobBuilder<Self, Diesel> {
        JobBuilder::new()
    }

    /// Inserts one job with the task's defaults on `conn`; returns its id.
    fn enqueue_in<C: TranqConnection>(conn: &mut C, args: Self::Args) -> QueryResult<JobId> {
        Self::options().enqueue_in(conn, args)
    }

    /// Inserts many jobs in one statement; returns their ids in order.
    fn enqueue_many_in<C: TranqConnection>(
        conn: &mut C,
        args: impl IntoIterator<Item = Self::Args>,
    ) -> QueryResult<Vec<JobId>> {
        Self::options().enqueue_many_in(conn, args)
    }
}

impl<T: Task> Enqueue for T {}

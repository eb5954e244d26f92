//! `MyTask::enqueue_in(conn, args)` on any Diesel connection tranq supports.

use diesel::QueryResult;
use tranq_core::{
    EnqueueVia, InsertIds, JobBuilder, JobId, NewJob, Result, Task, ids_from_last_insert_id,
    insert_query, inserted_ids, last_insert_id_queries,
};

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
        let ids = match C::INSERT_IDS {
            InsertIds::Returning => {
                let query = insert_query(C::DIALECT, &jobs).map_err(into_diesel)?;
                inserted_ids(conn.tranq_fetch(&query).map_err(enqueue_failed)?)
            }
            InsertIds::LastInsertId => {
                let (insert, first_id) =
                    last_insert_id_queries(C::DIALECT, &jobs).map_err(into_diesel)?;
                conn.tranq_execute(&insert).map_err(enqueue_failed)?;
                let rows = conn.tranq_fetch(&first_id).map_err(enqueue_failed)?;
                ids_from_last_insert_id(rows, jobs.len())
            }
        };
        ids.and_then(finish).map_err(into_diesel)
    }
}

/// Enqueue methods on every task handle, for Diesel connections.
///
/// Each call adds exactly one statement to the transaction `conn` is in (two on MariaDB, whose
/// ids this client reads with `LAST_INSERT_ID()` right after the insert). Errors are
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

    /// Inserts many jobs in one statement; returns their ids in order. On MariaDB the ids are
    /// read back from `LAST_INSERT_ID()`, which needs `innodb_autoinc_lock_mode` 0 or 1 (the
    /// default) for more than one job; under 2 this is an [`Error::Config`](tranq_core::Error).
    fn enqueue_many_in<C: TranqConnection>(
        conn: &mut C,
        args: impl IntoIterator<Item = Self::Args>,
    ) -> QueryResult<Vec<JobId>> {
        Self::options().enqueue_many_in(conn, args)
    }
}

impl<T: Task> Enqueue for T {}

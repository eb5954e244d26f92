//! `MyTask::enqueue_in(conn, args)` on any Diesel connection tranq supports.

use diesel::QueryResult;
use tranq_core::{
    EnqueueVia, InsertAnswer, InsertIds, InsertStep, JobBuilder, JobId, LastIdInsert, NewJob,
    Result, Task, insert_query, inserted_ids,
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
                    .map_err(into_diesel)?
            }
            // A batch may take several inserts: a savepoint keeps it all or nothing.
            InsertIds::LastInsertId if jobs.len() > 1 => {
                conn.tranq_atomically(|conn| insert_reading_last_id(conn, &jobs))?
            }
            InsertIds::LastInsertId => insert_reading_last_id(conn, &jobs)?,
        };
        finish(ids).map_err(into_diesel)
    }
}

/// Runs a [`LastIdInsert`] on `conn`.
fn insert_reading_last_id<C: TranqConnection>(
    conn: &mut C,
    jobs: &[NewJob],
) -> QueryResult<Vec<JobId>> {
    let mut plan = LastIdInsert::new(C::DIALECT, jobs).map_err(into_diesel)?;
    let mut answer = InsertAnswer::Start;
    loop {
        answer = match plan.next(answer).map_err(into_diesel)? {
            InsertStep::Execute(q) => {
                InsertAnswer::Affected(conn.tranq_execute(&q).map_err(enqueue_failed)?)
            }
            InsertStep::Fetch(q) => {
                InsertAnswer::Rows(conn.tranq_fetch(&q).map_err(enqueue_failed)?)
            }
            InsertStep::Done(ids) => return Ok(ids),
        }
    }
}

/// Enqueue methods on every task handle, for Diesel connections.
///
/// Each call adds exactly one statement to the transaction `conn` is in. On MariaDB this client
/// reads the ids with `LAST_INSERT_ID()` right after the insert: two statements for one job,
/// three for a batch (the auto-increment lock mode is read first), run in a savepoint; under
/// `innodb_autoinc_lock_mode = 2` a batch is one insert per job. Errors are
/// `diesel::result::Error`, so that `?` works inside `conn.transaction(|conn| ...)`; tranq's own
/// (invalid queue, payload too large, NUL character, missing schema) come back typed through
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

    /// Inserts many jobs in one statement (on MariaDB: see above); returns their ids in order.
    fn enqueue_many_in<C: TranqConnection>(
        conn: &mut C,
        args: impl IntoIterator<Item = Self::Args>,
    ) -> QueryResult<Vec<JobId>> {
        Self::options().enqueue_many_in(conn, args)
    }
}

impl<T: Task> Enqueue for T {}

//! `MyTask::enqueue_in(conn, args)` on Diesel connections. On MariaDB this client reads the ids
//! with `LAST_INSERT_ID()` right after the insert: two statements for one job, three for a batch
//! (the auto-increment lock mode is read first), run in a savepoint; under
//! `innodb_autoinc_lock_mode = 2` a batch is one insert per job.

use diesel::QueryResult;
use diesel::r2d2::{ManageConnection, PooledConnection};
use tranq_core::{
    Enqueued, Executor, InsertAnswer, InsertIds, InsertPlan, InsertStep, LastIdInsert, Lease,
    NewJob, Result, complete_in_query, completed_or_lost,
};

use crate::shared::{enqueue_failed, into_diesel};
use crate::{Diesel, TranqConnection};

/// Inserts `jobs` on any Diesel connection tranq speaks; `finish` shapes the outcomes. What the
/// [`Executor`] impls run; tranq's tests call it over connection types of their own.
#[doc(hidden)]
pub fn insert_jobs<C: TranqConnection, R>(
    conn: &mut C,
    jobs: Result<Vec<NewJob>>,
    finish: fn(Vec<Enqueued>) -> Result<R>,
) -> QueryResult<R> {
    let jobs = jobs.map_err(into_diesel)?;
    let outcomes = match C::INSERT_IDS {
        InsertIds::Returning => {
            let plan = InsertPlan::new(C::DIALECT, &jobs);
            let rows = conn
                .tranq_fetch(&plan.query().map_err(into_diesel)?)
                .map_err(enqueue_failed)?;
            plan.read(rows).map_err(into_diesel)?
        }
        // A batch may take several inserts: a savepoint keeps it all or nothing.
        InsertIds::LastInsertId if jobs.len() > 1 => {
            conn.tranq_atomically(|conn| insert_reading_last_id(conn, &jobs))?
        }
        InsertIds::LastInsertId => insert_reading_last_id(conn, &jobs)?,
    };
    finish(outcomes).map_err(into_diesel)
}

/// Completes the job of `lease` on `conn` (`ctx.complete_in`).
fn complete_job<C: TranqConnection>(conn: &mut C, lease: Lease) -> QueryResult<()> {
    let query = complete_in_query(C::DIALECT, lease).map_err(into_diesel)?;
    let rows = conn.tranq_execute(&query).map_err(enqueue_failed)?;
    completed_or_lost(rows, lease).map_err(into_diesel)
}

/// `Executor` for `&mut` each connection type tranq speaks through this adapter, and a pooled one.
macro_rules! executor {
    ($($(#[$cfg:meta])* [$($generics:tt)*] $conn:ty $(, where [$($bound:tt)+])?;)*) => {$(
        $(#[$cfg])*
        impl<'c, $($generics)*> Executor<Diesel> for &'c mut $conn $(where $($bound)+)? {
            type Output<R: Send + 'static> = QueryResult<R>;

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
    [] diesel::PgConnection;
    #[cfg(feature = "mysql")]
    [] diesel::MysqlConnection;
    #[cfg(feature = "sqlite")]
    [] diesel::SqliteConnection;
    // A connection from a pool of one of the above.
    [M] PooledConnection<M>,
        where [M: ManageConnection, PooledConnection<M>: TranqConnection];
}

/// Runs a [`LastIdInsert`] on `conn`.
fn insert_reading_last_id<C: TranqConnection>(
    conn: &mut C,
    jobs: &[NewJob],
) -> QueryResult<Vec<Enqueued>> {
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
            InsertStep::Done(outcomes) => return Ok(outcomes),
        }
    }
}

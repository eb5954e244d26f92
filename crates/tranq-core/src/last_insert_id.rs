//! Learning the ids of inserted jobs without reading rows from `INSERT ... RETURNING`.
//!
//! Diesel's sync MySQL client reads a prepared statement's result columns before running it,
//! and MariaDB announces those of `INSERT ... RETURNING` only once it ran. Over that client the
//! insert runs without its `RETURNING` clause, and a query on the same connection right after
//! it reads `LAST_INSERT_ID()`: the first id of the statement. The ids of one statement are
//! consecutive (step `@@auto_increment_increment`) while `innodb_autoinc_lock_mode` is 0 or 1
//! (MariaDB's default is 1). Under 2 they need not be, so a batch is inserted one row per
//! statement there.
//!
//! [`LastIdInsert`] is that plan as a small state machine: it says which statement to run next
//! and reads what it returned, so that the sync (Diesel) and async ([`SqlStore`]) callers share
//! every decision and only run statements.
//!
//! [`SqlStore`]: crate::SqlStore

use crate::dialect::{Dialect, Query, Row, RowShape};
use crate::error::{Error, Result};
use crate::insert::{Enqueued, InsertPlan};
use crate::job::JobId;
use crate::new_job::NewJob;

/// How a connection learns the ids of the jobs an insert made. Exhaustive on purpose: an
/// adapter must handle every way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertIds {
    /// From the insert's own `RETURNING id` rows: one statement.
    Returning,
    /// From `LAST_INSERT_ID()`, read on the same connection right after the insert
    /// ([`LastIdInsert`]).
    LastInsertId,
}

/// The next statement of a [`LastIdInsert`], or its end.
#[derive(Debug)]
pub enum InsertStep {
    /// Run this statement; answer with [`InsertAnswer::Affected`].
    Execute(Query),
    /// Run this query; answer with [`InsertAnswer::Rows`].
    Fetch(Query),
    /// Every job is inserted (or found a duplicate): what became of each, in order.
    Done(Vec<Enqueued>),
}

/// What the statement of the previous [`InsertStep`] returned.
#[derive(Debug)]
pub enum InsertAnswer {
    /// Nothing ran yet: the first call.
    Start,
    /// Rows affected by an [`InsertStep::Execute`].
    Affected(u64),
    /// Rows of a [`InsertStep::Fetch`].
    Rows(Vec<Row>),
}

/// Inserting jobs and learning their ids through `LAST_INSERT_ID()`, on one connection (inside
/// the caller's transaction, or one of the store's own).
///
/// Statements: for one job, the insert and the id read (2). For a batch, the lock-mode read,
/// the insert and the id read (3), or under `innodb_autoinc_lock_mode = 2` the lock-mode read
/// and an insert and an id read per job (1 + 2n): run a batch inside a transaction (or a
/// savepoint) so that it stays all or nothing. Nothing is written before the plan knows how to
/// read the ids back. A batch with unique keys is the insert and one locking read of the row
/// holding each key (`job_insert_unique_read`), whatever the lock mode: 2 statements.
///
/// ```
/// use tranq_core::{InsertAnswer, Dialect, LastIdInsert, InsertStep};
///
/// // No jobs: nothing to run.
/// let mut plan = LastIdInsert::new(Dialect::MySql, &[])?;
/// assert!(matches!(plan.next(InsertAnswer::Start)?, InsertStep::Done(ids) if ids.is_empty()));
/// # Ok::<(), tranq_core::Error>(())
/// ```
#[derive(Debug)]
pub struct LastIdInsert<'a> {
    dialect: Dialect,
    plan: InsertPlan<'a>,
    read_ids: Query,
    ids: Vec<JobId>,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Start,
    AwaitingLockMode,
    /// The insert of `jobs[from..to]` ran.
    AwaitingInsert {
        from: usize,
        to: usize,
    },
    /// The id read after the insert of `jobs[from..to]` ran.
    AwaitingIds {
        from: usize,
        to: usize,
    },
    Finished,
}

impl<'a> LastIdInsert<'a> {
    /// A plan to insert `jobs` in `dialect`, which must define `job_inserted_first_id`.
    pub fn new(dialect: Dialect, jobs: &'a [NewJob]) -> Result<Self> {
        let mut read_ids = dialect
            .query("job_inserted_first_id", Vec::new(), RowShape::FirstInsertId)
            .map_err(|_| unsupported(dialect))?;
        let plan = InsertPlan::new(dialect, jobs);
        if plan.is_unique() {
            if jobs.iter().any(|j| j.unique_key().is_none()) {
                return Err(Error::Unsupported {
                    operation: "one batch of jobs with and without unique keys over \
                                LAST_INSERT_ID()"
                        .to_owned(),
                    dialect: dialect.name(),
                });
            }
            read_ids = plan.query_for(0, plan.sent_len(), true)?;
        }
        Ok(LastIdInsert {
            dialect,
            plan,
            read_ids,
            ids: Vec::with_capacity(jobs.len()),
            state: State::Start,
        })
    }

    /// Takes what the previous step's statement returned ([`InsertAnswer::Start`] the first time)
    /// and says what to run next.
    pub fn next(&mut self, answer: InsertAnswer) -> Result<InsertStep> {
        let n = self.plan.sent_len();
        match (self.state, answer) {
            (State::Start, InsertAnswer::Start) => match n {
                0 => self.finish(),
                _ if self.plan.is_unique() => self.insert(0, n),
                1 => self.insert(0, 1),
                _ => {
                    self.state = State::AwaitingLockMode;
                    Ok(InsertStep::Fetch(self.read_ids.clone()))
                }
            },
            (State::AwaitingLockMode, InsertAnswer::Rows(rows)) => {
                if read_first_id(&rows)?.consecutive {
                    self.insert(0, n)
                } else {
                    self.insert(0, 1)
                }
            }
            // A duplicate writes no row; the read after it finds the holder.
            (State::AwaitingInsert { from, to }, InsertAnswer::Affected(_))
                if self.plan.is_unique() =>
            {
                self.state = State::AwaitingIds { from, to };
                Ok(InsertStep::Fetch(self.read_ids.clone()))
            }
            (State::AwaitingInsert { from, to }, InsertAnswer::Affected(affected)) => {
                if usize::try_from(affected).ok() != Some(to - from) {
                    return Err(Error::Corrupt(format!(
                        "the insert of {} jobs wrote {affected} rows",
                        to - from
                    )));
                }
                self.state = State::AwaitingIds { from, to };
                Ok(InsertStep::Fetch(self.read_ids.clone()))
            }
            (State::AwaitingIds { .. }, InsertAnswer::Rows(rows)) if self.plan.is_unique() => {
                self.state = State::Finished;
                Ok(InsertStep::Done(self.plan.read(rows)?))
            }
            (State::AwaitingIds { from, to }, InsertAnswer::Rows(rows)) => {
                let read = read_first_id(&rows)?;
                let count = to - from;
                if count > 1 && !read.consecutive {
                    return Err(Error::Corrupt(
                        "innodb_autoinc_lock_mode changed during a batch insert".to_owned(),
                    ));
                }
                if read.first <= 0 {
                    return Err(Error::Corrupt(format!(
                        "LAST_INSERT_ID() is {} after an insert",
                        read.first
                    )));
                }
                for i in 0..count {
                    let id = i64::try_from(i)
                        .ok()
                        .and_then(|i| read.step.checked_mul(i))
                        .and_then(|offset| read.first.checked_add(offset))
                        .ok_or_else(|| Error::Corrupt("inserted ids overflow i64".to_owned()))?;
                    self.ids.push(JobId(id));
                }
                if to == n {
                    self.finish()
                } else {
                    self.insert(to, to + 1)
                }
            }
            (state, answer) => Err(Error::Corrupt(format!(
                "LAST_INSERT_ID() insert: unexpected {answer:?} in state {state:?}"
            ))),
        }
    }

    fn insert(&mut self, from: usize, to: usize) -> Result<InsertStep> {
        let query = self.plan.query_for(from, to, false)?;
        let sql = query
            .sql
            .rfind("\nRETURNING ")
            .map(|at| &query.sql[..at])
            .ok_or_else(|| unsupported(self.dialect))?;
        self.state = State::AwaitingInsert { from, to };
        Ok(InsertStep::Execute(Query {
            sql,
            shape: RowShape::Nothing,
            ..query
        }))
    }

    fn finish(&mut self) -> Result<InsertStep> {
        self.state = State::Finished;
        let outcomes: Vec<Enqueued> = self.ids.drain(..).map(Enqueued::Inserted).collect();
        crate::metric::count_enqueued(self.plan.jobs(), &outcomes);
        Ok(InsertStep::Done(outcomes))
    }
}

fn unsupported(dialect: Dialect) -> Error {
    Error::Unsupported {
        operation: "reading inserted ids with LAST_INSERT_ID()".to_owned(),
        dialect: dialect.name(),
    }
}

/// The row of `job_inserted_first_id`.
struct FirstId {
    first: i64,
    step: i64,
    /// Whether the ids of one multi-row statement are consecutive (lock mode 0 or 1).
    consecutive: bool,
}

fn read_first_id(rows: &[Row]) -> Result<FirstId> {
    let row = rows
        .first()
        .ok_or_else(|| Error::database_message("LAST_INSERT_ID() returned no row"))?;
    Ok(FirstId {
        first: row.int(0)?,
        step: row.int(1)?.max(1),
        consecutive: row.int(2)? < 2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Value;

    fn row(first: i64, step: i64, lock_mode: i64) -> InsertAnswer {
        InsertAnswer::Rows(vec![Row(vec![
            Value::Int(first),
            Value::Int(step),
            Value::Int(lock_mode),
        ])])
    }

    /// Jobs with JSON arguments 0, 1, 2, ...
    fn jobs(n: usize) -> Vec<NewJob> {
        (0..n).map(|i| NewJob::for_test(&i.to_string())).collect()
    }

    fn expect_execute(step: Result<InsertStep>) -> Query {
        match step.expect("a step") {
            InsertStep::Execute(q) => q,
            other => panic!("expected an insert, got {other:?}"),
        }
    }

    fn expect_fetch(step: Result<InsertStep>) -> Query {
        match step.expect("a step") {
            InsertStep::Fetch(q) => q,
            other => panic!("expected a read, got {other:?}"),
        }
    }

    fn expect_done(step: Result<InsertStep>) -> Vec<JobId> {
        match step.expect("a step") {
            InsertStep::Done(outcomes) => outcomes.into_iter().map(Enqueued::id).collect(),
            other => panic!("expected the end, got {other:?}"),
        }
    }

    #[test]
    fn one_job_is_an_insert_without_returning_then_the_id_read() {
        let jobs = jobs(1);
        let mut plan = LastIdInsert::new(Dialect::MySql, &jobs).expect("MySQL");
        let insert = expect_execute(plan.next(InsertAnswer::Start));
        assert!(!insert.sql.contains("RETURNING"));
        assert!(
            InsertPlan::new(Dialect::MySql, &jobs)
                .query()
                .expect("insert")
                .sql
                .starts_with(insert.sql)
        );
        assert_eq!(insert.shape, RowShape::Nothing);
        let read = expect_fetch(plan.next(InsertAnswer::Affected(1)));
        assert!(read.sql.contains("LAST_INSERT_ID()"));
        assert_eq!(expect_done(plan.next(row(7, 1, 2))), vec![JobId(7)]);
    }

    #[test]
    fn a_batch_under_a_consecutive_lock_mode_is_one_insert_with_stepped_ids() {
        let jobs = jobs(3);
        let mut plan = LastIdInsert::new(Dialect::MySql, &jobs).expect("MySQL");
        expect_fetch(plan.next(InsertAnswer::Start));
        let insert = expect_execute(plan.next(row(0, 2, 1)));
        assert_eq!(
            insert.params,
            InsertPlan::new(Dialect::MySql, &jobs)
                .query()
                .expect("insert")
                .params
        );
        expect_fetch(plan.next(InsertAnswer::Affected(3)));
        let ids = expect_done(plan.next(row(41, 2, 1)));
        assert_eq!(ids, vec![JobId(41), JobId(43), JobId(45)]);
    }

    #[test]
    fn a_batch_under_interleaved_lock_mode_is_one_insert_per_job() {
        let jobs = jobs(2);
        let mut plan = LastIdInsert::new(Dialect::MySql, &jobs).expect("MySQL");
        expect_fetch(plan.next(InsertAnswer::Start));
        let first = expect_execute(plan.next(row(0, 1, 2)));
        assert_eq!(
            first.params,
            InsertPlan::new(Dialect::MySql, &jobs[..1])
                .query()
                .expect("insert")
                .params
        );
        expect_fetch(plan.next(InsertAnswer::Affected(1)));
        let second = expect_execute(plan.next(row(10, 1, 2)));
        assert_eq!(
            second.params,
            InsertPlan::new(Dialect::MySql, &jobs[1..])
                .query()
                .expect("insert")
                .params
        );
        expect_fetch(plan.next(InsertAnswer::Affected(1)));
        assert_eq!(
            expect_done(plan.next(row(14, 1, 2))),
            vec![JobId(10), JobId(14)]
        );
    }

    #[test]
    fn an_insert_that_wrote_fewer_rows_is_an_error() {
        let jobs = jobs(1);
        let mut plan = LastIdInsert::new(Dialect::MySql, &jobs).expect("MySQL");
        expect_execute(plan.next(InsertAnswer::Start));
        assert!(plan.next(InsertAnswer::Affected(0)).is_err());
    }

    #[test]
    fn a_unique_batch_is_one_insert_then_one_locking_read_of_each_keys_holder() {
        let jobs = vec![
            NewJob::for_test("1").with_unique_key(Some("a".into())),
            NewJob::for_test("2").with_unique_key(Some("a".into())),
            NewJob::for_test("3").with_unique_key(Some("b".into())),
        ];
        let mut plan = LastIdInsert::new(Dialect::MySql, &jobs).expect("MySQL");
        let insert = expect_execute(plan.next(InsertAnswer::Start));
        assert!(!insert.sql.contains("\nRETURNING "));
        assert!(insert.sql.contains("ON DUPLICATE KEY"));
        let mark = insert.params.iter().find_map(|p| match p {
            Value::Int(mark) => Some(*mark),
            _ => None,
        });
        let read = expect_fetch(plan.next(InsertAnswer::Affected(1)));
        assert_eq!(read.shape, RowShape::Enqueued);
        assert!(read.sql.contains("FOR UPDATE"));
        // "a" was held by job 7; "b" is new (the insert's negative mark).
        let row = |id: i64, key: &str, token: i64| {
            Row(vec![
                Value::Int(id),
                Value::Text("test".into()),
                Value::Text(key.into()),
                Value::Int(token),
            ])
        };
        let rows = vec![row(9, "b", mark.expect("the mark")), row(7, "a", 0)];
        match plan.next(InsertAnswer::Rows(rows)).expect("a step") {
            InsertStep::Done(outcomes) => assert_eq!(
                outcomes,
                vec![
                    Enqueued::Duplicate(JobId(7)),
                    Enqueued::Duplicate(JobId(7)),
                    Enqueued::Inserted(JobId(9)),
                ]
            ),
            other => panic!("expected the end, got {other:?}"),
        }
    }

    #[test]
    fn no_jobs_run_no_statement_and_other_dialects_are_unsupported() {
        let mut plan = LastIdInsert::new(Dialect::MySql, &[]).expect("MySQL");
        assert!(expect_done(plan.next(InsertAnswer::Start)).is_empty());
        assert!(LastIdInsert::new(Dialect::Postgres, &[]).is_err());
    }
}

//! The one statement every enqueue runs, and reading back what it did with each job.
//!
//! Jobs without a unique key go through `job_insert`: every job is a new row. A batch with
//! unique keys goes through `job_insert_unique`, where the database itself refuses a second live
//! job per (task, key): never a read followed by a write. Before the statement, the batch is
//! reduced to the first job of each key (a later one in the same batch is a duplicate of it)
//! and sorted by key, so that two batches over the same keys lock them in the same order.

use std::collections::{HashMap, HashSet};

use crate::dialect::{Dialect, Query, Row, RowShape, Value};
use crate::error::{Error, Result};
use crate::job::JobId;
use crate::new_job::NewJob;

/// What an enqueue did with one job: inserted it, or found a job holding its unique key.
///
/// ```
/// use tranq_core::{Enqueued, JobId};
///
/// let outcome = Enqueued::Duplicate(JobId(7));
/// assert_eq!(outcome.id(), JobId(7));
/// assert!(outcome.is_duplicate());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Enqueued {
    /// A new job with this id.
    Inserted(JobId),
    /// Not inserted: the job with this id holds the same task and unique key (it is live, or
    /// in another state the key covers), or came earlier in the same batch.
    Duplicate(JobId),
}

impl Enqueued {
    /// The new job's id, or the id of the job that holds the key.
    pub fn id(self) -> JobId {
        match self {
            Enqueued::Inserted(id) | Enqueued::Duplicate(id) => id,
        }
    }

    /// True when no job was inserted.
    pub fn is_duplicate(self) -> bool {
        matches!(self, Enqueued::Duplicate(_))
    }
}

/// One enqueue's statement and how to read its rows: [`InsertPlan::query`], then
/// [`InsertPlan::read`] with the rows it returned.
#[derive(Debug)]
pub struct InsertPlan<'a> {
    dialect: Dialect,
    jobs: &'a [NewJob],
    unique: Option<Unique>,
}

/// The part of a plan for a batch with unique keys.
#[derive(Debug)]
struct Unique {
    /// Indexes into `jobs` of the jobs sent: the first of each key, sorted by key, after every
    /// job without a key in batch order.
    sent: Vec<usize>,
    /// The `lease_token` the statement writes on the rows it inserts (negative; claims write
    /// positive tokens).
    mark: i64,
}

impl<'a> InsertPlan<'a> {
    /// The plan for inserting `jobs` in `dialect`.
    ///
    /// Making the plan tells this process's idle workers that these jobs are coming
    /// (`local_wake.rs`).
    pub fn new(dialect: Dialect, jobs: &'a [NewJob]) -> Self {
        crate::local_wake::enqueuing(jobs);
        let unique = jobs.iter().any(|j| j.unique_key().is_some()).then(|| {
            let mut seen = HashSet::new();
            let mut sent: Vec<usize> = (0..jobs.len())
                .filter(|&i| match jobs[i].unique_key() {
                    None => true,
                    Some(key) => seen.insert((jobs[i].task(), key)),
                })
                .collect();
            // Stable: jobs without a key keep their order, first.
            sent.sort_by_key(|&i| jobs[i].unique_key().map(|key| (jobs[i].task(), key)));
            Unique {
                sent,
                mark: -fastrand::i64(1..=i64::MAX),
            }
        });
        InsertPlan {
            dialect,
            jobs,
            unique,
        }
    }

    /// The jobs of the plan, in the order given.
    pub(crate) fn jobs(&self) -> &'a [NewJob] {
        self.jobs
    }

    /// Whether the batch has unique keys (and so needs `job_insert_unique`).
    pub(crate) fn is_unique(&self) -> bool {
        self.unique.is_some()
    }

    /// How many rows the statement sends.
    pub(crate) fn sent_len(&self) -> usize {
        self.unique
            .as_ref()
            .map_or(self.jobs.len(), |u| u.sent.len())
    }

    /// The one statement inserting every job of the plan.
    pub fn query(&self) -> Result<Query> {
        self.query_for(0, self.sent_len(), false)
    }

    /// The statement inserting the sent jobs `from..to` alone, or, with `read_back`, the query
    /// reading the rows an insert of unique jobs run without `RETURNING` wrote or found.
    pub(crate) fn query_for(&self, from: usize, to: usize, read_back: bool) -> Result<Query> {
        // The plain insert serialises the caller's slice as it is (the bulk path); a unique
        // batch, its first job of each key in key order.
        let json = match &self.unique {
            None => serde_json::to_string(&self.jobs[from..to]),
            Some(u) => {
                let sent: Vec<&NewJob> = u.sent[from..to].iter().map(|&i| &self.jobs[i]).collect();
                serde_json::to_string(&sent)
            }
        }
        .map_err(|source| Error::Serialize {
            task: self.jobs.first().map_or("?", |j| j.task()),
            source,
        })?;
        match &self.unique {
            None => self
                .dialect
                .query("job_insert", vec![Value::Text(json)], RowShape::Id),
            Some(_) if read_back => self.dialect.query(
                "job_insert_unique_read",
                vec![Value::Text(json)],
                RowShape::Enqueued,
            ),
            Some(u) => self.dialect.query(
                "job_insert_unique",
                vec![Value::Text(json), Value::Int(u.mark)],
                RowShape::Enqueued,
            ),
        }
    }

    /// What the statement did with each job, in the order of the jobs given to [`new`](Self::new),
    /// from the rows it returned. Counts the inserted jobs in `tranq_jobs_enqueued_total`.
    pub fn read(&self, rows: Vec<Row>) -> Result<Vec<Enqueued>> {
        let outcomes = self.outcomes(rows)?;
        crate::metric::count_enqueued(self.jobs, &outcomes);
        Ok(outcomes)
    }

    fn outcomes(&self, rows: Vec<Row>) -> Result<Vec<Enqueued>> {
        let Some(unique) = &self.unique else {
            return rows
                .iter()
                .map(|r| r.int(0).map(|id| Enqueued::Inserted(JobId(id))))
                .collect();
        };
        if rows.len() != unique.sent.len() {
            return Err(Error::Corrupt(format!(
                "the insert of {} jobs returned {} rows",
                unique.sent.len(),
                rows.len()
            )));
        }
        let mut keyed: HashMap<(String, String), Enqueued> = HashMap::new();
        let mut unkeyed = Vec::new();
        for row in &rows {
            let id = JobId(row.int(0)?);
            let inserted = row.int(3)? == unique.mark;
            match row.opt_text(2)? {
                None => unkeyed.push(id),
                Some(key) => {
                    let outcome = if inserted {
                        Enqueued::Inserted(id)
                    } else {
                        Enqueued::Duplicate(id)
                    };
                    keyed.insert((row.text(1)?.to_owned(), key.to_owned()), outcome);
                }
            }
        }
        // Ids of one statement grow in the order of its rows.
        unkeyed.sort_unstable();
        let mut unkeyed = unkeyed.into_iter();
        let mut first_seen = HashSet::new();
        self.jobs
            .iter()
            .map(|job| match job.unique_key() {
                None => unkeyed.next().map(Enqueued::Inserted),
                Some(key) => {
                    let found = keyed.get(&(job.task().to_owned(), key.to_owned())).copied();
                    if first_seen.insert((job.task(), key)) {
                        found
                    } else {
                        found.map(|e| Enqueued::Duplicate(e.id()))
                    }
                }
            })
            .map(|e| {
                e.ok_or_else(|| {
                    Error::Corrupt("the insert returned no row for a job it was sent".to_owned())
                })
            })
            .collect()
    }
}

/// Reads the `id` column of every row.
pub fn inserted_ids(rows: Vec<Row>) -> Result<Vec<JobId>> {
    rows.iter().map(|r| r.int(0).map(JobId)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(args: &str, key: Option<&str>) -> NewJob {
        NewJob::for_test(args).with_unique_key(key.map(str::to_owned))
    }

    fn row(id: i64, key: Option<&str>, token: i64) -> Row {
        Row(vec![
            Value::Int(id),
            Value::Text("test".to_owned()),
            key.map_or(Value::Null, |k| Value::Text(k.to_owned())),
            Value::Int(token),
        ])
    }

    #[test]
    fn a_batch_without_keys_is_the_plain_insert() {
        let jobs = [keyed("1", None), keyed("2", None)];
        let plan = InsertPlan::new(Dialect::Postgres, &jobs);
        assert!(!plan.is_unique());
        let rows = vec![Row(vec![Value::Int(5)]), Row(vec![Value::Int(6)])];
        assert_eq!(
            plan.read(rows).expect("read"),
            vec![Enqueued::Inserted(JobId(5)), Enqueued::Inserted(JobId(6))]
        );
    }

    #[test]
    fn keys_repeated_in_a_batch_are_sent_once_and_reported_as_duplicates() {
        let jobs = [
            keyed("1", Some("b")),
            keyed("2", None),
            keyed("3", Some("a")),
            keyed("4", Some("b")),
        ];
        let plan = InsertPlan::new(Dialect::Sqlite, &jobs);
        let mark = plan.unique.as_ref().expect("unique").mark;
        assert!(mark < 0);
        // Sent: the job without a key, then "a", then the first "b".
        assert_eq!(plan.unique.as_ref().expect("unique").sent, vec![1, 2, 0]);
        let rows = vec![
            row(10, None, mark),
            row(3, Some("a"), 0),
            row(11, Some("b"), mark),
        ];
        assert_eq!(
            plan.read(rows).expect("read"),
            vec![
                Enqueued::Inserted(JobId(11)),
                Enqueued::Inserted(JobId(10)),
                Enqueued::Duplicate(JobId(3)),
                Enqueued::Duplicate(JobId(11)),
            ]
        );
    }

    #[test]
    fn a_missing_row_is_an_error_not_a_guess() {
        let jobs = [keyed("1", Some("a")), keyed("2", Some("b"))];
        let plan = InsertPlan::new(Dialect::MySql, &jobs);
        assert!(plan.read(vec![row(1, Some("a"), 0)]).is_err());
    }
}

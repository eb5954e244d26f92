//! What tests assert about enqueued jobs: the jobs of a task with their arguments decoded, and
//! assertions that one matches (or none does), with a message listing what is there.

use std::fmt::Write as _;

use super::TestingError;
use crate::dialect::{Dialect, Query, Row, RowShape, Value};
use crate::error::Result;
use crate::job::{JobId, JobInfo};
use crate::store::{Backend, JobFilter, SqlStore, sql_store};
use crate::task::Task;

/// Jobs read per query.
const PAGE: u32 = 1000;

/// Every job of task `T` in the store, whatever its state, oldest first, with its arguments
/// decoded into `T::Args`. Sees only committed jobs: the store reads on connections of its own.
pub async fn enqueued<T: Task, B: Backend>(
    store: &SqlStore<B>,
) -> Result<Vec<(JobInfo, T::Args)>, TestingError> {
    let mut jobs = Vec::new();
    let mut filter = JobFilter::new().task(T::NAME).limit(PAGE);
    loop {
        let page = store.jobs(&filter).await?;
        let full = page.len() == PAGE as usize;
        if let Some(last) = page.last() {
            filter = filter.after(last.id);
        }
        jobs.extend(page);
        if !full {
            return decode::<T>(jobs);
        }
    }
}

/// Asserts that a job of task `T` whose arguments satisfy `matches` is in the store, and
/// returns it (the oldest, when several match). Sees only committed jobs.
///
/// # Panics
///
/// When no job matches, listing the jobs of `T` there are and how many jobs of other tasks;
/// and when the store cannot be read.
pub async fn assert_enqueued<T: Task, B: Backend>(
    store: &SqlStore<B>,
    matches: impl Fn(&T::Args) -> bool,
) -> JobInfo {
    let jobs = or_panic(enqueued::<T, B>(store).await);
    match find::<T>(&jobs, &matches) {
        Some(job) => job,
        None => panic!("{}", not_found::<T>(&jobs, &others::<T, B>(store).await)),
    }
}

/// Asserts that no job of task `T` whose arguments satisfy `matches` is in the store (pass
/// `|_| true` for no job of `T` at all). Sees only committed jobs.
///
/// # Panics
///
/// When one matches, naming it; and when the store cannot be read.
pub async fn assert_not_enqueued<T: Task, B: Backend>(
    store: &SqlStore<B>,
    matches: impl Fn(&T::Args) -> bool,
) {
    let jobs = or_panic(enqueued::<T, B>(store).await);
    if let Some(job) = find::<T>(&jobs, &matches) {
        panic!("{}", found_unexpected::<T>(&job));
    }
}

fn or_panic<T>(read: Result<T, TestingError>) -> T {
    match read {
        Ok(value) => value,
        Err(error) => panic!("cannot read the enqueued jobs: {error}"),
    }
}

/// Counts of the jobs of other tasks than `T`, for the message of a failed assertion.
async fn others<T: Task, B: Backend>(store: &SqlStore<B>) -> String {
    let Ok(stats) = store.jobs(&JobFilter::new().limit(PAGE)).await else {
        return String::new();
    };
    let mut counts: Vec<(String, usize)> = Vec::new();
    for job in stats.iter().filter(|j| j.task != T::NAME) {
        match counts.iter_mut().find(|(task, _)| *task == job.task) {
            Some((_, n)) => *n += 1,
            None => counts.push((job.task.clone(), 1)),
        }
    }
    counts
        .iter()
        .map(|(task, n)| format!("`{task}` x{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The oldest of `jobs` whose arguments satisfy `matches`. For the adapters' forms that read
/// through a transaction; not public API.
#[doc(hidden)]
pub fn find<T: Task>(
    jobs: &[(JobInfo, T::Args)],
    matches: &impl Fn(&T::Args) -> bool,
) -> Option<JobInfo> {
    jobs.iter()
        .find(|(_, args)| matches(args))
        .map(|(job, _)| job.clone())
}

/// The message of a failed [`assert_enqueued`]; `others` lists jobs of other tasks (may be
/// empty). Not public API.
#[doc(hidden)]
pub fn not_found<T: Task>(jobs: &[(JobInfo, T::Args)], others: &str) -> String {
    let mut message = if jobs.is_empty() {
        format!("no job of task `{}` was enqueued", T::NAME)
    } else {
        format!(
            "no job of task `{}` has arguments that match; its {} job(s):",
            T::NAME,
            jobs.len()
        )
    };
    for (job, _) in jobs.iter().take(20) {
        let _ = write!(message, "\n  job {} ({}): {}", job.id, job.state, job.args);
    }
    if jobs.len() > 20 {
        let _ = write!(message, "\n  ... and {} more", jobs.len() - 20);
    }
    if !others.is_empty() {
        let _ = write!(message, "\nother tasks enqueued: {others}");
    }
    message
}

/// The message of a failed [`assert_not_enqueued`]. Not public API.
#[doc(hidden)]
pub fn found_unexpected<T: Task>(job: &JobInfo) -> String {
    format!(
        "expected no matching job of task `{}`, found job {} ({}): {}",
        T::NAME,
        job.id,
        job.state,
        job.args
    )
}

/// Decodes the arguments of `jobs` as `T::Args`. Not public API.
#[doc(hidden)]
pub fn decode<T: Task>(jobs: Vec<JobInfo>) -> Result<Vec<(JobInfo, T::Args)>, TestingError> {
    jobs.into_iter()
        .map(
            |job| match serde_json::from_value::<T::Args>(job.args.clone()) {
                Ok(args) => Ok((job, args)),
                Err(e) => Err(TestingError::Args {
                    id: job.id,
                    task: job.task.clone(),
                    reason: e.to_string(),
                }),
            },
        )
        .collect()
}

/// The query of one page of the jobs of `task` after `after`, for reading through a caller's
/// own connection or transaction (the adapters' `enqueued_in`). Not public API.
#[doc(hidden)]
pub fn page_query(dialect: Dialect, task: &str, after: JobId) -> crate::Result<Query> {
    let params = vec![
        Value::Null,
        Value::Text(task.to_owned()),
        Value::Null,
        Value::Int(after.0),
        Value::Int(PAGE.into()),
    ];
    dialect.query("job_list", params, RowShape::Job)
}

/// Reads the rows of [`page_query`]; also says whether another page may follow. Not public
/// API.
#[doc(hidden)]
pub fn read_page(rows: &[Row]) -> crate::Result<(Vec<JobInfo>, Option<JobId>)> {
    let jobs = rows
        .iter()
        .map(sql_store::job_info)
        .collect::<crate::Result<Vec<_>>>()?;
    let next = (jobs.len() == PAGE as usize)
        .then(|| jobs.last().map(|j| j.id))
        .flatten();
    Ok((jobs, next))
}

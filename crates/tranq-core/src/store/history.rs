//! What went on lately, for the dashboard: failed jobs grouped by task and error, and how many
//! jobs finished per time bucket. Each is one query that reads; nothing here changes a row.

use std::time::Duration;

use super::{Backend, SqlStore};
use crate::dialect::{Row, RowShape, Value};
use crate::error::{Error, Result};
use crate::job::JobId;

/// Largest number of groups [`SqlStore::failure_groups`] returns.
const MAX_GROUPS: u32 = 1000;

/// Failed jobs of one task whose latest error says the same, from
/// [`SqlStore::failure_groups`]. More fields may come (it is `#[non_exhaustive]`): read it, do
/// not build it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailureGroup {
    /// Task name.
    pub task: String,
    /// The message of the jobs' latest error; empty when none was recorded (a job discarded by
    /// hand).
    pub message: String,
    /// Of these jobs, the ones `retryable` (they will run again).
    pub retryable: u64,
    /// Of these jobs, the ones `discarded` (given up on).
    pub discarded: u64,
    /// The newest job of the group.
    pub latest_id: JobId,
}

impl FailureGroup {
    /// Every job of the group.
    pub fn total(&self) -> u64 {
        self.retryable + self.discarded
    }
}

/// The jobs that finished in one time bucket, from [`SqlStore::throughput`]. More fields may
/// come (it is `#[non_exhaustive]`): read it, do not build it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Throughput {
    /// The bucket's start, in microseconds since the Unix epoch (a multiple of the bucket).
    pub start_us: i64,
    /// Jobs that became `completed` (jobs deleted on completion are not counted).
    pub completed: u64,
    /// Jobs that became `discarded`.
    pub discarded: u64,
    /// Jobs that became `cancelled`.
    pub cancelled: u64,
}

impl Throughput {
    /// An empty bucket starting at `start_us`, for tests of tranq's own.
    #[doc(hidden)]
    pub fn for_test(start_us: i64) -> Self {
        Throughput {
            start_us,
            completed: 0,
            discarded: 0,
            cancelled: 0,
        }
    }
}

impl<B: Backend> SqlStore<B> {
    /// Retryable and discarded jobs grouped by task and the message of their latest error, the
    /// largest group first, at most `limit` groups (1 to 1000). Reads every failed job, so call
    /// it every few seconds at most.
    ///
    /// ```no_run
    /// # async fn demo<B: tranq_core::Backend>(store: tranq_core::SqlStore<B>) -> tranq_core::Result<()> {
    /// for group in store.failure_groups(20).await? {
    ///     println!("{} x{}: {}", group.task, group.total(), group.message);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn failure_groups(&self, limit: u32) -> Result<Vec<FailureGroup>> {
        let limit = limit.clamp(1, MAX_GROUPS);
        let dialect = self.backend().dialect();
        let query = dialect.query(
            "job_failure_groups",
            vec![Value::Int(limit.into())],
            RowShape::FailureGroup,
        )?;
        self.backend()
            .fetch(&query)
            .await?
            .iter()
            .map(failure_group)
            .collect()
    }

    /// The jobs that finished (completed, discarded or cancelled) within the last `window`,
    /// counted per `bucket` (at least a second; buckets start at multiples of it since the
    /// epoch), oldest first. A bucket in which no job finished is absent.
    ///
    /// ```no_run
    /// # async fn demo<B: tranq_core::Backend>(store: tranq_core::SqlStore<B>) -> tranq_core::Result<()> {
    /// use std::time::Duration;
    ///
    /// let hour = Duration::from_secs(3600);
    /// for minute in store.throughput(hour, Duration::from_secs(60)).await? {
    ///     println!("{}: {} completed", minute.start_us, minute.completed);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn throughput(&self, window: Duration, bucket: Duration) -> Result<Vec<Throughput>> {
        let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
        let bucket = bucket.max(Duration::from_secs(1));
        // Ten years is as far back as any job table goes; it keeps the interval arithmetic of
        // every database in range.
        let window = window.min(Duration::from_secs(10 * 365 * 24 * 3600));
        let dialect = self.backend().dialect();
        let query = dialect.query(
            "job_throughput",
            vec![Value::Int(micros(window)), Value::Int(micros(bucket))],
            RowShape::Throughput,
        )?;
        self.backend()
            .fetch(&query)
            .await?
            .iter()
            .map(throughput)
            .collect()
    }
}

fn count(row: &Row, i: usize) -> Result<u64> {
    u64::try_from(row.int(i)?).map_err(|e| Error::Corrupt(format!("column {i}: {e}")))
}

fn failure_group(row: &Row) -> Result<FailureGroup> {
    Ok(FailureGroup {
        task: row.text(0)?.to_owned(),
        message: row.text(1)?.to_owned(),
        retryable: count(row, 2)?,
        discarded: count(row, 3)?,
        latest_id: JobId(row.int(4)?),
    })
}

fn throughput(row: &Row) -> Result<Throughput> {
    Ok(Throughput {
        start_us: row.int(0)?,
        completed: count(row, 1)?,
        discarded: count(row, 2)?,
        cancelled: count(row, 3)?,
    })
}

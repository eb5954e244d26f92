//! What an operator reads about queues and jobs beyond [`JobInfo`](crate::JobInfo): per-queue
//! counts and ages (`tranq queues`, `tranq stats`), and a job's timestamps (`tranq jobs show`).
//! Each is one query that reads; nothing here changes a row.

use std::time::Duration;

use super::{Backend, SqlStore};
use crate::dialect::{Row, RowShape, Value};
use crate::error::{Error, Result};
use crate::job::JobId;

/// One queue as [`SqlStore::queue_stats`] sees it: how many jobs it has in each state, and how
/// well its workers keep up. More fields may come (it is `#[non_exhaustive]`): read it, do not
/// build it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStats {
    /// Queue name.
    pub queue: String,
    /// Jobs `available`, including the scheduled ones.
    pub available: u64,
    /// Of the available jobs, those whose `run_at` is still in the future.
    pub scheduled: u64,
    /// Jobs `running`.
    pub running: u64,
    /// Jobs `retryable`.
    pub retryable: u64,
    /// Jobs `completed` (and not yet pruned).
    pub completed: u64,
    /// Jobs `discarded`.
    pub discarded: u64,
    /// Jobs `cancelled`.
    pub cancelled: u64,
    /// How long the oldest job that is due now (available or retryable, `run_at` passed) has
    /// waited since its `run_at`; `None` when no job is due. A wait that keeps growing means the
    /// workers do not keep up.
    pub oldest_due: Option<Duration>,
    /// Jobs that became completed, discarded or cancelled in the last minute (jobs deleted on
    /// completion are not counted).
    pub finished_last_minute: u64,
}

impl QueueStats {
    /// Every job of the queue, whatever its state.
    pub fn total(&self) -> u64 {
        self.available
            + self.running
            + self.retryable
            + self.completed
            + self.discarded
            + self.cancelled
    }
}

/// The times of one job, from [`SqlStore::job_times`], in microseconds since the Unix epoch
/// like [`JobInfo::run_at_us`](crate::JobInfo::run_at_us). More fields may come (it is
/// `#[non_exhaustive]`): read it, do not build it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobTimes {
    /// When it was enqueued.
    pub created_at_us: i64,
    /// When the handler of its latest attempt started, as recorded by the worker.
    pub attempted_at_us: Option<i64>,
    /// When it became completed, discarded or cancelled.
    pub finished_at_us: Option<i64>,
    /// When the lease of its latest claim expires (or expired).
    pub lease_expires_at_us: Option<i64>,
    /// The worker id that claimed it last.
    pub lease_owner: Option<String>,
}

impl<B: Backend> SqlStore<B> {
    /// Every queue that has jobs, by name: counts by state, the wait of the oldest due job, the
    /// jobs finished in the last minute. Reads the whole jobs table, so call it every few
    /// seconds at most.
    ///
    /// ```no_run
    /// # async fn demo<B: tranq_core::Backend>(store: tranq_core::SqlStore<B>) -> tranq_core::Result<()> {
    /// for q in store.queue_stats().await? {
    ///     println!("{}: {} due or waiting, oldest due {:?}", q.queue, q.available, q.oldest_due);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn queue_stats(&self) -> Result<Vec<QueueStats>> {
        self.fetch_queue_stats().await
    }

    pub(super) async fn fetch_queue_stats(&self) -> Result<Vec<QueueStats>> {
        let dialect = self.backend().dialect();
        let query = dialect.query("queue_stats", Vec::new(), RowShape::QueueStats)?;
        self.backend()
            .fetch(&query)
            .await?
            .iter()
            .map(queue_stats)
            .collect()
    }

    /// One job's times (`None` when there is no such job).
    pub async fn job_times(&self, id: JobId) -> Result<Option<JobTimes>> {
        let dialect = self.backend().dialect();
        let query = dialect.query("job_get_times", vec![Value::Int(id.0)], RowShape::JobTimes)?;
        self.backend()
            .fetch(&query)
            .await?
            .first()
            .map(job_times)
            .transpose()
    }
}

fn count(row: &Row, i: usize) -> Result<u64> {
    u64::try_from(row.int(i)?).map_err(|e| Error::Corrupt(format!("column {i}: {e}")))
}

/// A time column, where -1 stands for NULL.
fn optional_us(row: &Row, i: usize) -> Result<Option<i64>> {
    Ok(Some(row.int(i)?).filter(|&us| us != -1))
}

fn queue_stats(row: &Row) -> Result<QueueStats> {
    Ok(QueueStats {
        queue: row.text(0)?.to_owned(),
        available: count(row, 1)?,
        scheduled: count(row, 2)?,
        running: count(row, 3)?,
        retryable: count(row, 4)?,
        completed: count(row, 5)?,
        discarded: count(row, 6)?,
        cancelled: count(row, 7)?,
        // Clocks of clients and server may disagree by a little: a negative age is no age.
        oldest_due: optional_us(row, 8)?
            .map(|us| Duration::from_micros(u64::try_from(us).unwrap_or(0))),
        finished_last_minute: count(row, 9)?,
    })
}

fn job_times(row: &Row) -> Result<JobTimes> {
    Ok(JobTimes {
        created_at_us: row.int(0)?,
        attempted_at_us: optional_us(row, 1)?,
        finished_at_us: optional_us(row, 2)?,
        lease_expires_at_us: optional_us(row, 3)?,
        lease_owner: row.opt_text(4)?.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minus_one_reads_as_no_time_and_a_negative_age_as_zero() {
        let row = Row(vec![
            Value::Text("default".into()),
            Value::Int(3),
            Value::Int(1),
            Value::Int(2),
            Value::Int(0),
            Value::Int(5),
            Value::Int(0),
            Value::Int(1),
            Value::Int(-1),
            Value::Int(4),
        ]);
        let stats = queue_stats(&row).expect("a valid row");
        assert_eq!(stats.oldest_due, None);
        assert_eq!(stats.total(), 11);

        let mut late = row.clone();
        late.0[8] = Value::Int(-5);
        assert_eq!(
            queue_stats(&late).expect("a valid row").oldest_due,
            Some(Duration::ZERO)
        );
    }
}

//! The error of the testing helpers.

use crate::job::{JobId, JobState};

use super::DrainReport;

/// What went wrong in a testing helper (the assertions panic instead: they are assertions).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestingError {
    /// A database error, or another error of tranq's own (a missing schema, a task that takes a
    /// state the test worker was not given).
    #[error(transparent)]
    Tranq(#[from] crate::Error),
    /// [`TestWorker::run_job`](super::TestWorker::run_job) was asked to run a job that is not
    /// waiting (it is running, or finished).
    #[error("job {id} is {state}: only an available or retryable job can be run")]
    #[non_exhaustive]
    NotRunnable {
        /// The job.
        id: JobId,
        /// The state it is in.
        state: JobState,
    },
    /// The job's task is not registered in the test worker (not linked into the test binary,
    /// or left out of its [`Registry`](crate::Registry)).
    #[error("job {id} is of task `{task}`, which this test worker does not have")]
    #[non_exhaustive]
    UnknownTask {
        /// The job.
        id: JobId,
        /// Its task name.
        task: String,
    },
    /// A job's arguments do not read as the task's argument type.
    #[error("the arguments of job {id} (task `{task}`) do not read as its argument type: {reason}")]
    #[non_exhaustive]
    Args {
        /// The job.
        id: JobId,
        /// Its task name.
        task: String,
        /// What serde said.
        reason: String,
    },
    /// [`TestWorker::drain`](super::TestWorker::drain) ran its limit of attempts and jobs were
    /// still due: a job that enqueues itself, or snoozes for no time? The report says what ran.
    #[error("drain ran {} attempts, its limit, and jobs were still due (a job that enqueues itself?)", .report.ran)]
    #[non_exhaustive]
    DrainLimit {
        /// What ran before the limit.
        report: Box<DrainReport>,
    },
    /// A test database could not be made or dropped.
    #[error("cannot {what}: {source}")]
    #[non_exhaustive]
    Database {
        /// What was being done.
        what: String,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl TestingError {
    /// A [`TestingError::Database`]: `what` failed because of `source`.
    pub fn database(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        TestingError::Database {
            what: what.into(),
            source: source.into(),
        }
    }
}

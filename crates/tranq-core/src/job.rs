//! The job row as the runtime sees it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::task::DEFAULT_QUEUE;

/// The id of a row in `tranq_jobs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub i64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a job is in its life. These are the names stored in the `state` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum JobState {
    /// Waiting to run (possibly scheduled for later through `run_at`).
    Available,
    /// Claimed by a worker that holds its lease.
    Running,
    /// Failed, will run again at `run_at`.
    Retryable,
    /// Finished successfully.
    Completed,
    /// Given up: attempts exhausted or arguments unreadable.
    Discarded,
    /// Stopped on purpose (by the task or an operator).
    Cancelled,
}

impl JobState {
    /// The name stored in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobState::Available => "available",
            JobState::Running => "running",
            JobState::Retryable => "retryable",
            JobState::Completed => "completed",
            JobState::Discarded => "discarded",
            JobState::Cancelled => "cancelled",
        }
    }
    /// True for the states a job never leaves on its own.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Completed | JobState::Discarded | JobState::Cancelled
        )
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "available" => JobState::Available,
            "running" => JobState::Running,
            "retryable" => JobState::Retryable,
            "completed" => JobState::Completed,
            "discarded" => JobState::Discarded,
            "cancelled" => JobState::Cancelled,
            other => return Err(Error::Corrupt(format!("unknown job state {other:?}"))),
        })
    }
}

/// A job a worker has claimed: enough to run it and to prove it still holds the lease.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    /// Row id.
    pub id: JobId,
    /// Task name.
    pub task: String,
    /// Queue it was claimed from.
    pub queue: String,
    /// Arguments as JSON text.
    pub args: String,
    /// This attempt's number (1 for the first run).
    pub attempt: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Fencing token: every claim gets a new one; completions must present it.
    pub lease_token: i64,
    /// Priority (lower runs first); claims come back sorted by it.
    pub priority: i16,
    /// The job was given back before (a worker died holding it, its start not recorded): its
    /// handler waits until this start is recorded, so that it counts if the worker dies again.
    pub wait_for_start: bool,
    /// When the claim was sent: the lease runs from no earlier than this.
    pub(crate) claimed_at: std::time::Instant,
    /// How long the job had been due (past its `run_at`) when the claim took it.
    pub(crate) due_before_claim: std::time::Duration,
    /// The span that enqueued it, from its `metadata` (see `trace_link.rs`).
    pub(crate) enqueue_trace: Option<crate::trace_link::EnqueueTrace>,
}

impl ClaimedJob {
    /// From its `run_at` to now: what the pickup metric records when its handler starts.
    pub(crate) fn pickup(&self) -> std::time::Duration {
        self.due_before_claim + self.claimed_at.elapsed()
    }
}

impl ClaimedJob {
    /// The lease this claim holds.
    pub fn lease(&self) -> Lease {
        Lease {
            id: self.id,
            token: self.lease_token,
        }
    }
}

/// A job id together with the fencing token of one claim of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Lease {
    /// Row id.
    pub id: JobId,
    /// Fencing token of the claim.
    pub token: i64,
}

/// Everything known about one job row, for inspection and tests. More fields may come (it is
/// `#[non_exhaustive]`): read it, do not build it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JobInfo {
    /// Row id.
    pub id: JobId,
    /// Queue name.
    pub queue: String,
    /// Task name.
    pub task: String,
    /// Arguments.
    pub args: serde_json::Value,
    /// Current state.
    pub state: JobState,
    /// Priority (lower runs first).
    pub priority: i16,
    /// Attempts made so far.
    pub attempt: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// One entry per failed attempt: `{"attempt", "at", "message"}`.
    pub errors: Vec<AttemptError>,
    /// Tags given at enqueue time.
    pub tags: Vec<String>,
    /// The task's return value, once completed.
    pub result: Option<serde_json::Value>,
    /// Microseconds since the Unix epoch at which the job may run.
    pub run_at_us: i64,
}

/// One recorded failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttemptError {
    /// The attempt that failed.
    pub attempt: u32,
    /// When, as the database's timestamp text.
    pub at: String,
    /// What went wrong.
    pub message: String,
}

impl JobInfo {
    /// The task's stored result as the type it returned (`Ok(None)` until the job completed, or
    /// when it returned `()`).
    ///
    /// ```
    /// # use tranq_core::{JobId, JobInfo, JobState};
    /// # let mut job = JobInfo::for_test(JobId(1), JobState::Completed, 1, 1);
    /// # job.result = Some(serde_json::json!({ "invoice": "INV-7", "cents": 1999 }));
    /// #[derive(serde::Deserialize, Debug, PartialEq)]
    /// struct Sent {
    ///     invoice: String,
    ///     cents: i64,
    /// }
    ///
    /// let sent: Option<Sent> = job.result_as()?;
    /// assert_eq!(sent.map(|s| s.invoice).as_deref(), Some("INV-7"));
    /// # Ok::<(), tranq_core::Error>(())
    /// ```
    pub fn result_as<T: serde::de::DeserializeOwned>(&self) -> crate::Result<Option<T>> {
        self.result
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|source| Error::ResultType {
                id: self.id.0,
                source,
            })
    }

    /// A job row as a test of tranq's own would have read it: available, no errors, no tags.
    #[doc(hidden)]
    pub fn for_test(id: JobId, state: JobState, attempt: u32, max_attempts: u32) -> Self {
        JobInfo {
            id,
            queue: DEFAULT_QUEUE.to_owned(),
            task: String::new(),
            args: serde_json::Value::Null,
            state,
            priority: 0,
            attempt,
            max_attempts,
            errors: Vec::new(),
            tags: Vec::new(),
            result: None,
            run_at_us: 0,
        }
    }
}

impl AttemptError {
    /// A recorded failure, for tests of tranq's own.
    #[doc(hidden)]
    pub fn for_test(attempt: u32, message: impl Into<String>) -> Self {
        AttemptError {
            attempt,
            at: String::new(),
            message: message.into(),
        }
    }
}

//! What a drain did.

use std::fmt;

use crate::job::{JobId, JobState};

/// What [`TestWorker::drain`](super::TestWorker::drain) ran: every attempt, in the order it ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DrainReport {
    /// Attempts run.
    pub ran: usize,
    /// Attempts that completed their job.
    pub completed: usize,
    /// Attempts that failed (an error, a panic, a timeout, arguments that do not read, or a
    /// cancel by the task), in the order they ran.
    pub failed: Vec<Failure>,
    /// Attempts that snoozed.
    pub snoozed: usize,
    /// The jobs run, in the order they ran (a job retried in the drain is listed once per
    /// attempt).
    pub jobs: Vec<JobId>,
}

/// A failed attempt in a [`DrainReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// The job.
    pub id: JobId,
    /// Its task name.
    pub task: String,
    /// The error recorded for the attempt, as stored on the job.
    pub error: String,
    /// Where the failure left the job: `retryable`, `discarded` or `cancelled`.
    pub state: JobState,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "job {} ({}, now {}): {}",
            self.id, self.task, self.state, self.error
        )
    }
}

impl DrainReport {
    /// True when every attempt completed.
    pub fn all_completed(&self) -> bool {
        self.completed == self.ran
    }
}

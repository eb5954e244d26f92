//! Looking jobs up and steering them by id, from code: a page of jobs by queue, task and state;
//! cancel, discard or retry one job. On the same store the worker uses, so a web handler or a
//! CLI can call them.

use crate::job::{JobId, JobState};

/// Largest page [`JobFilter::limit`] accepts.
pub(crate) const MAX_PAGE: u32 = 1000;

/// Which jobs [`SqlStore::jobs`](crate::SqlStore::jobs) returns: optional queue, task and state,
/// a page of at most `limit` jobs in id order, after the cursor `after`.
///
/// ```
/// use tranq_core::{JobFilter, JobId, JobState};
///
/// let failed_invoices = JobFilter::new()
///     .task("send_invoice")
///     .state(JobState::Discarded)
///     .limit(50);
/// // The next page starts after the last id of this one.
/// let next = failed_invoices.clone().after(JobId(1234));
/// # let _ = next;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct JobFilter {
    pub(crate) queue: Option<String>,
    pub(crate) task: Option<String>,
    pub(crate) state: Option<JobState>,
    pub(crate) after: JobId,
    pub(crate) limit: u32,
}

impl Default for JobFilter {
    fn default() -> Self {
        Self::new()
    }
}

impl JobFilter {
    /// Every job, the first 100 by id.
    pub fn new() -> Self {
        JobFilter {
            queue: None,
            task: None,
            state: None,
            after: JobId(0),
            limit: 100,
        }
    }
    /// Only jobs of this queue.
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
        self
    }
    /// Only jobs of this task (its `NAME`).
    pub fn task(mut self, task: impl Into<String>) -> Self {
        self.task = Some(task.into());
        self
    }
    /// Only jobs in this state.
    pub fn state(mut self, state: JobState) -> Self {
        self.state = Some(state);
        self
    }
    /// Only jobs with a larger id: the cursor of the next page.
    pub fn after(mut self, id: JobId) -> Self {
        self.after = id;
        self
    }
    /// At most this many jobs, 1 to 1000 (values outside are brought inside).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit.clamp(1, MAX_PAGE);
        self
    }
}

/// What [`SqlStore::cancel`](crate::SqlStore::cancel) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cancellation {
    /// The job was waiting: it is cancelled and will not run.
    Cancelled,
    /// The job is running: its worker is asked to stop it, and it ends cancelled.
    Requested,
}

/// What to do to one job; see [`SqlStore::cancel`](crate::SqlStore::cancel) and its siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// Available or retryable: it will not run.
    Cancel,
    /// Available or retryable: it will not run, recorded as given up on.
    Discard,
    /// Retryable, discarded or cancelled: runnable at once, attempts kept.
    Retry,
}

impl Control {
    /// The query that does it, changing the row only when the job is in a state it applies to.
    pub(crate) fn query(self) -> &'static str {
        match self {
            Control::Cancel => "job_cancel_waiting",
            Control::Discard => "job_discard_waiting",
            Control::Retry => "job_retry_now",
        }
    }

    /// Its name in messages.
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Control::Cancel => "cancel",
            Control::Discard => "discard",
            Control::Retry => "retry",
        }
    }

    /// The states it applies to, for messages.
    pub(crate) fn applies_to(self) -> &'static str {
        match self {
            Control::Cancel => "available, retryable or running",
            Control::Discard => "available or retryable",
            Control::Retry => "retryable, discarded or cancelled",
        }
    }
}

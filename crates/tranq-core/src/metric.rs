//! The metrics tranq emits through the [`metrics`] facade, by name, and the one counted at
//! enqueue. Nothing is recorded anywhere until the application installs a recorder (a
//! Prometheus exporter, say): until then the facade does nothing.

use metrics::Unit;

use crate::insert::Enqueued;
use crate::new_job::NewJob;

/// The metric names, each labelled as its documentation says. The book's operations chapter
/// lists which code emits each one.
pub mod names {
    /// Counter, `{queue, task}`: jobs inserted by an enqueue statement (duplicates of a unique
    /// key are not), counted when the statement returned, before the caller's transaction
    /// commits: a transaction that then rolls back was counted all the same.
    pub const ENQUEUED: &str = "tranq_jobs_enqueued_total";
    /// Counter, `{queue, task}`: attempts whose handler started.
    pub const STARTED: &str = "tranq_jobs_started_total";
    /// Counter, `{queue, task}`: attempts that completed the job.
    pub const COMPLETED: &str = "tranq_jobs_completed_total";
    /// Counter, `{queue, task}`: attempts that failed (an error, a panic, a timeout, arguments
    /// that do not deserialize), whatever comes next; each is also counted as retried or
    /// discarded.
    pub const FAILED: &str = "tranq_jobs_failed_total";
    /// Counter, `{queue, task}`: failed attempts that will be tried again.
    pub const RETRIED: &str = "tranq_jobs_retried_total";
    /// Counter, `{queue, task}`: jobs given up on by their worker (attempts used up, arguments
    /// unreadable).
    pub const DISCARDED: &str = "tranq_jobs_discarded_total";
    /// Counter, `{queue, task}`: jobs that ended cancelled by their task or on request while
    /// running.
    pub const CANCELLED: &str = "tranq_jobs_cancelled_total";
    /// Counter, `{queue, task}`: attempts that snoozed (the job runs again later, its attempt
    /// given back).
    pub const SNOOZED: &str = "tranq_jobs_snoozed_total";
    /// Counter, no labels: jobs put back by the rescuer because their lease expired.
    pub const RESCUED: &str = "tranq_jobs_rescued_total";
    /// Histogram in seconds, `{queue, task}`: how long a handler ran, per attempt.
    pub const RUN_SECONDS: &str = "tranq_job_run_seconds";
    /// Histogram in seconds, `{queue, task}`: from the moment an attempt was due (`run_at`:
    /// the enqueue, the end of its delay or of its retry backoff) to its handler's start.
    pub const PICKUP_SECONDS: &str = "tranq_job_pickup_seconds";
    /// Gauge, `{queue, state}`: jobs in each state, sampled by the leader when enabled with
    /// `WorkerBuilder::queue_depth_interval`.
    pub const QUEUE_JOBS: &str = "tranq_queue_jobs";
    /// Gauge in seconds, `{queue}`: how long the oldest due job has waited past its `run_at`
    /// (0 when none is due), sampled with [`QUEUE_JOBS`].
    pub const QUEUE_OLDEST_DUE_SECONDS: &str = "tranq_queue_oldest_due_seconds";
}

/// Gives every tranq metric its description and unit in the installed recorder (exporters show
/// them as `# HELP` lines). Optional; call it once after installing the recorder.
pub fn describe_metrics() {
    use names::*;
    let counters = [
        (ENQUEUED, "Jobs inserted by enqueue statements"),
        (STARTED, "Attempts whose handler started"),
        (COMPLETED, "Attempts that completed their job"),
        (
            FAILED,
            "Attempts that failed (error, panic, timeout, bad arguments)",
        ),
        (RETRIED, "Failed attempts that will be tried again"),
        (DISCARDED, "Jobs discarded by their worker"),
        (CANCELLED, "Jobs that ended cancelled while running"),
        (SNOOZED, "Attempts that snoozed"),
        (RESCUED, "Jobs put back after their lease expired"),
    ];
    for (name, help) in counters {
        metrics::describe_counter!(name, Unit::Count, help);
    }
    metrics::describe_histogram!(RUN_SECONDS, Unit::Seconds, "Handler run time per attempt");
    metrics::describe_histogram!(
        PICKUP_SECONDS,
        Unit::Seconds,
        "Time from a job's run_at to its handler's start"
    );
    metrics::describe_gauge!(QUEUE_JOBS, Unit::Count, "Jobs per queue and state");
    metrics::describe_gauge!(
        QUEUE_OLDEST_DUE_SECONDS,
        Unit::Seconds,
        "Wait of the oldest due job past its run_at"
    );
}

/// Counts the jobs an enqueue statement inserted, by queue and task: one counter call per
/// distinct pair in the batch.
pub(crate) fn count_enqueued(jobs: &[NewJob], outcomes: &[Enqueued]) {
    let mut counts: Vec<(&str, &'static str, u64)> = Vec::new();
    for (job, _) in jobs
        .iter()
        .zip(outcomes)
        .filter(|(_, outcome)| !outcome.is_duplicate())
    {
        match counts
            .iter_mut()
            .find(|(queue, task, _)| *queue == job.queue() && *task == job.task())
        {
            Some((_, _, n)) => *n += 1,
            None => counts.push((job.queue(), job.task(), 1)),
        }
    }
    for (queue, task, n) in counts {
        metrics::counter!(names::ENQUEUED, "queue" => queue.to_owned(), "task" => task)
            .increment(n);
    }
}

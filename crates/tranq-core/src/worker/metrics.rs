//! The worker's job metrics (names in [`crate::metric_names`]): a start, an outcome and a run
//! time per attempt, labelled by queue and task.
//!
//! Each (queue, task) pair registers its handles with the installed recorder once, the first
//! time one of its jobs starts here; after that an attempt costs a map lookup and a few
//! increments, without allocating. Without a recorder the handles do nothing. A recorder
//! installed after the worker started a job of a pair is not seen for that pair: install it
//! before starting the worker.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ::metrics::{Counter, Histogram, counter, histogram};

use super::completer::Report;
use crate::job::{ClaimedJob, JobState};
use crate::metric::names;

/// The handles of one (queue, task) pair.
pub(crate) struct TaskMetrics {
    started: Counter,
    completed: Counter,
    failed: Counter,
    retried: Counter,
    discarded: Counter,
    cancelled: Counter,
    snoozed: Counter,
    run: Histogram,
    pickup: Histogram,
}

impl TaskMetrics {
    fn register(queue: &str, task: &str) -> TaskMetrics {
        let labels = [("queue", queue.to_owned()), ("task", task.to_owned())];
        TaskMetrics {
            started: counter!(names::STARTED, &labels),
            completed: counter!(names::COMPLETED, &labels),
            failed: counter!(names::FAILED, &labels),
            retried: counter!(names::RETRIED, &labels),
            discarded: counter!(names::DISCARDED, &labels),
            cancelled: counter!(names::CANCELLED, &labels),
            snoozed: counter!(names::SNOOZED, &labels),
            run: histogram!(names::RUN_SECONDS, &labels),
            pickup: histogram!(names::PICKUP_SECONDS, &labels),
        }
    }

    /// An attempt's handler starts now.
    pub(crate) fn started(&self, job: &ClaimedJob) {
        self.started.increment(1);
        self.pickup.record(job.pickup().as_secs_f64());
    }

    /// An attempt ended with `report` after running for `took`.
    pub(crate) fn finished(&self, report: &Report, took: Duration) {
        self.run.record(took.as_secs_f64());
        match report {
            Report::Complete { .. } | Report::StoredByTask => self.completed.increment(1),
            Report::Fail { params, .. } => match params.next_state {
                JobState::Retryable => {
                    self.failed.increment(1);
                    self.retried.increment(1);
                }
                JobState::Discarded => {
                    self.failed.increment(1);
                    self.discarded.increment(1);
                }
                JobState::Cancelled => self.cancelled.increment(1),
                JobState::Available => self.snoozed.increment(1),
                JobState::Running | JobState::Completed => {}
            },
            Report::Started { .. } => {}
        }
    }
}

/// The handles of one queue's tasks, registered as they are first needed.
#[derive(Default)]
pub(crate) struct QueueMetrics {
    by_task: Mutex<HashMap<String, Arc<TaskMetrics>>>,
}

impl std::fmt::Debug for QueueMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueMetrics").finish_non_exhaustive()
    }
}

impl QueueMetrics {
    /// The handles for `job`'s task on its queue.
    pub(crate) fn of(&self, job: &ClaimedJob) -> Arc<TaskMetrics> {
        // Inserts and lookups only: a poisoned lock is still consistent.
        let mut by_task = self
            .by_task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(handles) = by_task.get(job.task.as_str()) {
            return handles.clone();
        }
        let handles = Arc::new(TaskMetrics::register(&job.queue, &job.task));
        by_task.insert(job.task.clone(), handles.clone());
        handles
    }
}

/// Counts jobs the rescuer put back (no labels: the rescue statement returns ids only).
pub(crate) fn rescued(count: usize) {
    counter!(names::RESCUED).increment(u64::try_from(count).unwrap_or(u64::MAX));
}

//! Samples every queue's jobs by state into the `tranq_queue_jobs{queue, state}` gauges, and
//! the wait of its oldest due job into `tranq_queue_oldest_due_seconds{queue}`. Runs on the
//! leader only, and only when enabled (`WorkerBuilder::queue_depth_interval`): the query
//! ([`Store::queue_stats`]) reads the whole jobs table, so one worker does it, now and then.
//!
//! A worker that loses the leadership stops updating its gauges; their last values stay in its
//! recorder. Aggregate across workers with `max by (queue, state)`.

use std::collections::HashSet;

use crate::error::Result;
use crate::metric::names;
use crate::store::{QueueStats, Store};

/// The states the gauges report; they partition a queue's jobs (`available` leaves out the
/// scheduled ones, which have a state of their own).
const STATES: [&str; 7] = [
    "available",
    "scheduled",
    "running",
    "retryable",
    "completed",
    "discarded",
    "cancelled",
];

/// The sampler: remembers the queues it reported, so that a queue whose last job was pruned
/// reads 0 instead of its last count.
#[derive(Debug, Default)]
pub(crate) struct QueueDepth {
    reported: HashSet<String>,
}

impl QueueDepth {
    /// Reads the counts and sets the gauges; returns how many queues were reported.
    pub(crate) async fn run_once(&mut self, store: &dyn Store) -> Result<usize> {
        let stats = store.queue_stats().await?;
        let now: HashSet<String> = stats.iter().map(|q| q.queue.clone()).collect();
        for gone in self.reported.difference(&now) {
            set(gone, &[0; 7], 0.0);
        }
        for q in &stats {
            set(
                &q.queue,
                &counts(q),
                q.oldest_due.map_or(0.0, |d| d.as_secs_f64()),
            );
        }
        self.reported = now;
        Ok(stats.len())
    }
}

fn counts(q: &QueueStats) -> [u64; 7] {
    [
        q.available.saturating_sub(q.scheduled),
        q.scheduled,
        q.running,
        q.retryable,
        q.completed,
        q.discarded,
        q.cancelled,
    ]
}

fn set(queue: &str, counts: &[u64; 7], oldest_due_seconds: f64) {
    for (state, &count) in STATES.iter().zip(counts) {
        // Gauges are f64; counts this large lose nothing that matters.
        #[allow(clippy::cast_precision_loss)]
        let value = count as f64;
        metrics::gauge!(names::QUEUE_JOBS, "queue" => queue.to_owned(), "state" => *state)
            .set(value);
    }
    metrics::gauge!(names::QUEUE_OLDEST_DUE_SECONDS, "queue" => queue.to_owned())
        .set(oldest_due_seconds);
}

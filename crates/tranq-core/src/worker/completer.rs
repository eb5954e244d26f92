//! Stores attempt outcomes: completions in batches (one statement for all that are waiting, up
//! to the batch size and [`MAX_BATCH_RESULT_BYTES`] of results; a few statements in flight at
//! once), failures one by one. A write that fails is retried until
//! it is stored or fenced, so an outcome is never dropped while the worker runs.

use std::sync::Arc;

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::{JoinHandle, JoinSet};

use super::Shared;
use super::fetcher::error_backoff;
use crate::error::Result;
use crate::store::{Completion, FailParams};

/// An outcome waiting to be stored.
#[derive(Debug)]
pub(crate) enum Report {
    Complete {
        completion: Completion,
        /// Length of the result's JSON.
        result_bytes: usize,
    },
    Fail(FailParams),
}

/// Most completion statements in flight at once. While one waits for its commit to be flushed
/// to disk, the next batch is already on its way, and the database flushes both at once.
const MAX_FLUSHES_IN_FLIGHT: usize = 3;

/// Most result JSON in one completion statement (one more result, at most
/// [`MAX_RESULT_BYTES`](super::MAX_RESULT_BYTES), may push it over). MariaDB refuses a
/// statement over `max_allowed_packet` (16 MiB by default) and its completion sends the
/// results twice (lock, then update): a refused batch would be retried forever.
const MAX_BATCH_RESULT_BYTES: usize = 4 * 1024 * 1024;

pub(crate) fn spawn(shared: Arc<Shared>) -> (UnboundedSender<Report>, JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (tx, tokio::spawn(run(shared, rx)))
}

async fn run(shared: Arc<Shared>, mut rx: UnboundedReceiver<Report>) {
    let max = shared.config.completion_batch;
    let in_flight = if shared.store.dialect().has_concurrent_writers() {
        MAX_FLUSHES_IN_FLIGHT
    } else {
        1
    };
    let mut flushes = JoinSet::new();
    while let Some(first) = rx.recv().await {
        // Wait for a free flush while outcomes keep queueing up: the next batch gets bigger.
        while flushes.len() >= in_flight {
            flushes.join_next().await;
        }
        let mut batch = Batch::default();
        batch.push(first);
        while batch.has_room(max) {
            match rx.try_recv() {
                Ok(report) => batch.push(report),
                Err(_) => break,
            }
        }
        let Batch {
            mut completions,
            mut failures,
            ..
        } = batch;
        let shared = shared.clone();
        flushes.spawn(async move { flush(&shared, &mut completions, &mut failures).await });
    }
    // Every sender is gone (all executors ended): store what is still in flight, then return.
    while flushes.join_next().await.is_some() {}
}

/// Outcomes taken together into one flush.
#[derive(Default)]
struct Batch {
    completions: Vec<Completion>,
    failures: Vec<FailParams>,
    result_bytes: usize,
}

impl Batch {
    /// Whether another outcome may join: fewer than `max` completions and less than
    /// [`MAX_BATCH_RESULT_BYTES`] of results.
    fn has_room(&self, max: usize) -> bool {
        self.completions.len() < max && self.result_bytes < MAX_BATCH_RESULT_BYTES
    }

    fn push(&mut self, report: Report) {
        match report {
            Report::Complete {
                completion,
                result_bytes,
            } => {
                self.completions.push(completion);
                self.result_bytes += result_bytes;
            }
            Report::Fail(f) => self.failures.push(f),
        }
    }
}

async fn flush(shared: &Shared, completions: &mut Vec<Completion>, failures: &mut Vec<FailParams>) {
    if !completions.is_empty() {
        let delete = shared.config.delete_completed;
        let stored = retry(shared, "store completions", || {
            if delete {
                shared.store.job_complete_delete_many(completions)
            } else {
                shared.store.job_complete_many(completions)
            }
        })
        .await;
        if let Some(stored) = stored
            && stored.len() < completions.len()
        {
            for c in completions.iter().filter(|c| !stored.contains(&c.id)) {
                tracing::warn!(
                    job.id = c.id.0,
                    "tranq: completion rejected: the lease was lost (job rescued); this attempt counts as lost"
                );
            }
        }
        completions.clear();
    }
    for f in failures.drain(..) {
        if retry(shared, "store failure", || shared.store.job_fail(&f)).await == Some(false) {
            tracing::warn!(
                job.id = f.id.0,
                "tranq: failure not stored: the lease was lost (job rescued)"
            );
        }
    }
}

/// Retries a write with backoff until it succeeds, or gives up once the worker has fully
/// stopped (the lease then expires and the job runs again: at-least-once).
async fn retry<T, F, Fut>(shared: &Shared, what: &str, mut write: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut failures = 0;
    loop {
        match write().await {
            Ok(value) => return Some(value),
            Err(error) => {
                failures += 1;
                let wait = error_backoff(failures);
                tracing::warn!(%error, retry_in = ?wait, "tranq: could not {what}");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shared.stopped.cancelled() => return None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::JobId;

    fn completion(result_bytes: usize) -> Report {
        Report::Complete {
            completion: Completion {
                id: JobId(1),
                token: 1,
                result: None,
            },
            result_bytes,
        }
    }

    #[test]
    fn a_batch_is_full_at_its_size_or_at_its_result_bytes() {
        let mut by_count = Batch::default();
        by_count.push(completion(10));
        by_count.push(completion(10));
        assert!(by_count.has_room(3));
        assert!(!by_count.has_room(2));

        let mut by_bytes = Batch::default();
        let near_limit = super::super::MAX_RESULT_BYTES - 100;
        while by_bytes.has_room(500) {
            by_bytes.push(completion(near_limit));
        }
        assert_eq!(
            by_bytes.completions.len(),
            5,
            "4 MiB of ~1 MiB results, then one more"
        );
        assert!(
            by_bytes.result_bytes < 16 * 1024 * 1024 / 2,
            "fits twice in 16 MiB"
        );
    }
}

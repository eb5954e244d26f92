//! Stores what happens to attempts: starts and completions in batches (one statement each for
//! all that are waiting, up to the batch size and [`MAX_BATCH_RESULT_BYTES`] of results; a few
//! flushes in flight at once), failures one by one.
//!
//! A start is recorded so that the attempt counts if its worker dies (a claim counts the attempt
//! but leaves it unstarted: jobs claimed ahead into a prefetch buffer get their attempt back
//! when the worker dies before running them). The handler does not wait for it, unless the job
//! was given back before (`ClaimedJob::wait_for_start`): a start still unrecorded when the
//! process died is given back too, once, and from then on the job's handler runs only after its
//! start is stored, so a job that crashes its process at once still uses up its attempts. A flush
//! stores its starts before its outcomes, so a job's start and outcome never wait on each
//! other's row lock.
//!
//! A write that fails for a reason that passes (the database is unreachable, or lost a
//! deadlock) is retried until it is stored or fenced, so an outcome is never dropped while the
//! worker runs; during shutdown, only until the grace period is over. A write the database
//! refuses for good (a value it cannot hold, a constraint) is not retried: a batch is split to
//! find the refused outcome, which is then stored as a failed attempt carrying the database's
//! words, so attempts stay bounded; if even that is refused, it is logged and the lease left to
//! expire (the rescuer counts the attempt).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use super::fetcher::error_backoff;
use super::{Shared, storable};
use crate::error::{Error, Result};
use crate::job::{JobState, Lease};
use crate::store::{Completion, FailParams};

/// An outcome waiting to be stored.
#[derive(Debug)]
pub(crate) enum Report {
    Complete {
        completion: Completion,
        /// Length of the result's JSON.
        result_bytes: usize,
        fallback: Fallback,
    },
    Fail {
        params: FailParams,
        fallback: Fallback,
    },
    /// An attempt's handler is starting; `stored`, when given, is answered once the start is
    /// recorded (or could not be), and the handler waits for it.
    Started {
        lease: Lease,
        stored: Option<oneshot::Sender<()>>,
    },
    /// Nothing to store: the handler's own transaction completed the job (`ctx.complete_in`).
    StoredByTask,
}

/// What is stored instead when the database refuses an attempt's outcome for good: the attempt
/// failed (retried after `delay`, or discarded when it was the last).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fallback {
    pub(crate) lease: Lease,
    pub(crate) next_state: JobState,
    pub(crate) delay: Duration,
}

impl Fallback {
    fn params(&self, refusal: &Error, outcome: &str) -> FailParams {
        FailParams {
            id: self.lease.id,
            token: self.lease.token,
            next_state: self.next_state,
            delay: self.delay,
            give_back_attempt: false,
            error: Some(storable::message(format!(
                "the outcome could not be stored ({outcome}): {refusal}"
            ))),
        }
    }
}

/// Most completion statements in flight at once. While one waits for its commit to be flushed
/// to disk, the next batch is already on its way, and the database flushes both at once.
const MAX_FLUSHES_IN_FLIGHT: usize = 3;

/// Most result JSON in one completion statement (one more result, at most
/// [`MAX_RESULT_BYTES`](super::MAX_RESULT_BYTES), may push it over). MariaDB refuses a
/// statement over `max_allowed_packet` (16 MiB by default) and its completion sends the
/// results twice (lock, then update).
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
        let shared = shared.clone();
        flushes.spawn(async move { batch.flush(&shared).await });
    }
    // Every sender is gone (all executors ended): store what is still in flight, then return.
    while flushes.join_next().await.is_some() {}
}

/// Outcomes taken together into one flush.
#[derive(Default)]
struct Batch {
    /// Attempts whose handler started, and whether the handler waits for the record.
    started: Vec<(Lease, bool)>,
    /// Handlers waiting for their start to be recorded.
    waiting: Vec<oneshot::Sender<()>>,
    completions: Vec<(Completion, Fallback)>,
    failures: Vec<(FailParams, Fallback)>,
    result_bytes: usize,
}

impl Batch {
    /// Whether another outcome may join: fewer than `max` completions and less than
    /// [`MAX_BATCH_RESULT_BYTES`] of results.
    fn has_room(&self, max: usize) -> bool {
        self.completions.len() < max
            && self.started.len() < max
            && self.result_bytes < MAX_BATCH_RESULT_BYTES
    }

    fn push(&mut self, report: Report) {
        match report {
            Report::Complete {
                completion,
                result_bytes,
                fallback,
            } => {
                self.completions.push((completion, fallback));
                self.result_bytes += result_bytes;
            }
            Report::Fail { params, fallback } => self.failures.push((params, fallback)),
            Report::Started { lease, stored } => {
                self.started.push((lease, stored.is_some()));
                self.waiting.extend(stored);
            }
            Report::StoredByTask => {}
        }
    }

    async fn flush(mut self, shared: &Shared) {
        // A start whose completion this same flush stores needs no write of its own: the
        // completion records the start too (`attempted_at`). For short jobs that is most of
        // them: one statement and one commit fewer per batch.
        let completing: HashSet<Lease> = self.completions.iter().map(|(_, f)| f.lease).collect();
        let leases: Vec<Lease> = self
            .started
            .iter()
            .filter(|(lease, waited)| *waited || !completing.contains(lease))
            .map(|(lease, _)| *lease)
            .collect();
        if !leases.is_empty() {
            let leases = &leases;
            if let Written::Refused(error) = write(shared, "record starts", || {
                shared.store.job_mark_started(leases)
            })
            .await
            {
                tracing::error!(%error, count = leases.len(), "tranq: the database refused to record that attempts started; if their worker dies, they are given back");
            }
        }
        for stored in self.waiting.drain(..) {
            let _ = stored.send(());
        }
        let mut unstored = Vec::new();
        if !self.completions.is_empty() {
            complete(shared, &self.completions, &mut unstored).await;
        }
        for (params, fallback) in &self.failures {
            match write(shared, "store failure", || shared.store.job_fail(params)).await {
                Written::Yes(true) => {}
                Written::Yes(false) => tracing::warn!(
                    job.id = params.id.0,
                    "tranq: failure not stored: the lease was lost (job rescued)"
                ),
                Written::Refused(refusal) => {
                    let outcome = params.next_state.as_str();
                    store_fallback(shared, fallback, &refusal, outcome).await;
                }
                Written::GaveUp => unstored.push(fallback.lease),
            }
        }
        release_unstored(shared, &unstored).await;
    }
}

/// Stores completions in one statement; a batch the database refuses for good is split in
/// halves until the refused completions are found, and those are stored as failed attempts.
async fn complete(
    shared: &Shared,
    completions: &[(Completion, Fallback)],
    unstored: &mut Vec<Lease>,
) {
    let done: Vec<Completion> = completions.iter().map(|(c, _)| c.clone()).collect();
    let delete = shared.config.delete_completed;
    let written = write(shared, "store completions", || {
        if delete {
            shared.store.job_complete_delete_many(&done)
        } else {
            shared.store.job_complete_many(&done)
        }
    })
    .await;
    match written {
        Written::Yes(stored) => {
            for c in done.iter().filter(|c| !stored.contains(&c.id)) {
                tracing::warn!(
                    job.id = c.id.0,
                    "tranq: completion rejected: the lease was lost (job rescued); this attempt counts as lost"
                );
            }
        }
        Written::Refused(refusal) if completions.len() == 1 => {
            store_fallback(shared, &completions[0].1, &refusal, "completed").await;
        }
        Written::Refused(_) => {
            let (left, right) = completions.split_at(completions.len() / 2);
            Box::pin(complete(shared, left, unstored)).await;
            Box::pin(complete(shared, right, unstored)).await;
        }
        Written::GaveUp => unstored.extend(completions.iter().map(|(_, f)| f.lease)),
    }
}

/// Stores a refused outcome as a failed attempt.
async fn store_fallback(shared: &Shared, fallback: &Fallback, refusal: &Error, outcome: &str) {
    tracing::error!(job.id = fallback.lease.id.0, %refusal, outcome, "tranq: the database refused an outcome; storing the attempt as failed instead");
    let params = fallback.params(refusal, outcome);
    match write(shared, "store failure", || shared.store.job_fail(&params)).await {
        Written::Yes(_) | Written::GaveUp => {}
        Written::Refused(error) => tracing::error!(
            job.id = fallback.lease.id.0,
            %error,
            "tranq: the database refused the failed attempt too; its lease expires and the rescuer counts the attempt"
        ),
    }
}

/// Outcomes that could not be stored before the worker stopped go back at once (best effort:
/// the database may be the reason they could not be stored).
async fn release_unstored(shared: &Shared, leases: &[Lease]) {
    if !leases.is_empty() {
        tracing::warn!(
            count = leases.len(),
            "tranq: outcomes not stored before shutdown; their jobs are released and run again"
        );
        super::shutdown::release(shared, leases).await;
    }
}

/// How a write ended.
enum Written<T> {
    Yes(T),
    /// The database refused it for good: trying again cannot help.
    Refused(Error),
    /// The worker stopped (shutdown's grace period is over) while the database was failing.
    GaveUp,
}

/// Runs a write, and again with backoff while it fails for a reason that passes, until the
/// worker has stopped.
async fn write<T, F, Fut>(shared: &Shared, what: &str, mut write: F) -> Written<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut failures = 0;
    loop {
        match write().await {
            Ok(value) => return Written::Yes(value),
            Err(error) if !error.is_transient() => return Written::Refused(error),
            Err(error) => {
                failures += 1;
                shared.count_if_deadlock(&error);
                let wait = error_backoff(failures);
                tracing::warn!(%error, retry_in_ms = super::log_fields::ms(wait), "tranq: could not {what}");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shared.stopped.cancelled() => return Written::GaveUp,
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
        let lease = Lease {
            id: JobId(1),
            token: 1,
        };
        Report::Complete {
            completion: Completion {
                id: lease.id,
                token: lease.token,
                result: None,
            },
            result_bytes,
            fallback: Fallback {
                lease,
                next_state: JobState::Retryable,
                delay: Duration::ZERO,
            },
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

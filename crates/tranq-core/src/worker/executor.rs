//! Runs claimed jobs: each inside its tracing span, with its timeout, catching panics.
//!
//! One executor task holds one of its queue's slots. When its job ends it takes the next job
//! from the queue's prefetch buffer, if any, and runs it on the same slot, so a busy queue
//! refills a freed slot without waiting for the fetcher or the database.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use futures::FutureExt;
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::completer::Report;
use super::outcome::{Outcome, decide};
use super::{CallOff, InFlight, QueueSlots, Shared};
use crate::job::ClaimedJob;
use crate::registry::Registry;
use crate::state::States;
use crate::task::TaskContext;

/// Starts an executor on `permit` (a free slot of `queue`) with the next buffered job of
/// `queue`. Returns false, giving the slot back, when the buffer is empty.
pub(crate) fn start_next(
    shared: &Arc<Shared>,
    queue: &Arc<QueueSlots>,
    permit: OwnedSemaphorePermit,
    reports: &UnboundedSender<Report>,
) -> bool {
    // The lock is held from taking the job to recording it as in flight, so that shutdown sees
    // every claimed job either in a buffer or in flight, never in neither.
    let mut in_flight = shared.in_flight();
    let Some(job) = shared.pop_runnable(queue) else {
        return false;
    };
    let abort_cell = Arc::new(OnceLock::new());
    let lease = job.lease();
    let call_off = CallOff::default();
    let handle = shared.tracker.spawn(run(
        shared.clone(),
        queue.clone(),
        (job, call_off.clone()),
        permit,
        reports.clone(),
        abort_cell.clone(),
    ));
    let abort = handle.abort_handle();
    let _ = abort_cell.set(abort.clone());
    in_flight.insert(lease, InFlight { abort, call_off });
    true
}

/// Runs `job`, then buffered jobs of the same queue one after another, until the buffer is
/// empty or shutdown starts; then frees the slot.
async fn run(
    shared: Arc<Shared>,
    queue: Arc<QueueSlots>,
    (mut job, mut call_off): (ClaimedJob, CallOff),
    permit: OwnedSemaphorePermit,
    reports: UnboundedSender<Report>,
    abort: Arc<OnceLock<AbortHandle>>,
) {
    loop {
        let span = tracing::info_span!(
            "tranq.job",
            job.id = job.id.0,
            job.task = %job.task,
            job.queue = %job.queue,
            job.attempt = job.attempt,
            job.enqueued_by_span = tracing::field::Empty,
        );
        crate::trace_link::link(&span, job.enqueue_trace.as_ref());
        let metrics = queue.metrics.of(&job);
        // Recorded with the next outcomes the completer stores (see completer.rs); a job given
        // back before waits for it.
        let (stored, recorded) = if job.wait_for_start {
            let (tx, rx) = tokio::sync::oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let sent = reports.send(Report::Started {
            lease: job.lease(),
            stored,
        });
        if let (Ok(()), Some(recorded)) = (sent, recorded) {
            let _ = recorded.await;
        }
        metrics.started(&job);
        let began = Instant::now();
        let report = run_one(&shared, &job, call_off).instrument(span).await;
        let took = began.elapsed();
        let next = {
            let mut in_flight = shared.in_flight();
            // An attempt taken by shutdown was released; its late outcome must not be stored.
            if in_flight.remove(&job.lease()).is_none() {
                break;
            }
            metrics.finished(&report, took);
            let _ = reports.send(report);
            if shared.shutdown.is_cancelled() {
                None
            } else {
                let next = shared.pop_runnable(&queue);
                match (next, abort.get()) {
                    (Some(next), Some(abort)) => {
                        let next_call_off = CallOff::default();
                        in_flight.insert(
                            next.lease(),
                            InFlight {
                                abort: abort.clone(),
                                call_off: next_call_off.clone(),
                            },
                        );
                        Some((next, next_call_off))
                    }
                    (next, _) => {
                        // Not reachable (the abort handle is set before this task is polled);
                        // a job taken anyway goes back to the front of the buffer.
                        if let Some(next) = next {
                            queue.push_front_buffered(next);
                        }
                        None
                    }
                }
            }
        };
        match next {
            Some((next, next_call_off)) => {
                if queue.buffer_low() {
                    queue.slot_freed.notify_one();
                }
                job = next;
                call_off = next_call_off;
            }
            None => break,
        }
    }
    drop(permit);
    queue.slot_freed.notify_one();
}

async fn run_one(shared: &Shared, job: &ClaimedJob, call_off: CallOff) -> Report {
    let started = Instant::now();
    let completed_in_txn = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let outcome = execute(shared, job, call_off.token, completed_in_txn.clone()).await;
    let outcome = match outcome {
        Outcome::Completed(_) if completed_in_txn.load(Ordering::SeqCst) => {
            Outcome::CompletedInTransaction
        }
        outcome => outcome,
    };
    let outcome = if call_off.cancel_requested.load(Ordering::SeqCst) {
        outcome.cancelled_on_request()
    } else {
        outcome
    };
    decide(job, outcome, &shared.config.backoff, started.elapsed())
}

async fn execute(
    shared: &Shared,
    job: &ClaimedJob,
    called_off: CancellationToken,
    completed_in_txn: Arc<std::sync::atomic::AtomicBool>,
) -> Outcome {
    let around = Around {
        registry: &shared.registry,
        states: &shared.states,
        shutdown: shared.shutdown.clone(),
        called_off,
        completed_in_txn,
    };
    attempt(job, around).await
}

/// What an attempt runs within: the tasks, the shared state, and the tokens its context
/// watches.
pub(crate) struct Around<'a> {
    pub(crate) registry: &'a Registry,
    pub(crate) states: &'a States,
    pub(crate) shutdown: CancellationToken,
    pub(crate) called_off: CancellationToken,
    pub(crate) completed_in_txn: Arc<std::sync::atomic::AtomicBool>,
}

/// Runs one attempt of `job`: decodes its arguments, runs its handler under its timeout and
/// catches a panic. Shared by the worker and `tranq::testing`.
pub(crate) async fn attempt(job: &ClaimedJob, around: Around<'_>) -> Outcome {
    let Some(registration) = around.registry.get(&job.task) else {
        return Outcome::UnknownTask;
    };
    let ctx = TaskContext {
        id: job.id,
        task: job.task.clone(),
        queue: job.queue.clone(),
        attempt: job.attempt,
        max_attempts: job.max_attempts,
        lease_token: job.lease_token,
        shutdown: around.shutdown,
        called_off: around.called_off,
        states: around.states.clone(),
        completed_in_txn: around.completed_in_txn,
    };
    let run = match registration.start(ctx, &job.args) {
        Ok(run) => run,
        Err(reason) => return Outcome::BadArgs(reason),
    };
    let guarded = AssertUnwindSafe(run).catch_unwind();
    let finished = match registration.options().time_limit() {
        Some(limit) => match tokio::time::timeout(limit, guarded).await {
            Ok(finished) => finished,
            Err(_) => return Outcome::TimedOut(limit),
        },
        None => guarded.await,
    };
    match finished {
        Ok(Ok(value)) => Outcome::Completed(value),
        Ok(Err(error)) => Outcome::Failed(error),
        Err(panic) => Outcome::Panicked(panic_message(panic.as_ref())),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}

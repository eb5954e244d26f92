//! Runs one claimed job: inside its tracing span, with its timeout, catching panics.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::mpsc::UnboundedSender;
use tracing::Instrument;

use super::completer::Report;
use super::outcome::{Outcome, decide};
use super::{InFlight, QueueSlots, Shared};
use crate::job::ClaimedJob;
use crate::task::TaskContext;

pub(crate) fn spawn(
    shared: &Arc<Shared>,
    queue: &Arc<QueueSlots>,
    job: ClaimedJob,
    permit: OwnedSemaphorePermit,
    reports: UnboundedSender<Report>,
) {
    let span = tracing::info_span!(
        "tranq.job",
        job.id = job.id.0,
        job.task = %job.task,
        job.queue = %job.queue,
        job.attempt = job.attempt,
    );
    let id = job.id;
    let token = job.lease_token;
    let task_shared = shared.clone();
    let task_queue = queue.clone();
    // The lock is held while spawning so the job's own `untrack` cannot run before `track`.
    let mut in_flight = shared.in_flight();
    let handle = shared.tracker.spawn(
        async move {
            let started = Instant::now();
            let outcome = execute(&task_shared, &job).await;
            let report = decide(
                &job,
                outcome,
                &task_shared.config.backoff,
                started.elapsed(),
            );
            // A job taken by shutdown was released; its late outcome must not be stored.
            if task_shared.in_flight().remove(&job.id).is_some() {
                let _ = reports.send(report);
            }
            drop(permit);
            task_queue.slot_freed.notify_one();
        }
        .instrument(span),
    );
    in_flight.insert(
        id,
        InFlight {
            token,
            abort: handle.abort_handle(),
        },
    );
}

async fn execute(shared: &Shared, job: &ClaimedJob) -> Outcome {
    let Some(registration) = shared.registry.get(&job.task) else {
        return Outcome::UnknownTask;
    };
    let ctx = TaskContext {
        id: job.id,
        task: job.task.clone(),
        queue: job.queue.clone(),
        attempt: job.attempt,
        max_attempts: job.max_attempts,
        shutdown: shared.shutdown.child_token(),
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

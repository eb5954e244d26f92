//! One fetcher per queue: claims jobs in batches sized to the free slots plus room in a small
//! prefetch buffer, starts them on free slots, then waits for the buffer to run low, a
//! notification, a local enqueue, the next probe of the adaptive poll (`idle_probe.rs`, where
//! the database pushes nothing) or the poll interval. A claim that comes back full is followed at once by the
//! next one as soon as there is room, so a busy queue never sleeps between bursts; executors
//! take buffered jobs themselves as they finish, so the database round trip of a claim overlaps
//! with running the jobs claimed before.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures::FutureExt;
use tokio::sync::mpsc::UnboundedSender;

use super::completer::Report;
use super::idle_probe::IdleProbe;
use super::{QueueSlots, Shared, executor};
use crate::local_wake::Probing;
use crate::store::{ClaimParams, LimitedClaim};

const MAX_ERROR_BACKOFF: Duration = Duration::from_secs(5);
/// How soon a queue whose claim its limits held back asks again.
const HELD_BACK_RECHECK: Duration = Duration::from_millis(50);

pub(crate) async fn run(
    shared: Arc<Shared>,
    queue: Arc<QueueSlots>,
    reports: UnboundedSender<Report>,
) {
    let mut failures: u32 = 0;
    // The last claim came back short: the queue has nothing runnable until a notification, a
    // probe or the next poll says otherwise.
    let mut drained = false;
    // The last claim came back full: the queue is in a burst.
    let mut busy = false;
    let mut idle_probe = IdleProbe::new();
    loop {
        if shared.shutdown.is_cancelled() {
            return;
        }
        dispatch(&shared, &queue, &reports);
        let free = queue.slots.available_permits();
        let buffered = queue.buffered();
        // A queue under limits claims only for free slots: a job claimed ahead would count
        // against every worker's limits while it waits here.
        let limits = shared.config.limits(&queue.name);
        let prefetch = if limits.is_some() {
            0
        } else {
            queue.prefetch()
        };
        let room = (free + prefetch).saturating_sub(buffered);
        if drained {
            // Where the database pushes commits (PostgreSQL), its notification is the wake-up
            // and a local enqueue is left to it; elsewhere the fetcher asks the database
            // itself, often while the queue has just had work (`idle_probe.rs`).
            let pushed = shared.listening.load(Ordering::Relaxed);
            let poll = shared.poll_interval();
            let wait = if pushed { poll } else { idle_probe.gap(poll) };
            let woken = tokio::select! {
                _ = queue.wake.notified() => Woken::Notified,
                _ = queue.local_enqueue.notified() => Woken::LocalEnqueue,
                _ = tokio::time::sleep(wait) => if wait < poll { Woken::Probe } else { Woken::Poll },
                _ = shared.shutdown.cancelled() => return,
            };
            drained = match woken {
                Woken::Notified | Woken::Poll => false,
                Woken::LocalEnqueue => pushed || !probe_until_due(&shared, &queue).await,
                Woken::Probe => !idle_probe.probed(job_due(&shared, &queue).await),
            };
            continue;
        }
        if room == 0 || !queue.buffer_low() {
            tokio::select! {
                _ = queue.slot_freed.notified() => continue,
                _ = shared.shutdown.cancelled() => return,
            }
        }
        let limit = u32::try_from(room).unwrap_or(u32::MAX);
        let params = ClaimParams {
            queue: &queue.name,
            tasks: &shared.task_names,
            limit,
            worker_id: &shared.config.worker_id,
            lease: shared.config.lease,
        };
        let claimed = match &limits {
            None => shared
                .store
                .job_claim(&params)
                .await
                .map(|jobs| LimitedClaim {
                    jobs,
                    held_back: false,
                }),
            Some(limits) => shared.store.job_claim_limited(&params, limits).await,
        };
        match claimed {
            Ok(LimitedClaim { jobs, held_back }) => {
                failures = 0;
                drained = jobs.len() < room && !held_back;
                idle_probe.claimed(jobs.len());
                adapt_prefetch(&queue, busy, drained);
                busy = !drained;
                queue.push_buffered(jobs);
                if held_back {
                    // The limits, not the queue, stopped the claim: they may lift when a job
                    // ends in any worker, or as a rate's window moves, which nothing notifies.
                    dispatch(&shared, &queue, &reports);
                    tokio::select! {
                        _ = tokio::time::sleep(HELD_BACK_RECHECK.min(shared.poll_interval())) => {}
                        _ = queue.slot_freed.notified() => {}
                        _ = shared.shutdown.cancelled() => return,
                    }
                }
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                let wait = error_backoff(failures);
                tracing::warn!(queue = %queue.name, %error, retry_in_ms = super::log_fields::ms(wait), "tranq: claim failed");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shared.shutdown.cancelled() => return,
                }
            }
        }
    }
}

/// After a local enqueue into an idle queue: asks the database whether a job is due until one
/// is, the queue is woken otherwise, or the probing window passes (`local_wake::Probing`). A
/// further local enqueue meanwhile starts the window over: the hint comes before its commit.
/// True when it is time to claim.
async fn probe_until_due(shared: &Shared, queue: &QueueSlots) -> bool {
    let mut woken = Instant::now();
    let mut probing = Probing::new(shared.poll_interval());
    let mut probes = 0u32;
    let next_hint = queue.local_enqueue.notified();
    tokio::pin!(next_hint);
    while let Some(wait) = probing.wait(woken.elapsed()) {
        if shared.shutdown.is_cancelled() {
            return false;
        }
        let hinted = if wait.is_zero() {
            next_hint.as_mut().now_or_never().is_some()
        } else {
            tokio::select! {
                _ = tokio::time::sleep(wait) => false,
                _ = next_hint.as_mut() => true,
                _ = queue.wake.notified() => return true,
                _ = shared.shutdown.cancelled() => return false,
            }
        };
        if hinted {
            next_hint.set(queue.local_enqueue.notified());
            woken = Instant::now();
            probing = Probing::new(shared.poll_interval());
        }
        probes += 1;
        if job_due(shared, queue).await {
            tracing::trace!(queue = %queue.name, probes, after_ms = super::log_fields::ms(woken.elapsed()), "tranq: a locally enqueued job is due");
            return true;
        }
    }
    false
}

/// What ended an idle fetcher's wait.
enum Woken {
    /// A database notification (PostgreSQL) for the queue.
    Notified,
    /// An enqueue in this process (`local_wake`), before its commit.
    LocalEnqueue,
    /// A gap of the adaptive poll (`idle_probe`) passed.
    Probe,
    /// The poll interval passed.
    Poll,
}

/// Whether the queue has a job due now (`job_due_probe`). A database error says yes: the claim
/// that follows reports it and backs off.
async fn job_due(shared: &Shared, queue: &QueueSlots) -> bool {
    shared.store.job_due(&queue.name).await.unwrap_or(true)
}

/// Grows the prefetch buffer while a busy queue's executors run out of jobs before a claim
/// comes back (slots idle, buffer empty); back to the minimum when the queue runs dry.
fn adapt_prefetch(queue: &QueueSlots, busy: bool, drained: bool) {
    if queue.prefetch_min == queue.prefetch_max {
        return;
    }
    let now = queue.prefetch();
    let next = if drained {
        queue.prefetch_min
    } else if busy && queue.buffered() == 0 && queue.slots.available_permits() > 0 {
        (now.max(1) * 2).min(queue.prefetch_max)
    } else {
        now
    };
    if next != now {
        queue.prefetch.store(next, Ordering::Relaxed);
        tracing::debug!(queue = %queue.name, prefetch = next, "tranq: prefetch buffer resized");
    }
}

/// Starts buffered jobs on every free slot.
fn dispatch(shared: &Arc<Shared>, queue: &Arc<QueueSlots>, reports: &UnboundedSender<Report>) {
    while queue.buffered() > 0 {
        let Ok(permit) = queue.slots.clone().try_acquire_owned() else {
            return;
        };
        if !executor::start_next(shared, queue, permit, reports) {
            return;
        }
    }
}

/// 100 ms doubling up to 5 s.
pub(crate) fn error_backoff(failures: u32) -> Duration {
    Duration::from_millis(100)
        .saturating_mul(1 << failures.min(6))
        .min(MAX_ERROR_BACKOFF)
}

//! The worker runtime shared by every adapter: one small file per service.

mod backoff;
mod builder;
mod completer;
mod config;
mod executor;
mod fetcher;
mod heartbeat;
mod idle_probe;
mod log_fields;
mod metrics;
mod notifier;
mod outcome;
mod running;
mod shutdown;
mod storable;

pub(crate) use self::metrics::rescued as count_rescued;
pub use backoff::Backoff;
pub use builder::WorkerBuilder;
pub use config::{
    DEFAULT_COMPLETION_BATCH, DEFAULT_GRACE_PERIOD, DEFAULT_LEASE, DEFAULT_MAX_PREFETCH,
    DEFAULT_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_WITHOUT_NOTIFY, DEFAULT_RESCUE_INTERVAL,
    WorkerConfig,
};
pub use storable::{MAX_ERROR_MESSAGE_BYTES, MAX_RESULT_BYTES};
#[cfg(feature = "testing")]
pub(crate) use {
    completer::Report,
    executor::{Around, attempt},
    outcome::{Outcome, decide},
};

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::error::Result;
use crate::job::{ClaimedJob, JobId, Lease};
use crate::registry::Registry;
use crate::store::Store;

/// Runs jobs from a [`Store`]: fetches per queue, runs handlers, stores outcomes in batches.
///
/// ```no_run
/// # async fn demo(store: impl tranq_core::Store) -> Result<(), tranq_core::Error> {
/// tranq_core::Worker::builder(store)
///     .queue("default", 16)
///     .queue("billing", 4)
///     .build()?
///     .run_until(async { let _ = tokio::signal::ctrl_c().await; })
///     .await
/// # }
/// ```
pub struct Worker {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("worker_id", &self.shared.config.worker_id)
            .field("queues", &self.shared.config.queue_names())
            .field("tasks", &self.shared.task_names)
            .finish_non_exhaustive()
    }
}

/// An attempt being run by this worker. Keyed by its [`Lease`] (id and token), not by job id:
/// after a lost lease the same worker may run two attempts of one job at once.
#[derive(Debug)]
struct InFlight {
    abort: AbortHandle,
    call_off: CallOff,
}

/// How an attempt is called off: its `ctx.cancelled()` fires when its lease was lost or when
/// the job was asked to cancel; after a cancel request, a failed attempt ends the job cancelled.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOff {
    pub(crate) token: CancellationToken,
    pub(crate) cancel_requested: Arc<AtomicBool>,
}

/// Per-queue wake-ups and slots.
#[derive(Debug)]
pub(crate) struct QueueSlots {
    pub(crate) name: String,
    pub(crate) slots: Arc<Semaphore>,
    /// Poked when the database says the queue has work.
    pub(crate) wake: Notify,
    /// Poked when this process enqueues a job due at once into the queue (`local_wake.rs`).
    pub(crate) local_enqueue: Arc<Notify>,
    /// Poked when a job of the queue finishes and frees a slot, or the buffer runs low.
    pub(crate) slot_freed: Notify,
    /// Claimed (leased) jobs waiting for a free slot.
    pub(crate) buffer: Mutex<VecDeque<ClaimedJob>>,
    /// How many jobs the buffer may hold beyond the free slots now; adapted by the fetcher
    /// between `prefetch_min` and `prefetch_max`.
    pub(crate) prefetch: AtomicUsize,
    pub(crate) prefetch_min: usize,
    pub(crate) prefetch_max: usize,
    /// The queue's job metrics, by task.
    pub(crate) metrics: self::metrics::QueueMetrics,
}

impl QueueSlots {
    fn buffer(&self) -> MutexGuard<'_, VecDeque<ClaimedJob>> {
        // Single push/pop operations only: a poisoned lock is still consistent.
        self.buffer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    /// The next claimed job waiting for a slot.
    pub(crate) fn pop_buffered(&self) -> Option<ClaimedJob> {
        self.buffer().pop_front()
    }
    /// Adds freshly claimed jobs behind the waiting ones.
    pub(crate) fn push_buffered(&self, jobs: Vec<ClaimedJob>) {
        if !jobs.is_empty() {
            self.buffer().extend(jobs);
        }
    }
    /// Puts a job back at the head of the buffer.
    pub(crate) fn push_front_buffered(&self, job: ClaimedJob) {
        self.buffer().push_front(job);
    }
    /// How many claimed jobs wait for a slot.
    pub(crate) fn buffered(&self) -> usize {
        self.buffer().len()
    }
    /// How many jobs the buffer may hold beyond the free slots.
    pub(crate) fn prefetch(&self) -> usize {
        self.prefetch.load(Ordering::Relaxed)
    }
    /// True when the buffer is at most half full: time to claim more.
    pub(crate) fn buffer_low(&self) -> bool {
        self.buffered() <= self.prefetch() / 2
    }
}

/// State every service of one worker shares.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) registry: Registry,
    pub(crate) task_names: Vec<&'static str>,
    /// Shared state handed to tasks.
    pub(crate) states: crate::state::States,
    pub(crate) config: WorkerConfig,
    pub(crate) queues: Vec<Arc<QueueSlots>>,
    in_flight: Mutex<HashMap<Lease, InFlight>>,
    /// The periodic jobs the leader enqueues (`WorkerBuilder::periodic`, `#[task(cron)]`).
    pub(crate) periodic: Vec<crate::periodic::PeriodicJob>,
    /// Cancelled when shutdown starts: stop fetching, tell tasks.
    pub(crate) shutdown: CancellationToken,
    /// Cancelled when the worker is fully stopped: heartbeats and maintenance end.
    pub(crate) stopped: CancellationToken,
    pub(crate) tracker: TaskTracker,
    /// True while a notification stream from the database is live.
    pub(crate) listening: AtomicBool,
    /// Batch writes the database gave up to break a deadlock, retried; counted for the logs.
    deadlock_retries: AtomicU64,
    /// When the last heartbeat that renewed every held lease was sent.
    leases_renewed_at: Mutex<Option<Instant>>,
}

impl Shared {
    /// How long an idle queue waits before polling again.
    pub(crate) fn poll_interval(&self) -> Duration {
        match self.config.poll_interval {
            Some(explicit) => explicit,
            None if self.listening.load(Ordering::Relaxed) => DEFAULT_POLL_INTERVAL,
            None => DEFAULT_POLL_INTERVAL_WITHOUT_NOTIFY,
        }
    }

    fn in_flight(&self) -> MutexGuard<'_, HashMap<Lease, InFlight>> {
        // A panic while holding this lock cannot leave the map half-updated (single insert or
        // remove), so a poisoned lock is still usable.
        self.in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Leases of every job this worker holds: running, or claimed and waiting in a buffer.
    pub(crate) fn running_leases(&self) -> Vec<Lease> {
        let mut leases: Vec<Lease> = self.in_flight().keys().copied().collect();
        for q in &self.queues {
            leases.extend(q.buffer().iter().map(ClaimedJob::lease));
        }
        leases
    }

    /// Empties every prefetch buffer (shutdown: these jobs never started).
    pub(crate) fn take_buffered(&self) -> Vec<Lease> {
        // Taken under the in-flight lock, which executors hold while they move a job from a
        // buffer to in flight.
        let _in_flight = self.in_flight();
        self.queues
            .iter()
            .flat_map(|q| q.buffer().drain(..).map(|j| j.lease()).collect::<Vec<_>>())
            .collect()
    }

    /// Counts a write that lost a deadlock and will be retried, and says so in the logs with
    /// the running total (sorted batches make this rare; a growing count is worth a look).
    pub(crate) fn count_if_deadlock(&self, error: &crate::Error) {
        if !error.is_deadlock() {
            return;
        }
        let total = self.deadlock_retries.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::warn!(%error, deadlock_retries = total, "tranq: a write lost a deadlock; retrying");
    }

    /// The next buffered job of `queue` whose lease is surely still this worker's. A job whose
    /// lease may have run out while it waited (the worker stalled: a blocked runtime, a
    /// stopped process, heartbeats cut off) is dropped, not run: another worker may have
    /// rescued and claimed it meanwhile. The rescuer gives it back, never started.
    pub(crate) fn pop_runnable(&self, queue: &QueueSlots) -> Option<ClaimedJob> {
        loop {
            let job = queue.pop_buffered()?;
            let renewed = self.leases_renewed_at();
            let since = renewed.map_or(job.claimed_at, |at| at.max(job.claimed_at));
            if since.elapsed() < self.config.lease {
                return Some(job);
            }
            tracing::warn!(
                job.id = job.id.0,
                waited_ms = log_fields::ms(job.claimed_at.elapsed()),
                "tranq: a job claimed ahead waited past its lease (the worker stalled); not run, left to the rescuer"
            );
        }
    }

    /// When the last heartbeat that renewed every lease this worker held was sent.
    pub(crate) fn leases_renewed_at(&self) -> Option<Instant> {
        *self
            .leases_renewed_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn set_leases_renewed_at(&self, at: Instant) {
        *self
            .leases_renewed_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(at);
    }

    /// Removes a claimed-ahead job whose lease was lost from the buffers; true when it was one.
    pub(crate) fn drop_buffered(&self, lease: &Lease) -> bool {
        self.queues.iter().any(|q| {
            let mut buffer = q.buffer();
            let before = buffer.len();
            buffer.retain(|j| j.lease() != *lease);
            buffer.len() < before
        })
    }

    /// Tells the attempt holding `lease`, if it still runs here, that its lease was lost; true
    /// when it was running.
    pub(crate) fn call_off(&self, lease: &Lease) -> bool {
        match self.in_flight().get(lease) {
            Some(attempt) => {
                attempt.call_off.token.cancel();
                true
            }
            None => false,
        }
    }

    /// Asks every attempt of job `id` running here to stop, the job to end cancelled; true when
    /// one was running.
    pub(crate) fn request_cancel(&self, id: JobId) -> bool {
        let in_flight = self.in_flight();
        let mut found = false;
        for attempt in in_flight
            .iter()
            .filter(|(lease, _)| lease.id == id)
            .map(|(_, attempt)| attempt)
        {
            attempt
                .call_off
                .cancel_requested
                .store(true, Ordering::SeqCst);
            attempt.call_off.token.cancel();
            found = true;
        }
        found
    }

    /// Ids of the jobs running here (not those claimed ahead).
    pub(crate) fn in_flight_ids(&self) -> Vec<JobId> {
        self.in_flight().keys().map(|lease| lease.id).collect()
    }

    pub(crate) fn queue(&self, name: &str) -> Option<&Arc<QueueSlots>> {
        self.queues.iter().find(|q| q.name == name)
    }

    /// Wakes every fetcher (after a reconnect, notifications may have been missed).
    pub(crate) fn wake_all(&self) {
        for q in &self.queues {
            q.wake.notify_one();
        }
    }
}

impl Worker {
    /// Starts building a worker over `store`.
    pub fn builder(store: impl Store) -> WorkerBuilder {
        WorkerBuilder::new(Arc::new(store))
    }

    /// Runs until `signal` resolves, then shuts down gracefully: stops fetching, waits up to the
    /// grace period for running jobs, releases the rest at once, stores every outcome.
    ///
    /// Dropping the returned future (a `select!` branch that lost, a `timeout`) shuts the worker
    /// down the same way, in the background on the current runtime: nothing keeps claiming.
    ///
    /// Returns an error at start when the schema is missing.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send) -> Result<()> {
        let shared = self.shared;
        maintenance_first_check(&shared).await?;
        let (reports, completer) = completer::spawn(shared.clone());
        let background = vec![
            tokio::spawn(heartbeat::run(shared.clone())),
            tokio::spawn(notifier::run(shared.clone())),
        ];
        let maintenance = tokio::spawn(crate::maintenance::run(shared.clone()));
        let fetchers: Vec<_> = shared
            .queues
            .iter()
            .map(|q| tokio::spawn(fetcher::run(shared.clone(), q.clone(), reports.clone())))
            .collect();
        drop(reports);
        // From here on, dropping this future stops the worker gracefully in the background.
        let running = running::Running::new(
            shared.clone(),
            running::Services {
                fetchers,
                completer,
                maintenance,
                background,
            },
        );
        tracing::info!(worker = %shared.config.worker_id, queues = ?shared.config.queue_names(), tasks = ?shared.task_names, "tranq worker started");

        signal.await;
        running.stop().await;
        Ok(())
    }

    /// How long graceful shutdown waits for running jobs.
    pub fn grace_period(&self) -> Duration {
        self.shared.config.grace_period
    }
}

/// Fails fast on a missing schema and reports jobs of unknown tasks once at start.
async fn maintenance_first_check(shared: &Shared) -> Result<()> {
    match crate::maintenance::report_unknown_tasks(shared).await {
        // Any database error may be an outage that ends; a missing schema does not.
        Err(e) if !matches!(e, crate::Error::Database { .. }) => Err(e),
        Err(e) => {
            tracing::warn!(error = %e, "tranq: database unreachable at start; will keep trying");
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

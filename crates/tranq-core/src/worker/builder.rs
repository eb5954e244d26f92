//! [`WorkerBuilder`]: settings in, checked [`Worker`] out.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{Backoff, QueueSlots, Shared, Worker, WorkerConfig};
use crate::error::{Error, Result};
use crate::periodic::{Periodic, PeriodicJob};
use crate::registry::Registry;
use crate::state::States;
use crate::store::Store;
use crate::task::Task;

/// Builds a [`Worker`]; start with [`Worker::builder`].
#[must_use]
pub struct WorkerBuilder {
    store: Arc<dyn Store>,
    config: WorkerConfig,
    registry: Option<Registry>,
    states: States,
    /// Periodic jobs given with [`periodic`](Self::periodic), checked by `build`.
    periodic: Vec<Result<PeriodicJob>>,
}

impl std::fmt::Debug for WorkerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerBuilder")
            .field("dialect", &self.store.dialect())
            .field("config", &self.config)
            .field("registry", &self.registry.as_ref().map(Registry::names))
            .field("states", &self.states)
            .field("periodic", &self.periodic.len())
            .finish()
    }
}

impl WorkerBuilder {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        WorkerBuilder {
            store,
            config: WorkerConfig::default(),
            registry: None,
            states: States::default(),
            periodic: Vec::new(),
        }
    }
    /// Shared state for the tasks (a pool, an HTTP client, config): each task that takes a
    /// [`State<T>`](crate::State) parameter gets a clone of the value of type `T`, and any task can
    /// read it with [`TaskContext::state`](crate::TaskContext::state). One value per type; a
    /// second of the same type replaces the first. [`build`](Self::build) fails when a task of
    /// one of the worker's queues takes a state it was not given.
    ///
    /// ```no_run
    /// # async fn demo(store: impl tranq_core::Store + 'static) -> tranq_core::Result<()> {
    /// #[derive(Clone)]
    /// struct App {
    ///     mailer_url: String,
    /// }
    ///
    /// let worker = tranq_core::Worker::builder(store)
    ///     .queue("default", 8)
    ///     .state(App { mailer_url: "https://mail.example".into() })
    ///     .build()?;
    /// # let _ = worker; Ok(()) }
    /// ```
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, state: T) -> Self {
        self.states.insert(state);
        self
    }
    /// Runs jobs of `queue`, at most `concurrency` at a time.
    pub fn queue(mut self, queue: impl Into<String>, concurrency: u32) -> Self {
        self.config.queues.push((queue.into(), concurrency));
        self
    }
    /// Lease length (default 30 s); heartbeats renew it every third of it.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.config.lease = lease;
        self
    }
    /// How often an idle queue polls when no notification arrives (default 1 s while the
    /// database pushes notifications, 100 ms when it cannot). Where it cannot, this is the
    /// longest gap of an adaptive poll that asks every millisecond right after the queue had
    /// work and a tenth of the time it has been idle after that.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.config.poll_interval = Some(interval);
        self
    }
    /// How long shutdown waits for running jobs before releasing them (default 30 s).
    pub fn grace_period(mut self, grace: Duration) -> Self {
        self.config.grace_period = grace;
        self
    }
    /// How often expired leases are rescued (default 5 s).
    pub fn rescue_interval(mut self, interval: Duration) -> Self {
        self.config.rescue_interval = interval;
        self
    }
    /// Wait between failed attempts (default 1 s doubling to 1 h).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.config.backoff = backoff;
        self
    }
    /// Most completions stored per statement (default 500).
    pub fn completion_batch(mut self, size: usize) -> Self {
        self.config.completion_batch = size;
        self
    }
    /// Jobs claimed ahead of free slots into a local buffer, so that a slot freed by a
    /// finished job is refilled without a round trip to the database. Buffered jobs are leased
    /// like running ones (heartbeats renew them, shutdown releases them at once).
    ///
    /// By default the buffer adapts: it starts at the queue's concurrency and doubles, up to
    /// [`DEFAULT_MAX_PREFETCH`](crate::DEFAULT_MAX_PREFETCH), whenever the jobs ran out before a
    /// claim came back (fast jobs on a busy queue); it returns to the concurrency when the queue
    /// runs dry, so slow jobs are never hoarded away from other workers. `prefetch(n)` fixes it
    /// at `n`; 0 claims only as many jobs as there are free slots.
    pub fn prefetch(mut self, jobs: u32) -> Self {
        self.config.prefetch = Some(jobs);
        self
    }
    /// Deletes a job's row as soon as it completes instead of keeping it as `completed`
    /// (default: keep). Failed, discarded and cancelled jobs are always kept. Deleting keeps the
    /// table and its indexes small under heavy load, at the cost of the completed history.
    pub fn delete_completed(mut self, delete: bool) -> Self {
        self.config.delete_completed = delete;
        self
    }
    /// How long finished jobs (completed, discarded, cancelled) are kept before the leader's
    /// pruner deletes them (default 24 h). `Duration::MAX` keeps them forever.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.config.retention = retention;
        self
    }
    /// How often the leader prunes finished jobs (default 60 s).
    pub fn prune_interval(mut self, interval: Duration) -> Self {
        self.config.prune_interval = interval;
        self
    }
    /// Has the leader sample every queue's jobs by state this often into the
    /// `tranq_queue_jobs{queue, state}` gauges of the `metrics` facade (off by default: each
    /// sample reads the whole jobs table; every 15 to 60 s suits most). See the book's
    /// operations chapter, "Metrics".
    pub fn queue_depth_interval(mut self, interval: Duration) -> Self {
        self.config.queue_depth_interval = Some(interval);
        self
    }
    /// How long the leader lease lasts unless renewed (default 15 s). One worker at a time holds
    /// it and runs the leader-only maintenance; it renews the lease every third of it, and
    /// resigns at shutdown so that another worker takes over at once.
    pub fn leader_lease(mut self, ttl: Duration) -> Self {
        self.config.leader_ttl = ttl;
        self
    }
    /// Name recorded as lease owner (default: host name and a random suffix).
    pub fn worker_id(mut self, id: impl Into<String>) -> Self {
        self.config.worker_id = id.into();
        self
    }
    /// At most `max_running` jobs of `queue` run at once across every worker process (a
    /// quota at a partner's API, a database that takes N connections), enforced in the claim:
    /// workers serving the queue claim one after another under a lock of the queue, and claim
    /// no more than the difference between the limit and the jobs of the queue running
    /// anywhere. A queue with any limit prefetches nothing. Give every worker serving the queue
    /// the same limits.
    pub fn global_concurrency(mut self, queue: impl Into<String>, max_running: u32) -> Self {
        self.config.limits_mut(queue.into()).max_running = Some(max_running);
        self
    }

    /// At most `max_running` jobs of `queue` with the same concurrency key run at once across
    /// every worker process: one customer's burst cannot take every slot. A job's key is set
    /// at enqueue, derived from its arguments (`#[task(concurrency_key = [customer_id])]`) or
    /// given per call ([`JobBuilder::concurrency_key`](crate::JobBuilder::concurrency_key));
    /// jobs without a key are not limited by it. Enforced in the claim like
    /// [`global_concurrency`](Self::global_concurrency), which it combines with.
    ///
    /// ```
    /// # fn demo(store: impl tranq_core::Store) -> tranq_core::Result<()> {
    /// use std::time::Duration;
    ///
    /// let worker = tranq_core::Worker::builder(store)
    ///     .queue("webhooks", 16)
    ///     .concurrency_per_key("webhooks", 2) // two at a time per customer
    ///     .rate_limit("webhooks", 100, Duration::from_secs(1)) // 100 starts a second in all
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn concurrency_per_key(mut self, queue: impl Into<String>, max_running: u32) -> Self {
        self.config.limits_mut(queue.into()).max_running_per_key = Some(max_running);
        self
    }

    /// At most `allowed` jobs of `queue` start in any window of `period` (a sliding window),
    /// counting every worker process: for an API that allows 100 calls a minute. Enforced in
    /// the claim: each claim of the queue is recorded (`tranq_queue_starts`) and counted under
    /// the queue's lock. A job counts when claimed, whether it then succeeds or not; a worker
    /// whose claim the limit holds back asks again within 50 ms.
    pub fn rate_limit(mut self, queue: impl Into<String>, allowed: u32, period: Duration) -> Self {
        self.config.limits_mut(queue.into()).rate =
            Some(crate::store::RateLimit { allowed, period });
        self
    }

    /// Enqueues task `T` with `args` on a schedule: `SendReport::every(Duration::from_secs(300))`
    /// or `SendReport::cron("0 0 9 * * *")?`. Only the worker holding the leader lease enqueues
    /// it, once per tick (each tick is a unique job); ticks missed while no worker led are not
    /// made up for. Give every worker the same periodic jobs, so that whichever leads runs them.
    /// Tasks declared with `#[task(cron = "...")]` need no call here.
    ///
    /// ```no_run
    /// # async fn demo(store: impl tranq_core::Store) -> tranq_core::Result<()> {
    /// # #[derive(serde::Serialize, serde::Deserialize)] struct Report { team: String }
    /// # struct SendReport;
    /// # impl tranq_core::Task for SendReport {
    /// #     type Args = Report;
    /// #     const NAME: &'static str = "send_report_doc";
    /// #     fn run(_: tranq_core::TaskContext, _: Report)
    /// #         -> futures::future::BoxFuture<'static, tranq_core::TaskResult> {
    /// #         Box::pin(async { Ok(None) })
    /// #     }
    /// # }
    /// use std::time::Duration;
    /// use tranq_core::{Enqueue, Worker};
    ///
    /// let worker = Worker::builder(store)
    ///     .queue("default", 4)
    ///     .periodic(SendReport::every(Duration::from_secs(300)), Report { team: "ops".into() })
    ///     .build()?;
    /// # let _ = worker; Ok(()) }
    /// ```
    pub fn periodic<T: Task>(mut self, periodic: Periodic<T>, args: T::Args) -> Self {
        self.periodic.push(periodic.job(&args));
        self
    }

    /// The store the worker will run on, for extensions that add a service of their own (the
    /// outbox relay). Not public API.
    #[doc(hidden)]
    pub fn store_handle(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }

    /// Runs only these tasks instead of every `#[task]` linked into the binary.
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Checks the settings and the task registry (two tasks with one name is an error).
    pub fn build(self) -> Result<Worker> {
        self.config.validate()?;
        let registry = match self.registry {
            Some(r) => r,
            None => Registry::from_inventory()?,
        };
        let served: Vec<&str> = self.config.queues.iter().map(|(q, _)| q.as_str()).collect();
        let states = &self.states;
        if let Some((task, state)) = registry
            .missing_states(&served, |ty| states.has(ty))
            .first()
        {
            return Err(Error::MissingState {
                task,
                state: state.name(),
            });
        }
        let mut periodic = registry.periodic_jobs()?;
        for job in self.periodic {
            periodic.push(job?);
        }
        let task_names = registry.names();
        if task_names.is_empty() {
            tracing::warn!(
                "tranq: no #[task] is linked into this binary: name the crate that defines your tasks \
                 somewhere in the worker binary (e.g. `use my_tasks as _;`)"
            );
        }
        for (queue, _) in &self.config.queues {
            if !registry.has_task_defaulting_to(queue) {
                tracing::warn!(queue = %queue, "tranq: no registered task defaults to this queue");
            }
        }
        let queues = self
            .config
            .queues
            .iter()
            .map(|(name, concurrency)| {
                Arc::new(QueueSlots {
                    name: name.clone(),
                    slots: Arc::new(Semaphore::new(*concurrency as usize)),
                    wake: Notify::new(),
                    local_enqueue: crate::local_wake::listen(name),
                    slot_freed: Notify::new(),
                    buffer: Mutex::new(VecDeque::new()),
                    prefetch: AtomicUsize::new(self.config.prefetch_range(*concurrency).0),
                    prefetch_min: self.config.prefetch_range(*concurrency).0,
                    prefetch_max: self.config.prefetch_range(*concurrency).1,
                    metrics: Default::default(),
                })
            })
            .collect();
        let shutdown = CancellationToken::new();
        Ok(Worker {
            shared: Arc::new(Shared {
                store: self.store,
                registry,
                task_names,
                states: self.states,
                config: self.config,
                queues,
                in_flight: Mutex::default(),
                stopped: CancellationToken::new(),
                shutdown,
                tracker: TaskTracker::new(),
                listening: AtomicBool::new(false),
                deadlock_retries: AtomicU64::new(0),
                leases_renewed_at: Mutex::new(None),
                periodic,
            }),
        })
    }
}

//! [`TestWorker`]: runs jobs inline, in the test's own task, through the worker's claim and
//! completion queries.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::{DrainReport, Failure, TestingError};
use crate::error::Error;
use crate::job::{ClaimedJob, JobId, JobInfo};
use crate::registry::Registry;
use crate::state::States;
use crate::store::{Backend, ClaimParams, SqlStore, Store};
use crate::worker::{Around, Backoff, DEFAULT_LEASE, Outcome, Report, attempt, decide};

/// Most attempts one [`TestWorker::drain`] runs before it gives up.
pub const DEFAULT_DRAIN_LIMIT: usize = 1000;

/// Runs jobs one at a time, inline in the test, as a worker would: claimed with a lease, the
/// handler run with its timeout and its panics caught, the outcome stored under the lease.
/// Start one with [`TestWorker::new`]; the free functions [`drain`](super::drain) and
/// [`run_job`](super::run_job) are its defaults.
///
/// - Tasks: every `#[task]` linked into the test binary, or [`registry`](Self::registry).
/// - State: [`state`](Self::state), as [`WorkerBuilder::state`](crate::WorkerBuilder::state).
///   A job whose task takes a state the test worker was not given is not run: the call fails
///   with [`Error::MissingState`](crate::Error::MissingState) and the job is given back.
/// - Retries: a failed attempt leaves its job retryable after the [`backoff`](Self::backoff),
///   by default a minute, so a drain does not run it again. Give it
///   `Backoff::exponential(Duration::ZERO, Duration::ZERO)` to run a failing job through all
///   its attempts in one drain.
///
/// ```
/// # #[cfg(any())] // see the facade's `tranq::testing` for a runnable example
/// # async fn demo<B: tranq_core::Backend>(store: tranq_core::SqlStore<B>) -> Result<(), tranq_core::testing::TestingError> {
/// use tranq_core::testing::TestWorker;
///
/// let report = TestWorker::new(&store).state(42_u32).drain().await?;
/// assert!(report.failed.is_empty(), "{:?}", report.failed);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TestWorker<B> {
    store: SqlStore<B>,
    registry: Option<Registry>,
    states: States,
    queues: Vec<String>,
    backoff: Backoff,
    lease: Duration,
    limit: usize,
}

impl<B: Backend + Clone> TestWorker<B> {
    /// A test worker over `store` (a clone of it: the store is a pool handle).
    pub fn new(store: &SqlStore<B>) -> Self {
        TestWorker {
            store: store.clone(),
            registry: None,
            states: States::default(),
            queues: Vec::new(),
            backoff: Backoff::exponential(Duration::from_secs(60), Duration::from_secs(3600)),
            lease: DEFAULT_LEASE,
            limit: DEFAULT_DRAIN_LIMIT,
        }
    }
}

impl<B: Backend> TestWorker<B> {
    /// Shared state for the tasks, as [`WorkerBuilder::state`](crate::WorkerBuilder::state).
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, state: T) -> Self {
        self.states.insert(state);
        self
    }

    /// Drains only this queue (call again for more); by default every queue with jobs due.
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queues.push(queue.into());
        self
    }

    /// Runs only these tasks instead of every `#[task]` linked into the test binary.
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// The wait after a failed attempt (default: one minute doubling to an hour, so that a
    /// drain leaves a failed job retryable instead of running it again).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Most attempts one [`drain`](Self::drain) runs (default [`DEFAULT_DRAIN_LIMIT`]).
    pub fn limit(mut self, attempts: usize) -> Self {
        self.limit = attempts;
        self
    }

    fn registry_now(&self) -> Result<Registry, TestingError> {
        match &self.registry {
            Some(registry) => Ok(registry.clone()),
            None => Ok(Registry::from_inventory()?),
        }
    }

    /// Runs every job that is due, one after another, until none is left: jobs enqueued by
    /// the jobs it runs too (when due), and failed jobs again once their backoff has passed.
    /// Only jobs of registered tasks run; others are left as they are. Stops with
    /// [`TestingError::DrainLimit`] after [`limit`](Self::limit) attempts.
    pub async fn drain(&self) -> Result<DrainReport, TestingError> {
        let registry = self.registry_now()?;
        let tasks = registry.names();
        let mut report = DrainReport::default();
        loop {
            let Some(job) = self.claim_next(&tasks).await? else {
                return Ok(report);
            };
            if report.ran >= self.limit {
                self.give_back(&job).await?;
                return Err(TestingError::DrainLimit {
                    report: Box::new(report),
                });
            }
            self.run_claimed(&registry, job, &mut report).await?;
        }
    }

    /// Claims job `id` and runs one attempt of it, due or not (a scheduled or retryable job
    /// runs now); returns the job as it is afterwards. [`TestingError::NotRunnable`] when it is
    /// running or finished, [`Error::NoSuchJob`](crate::Error::NoSuchJob) when there is none.
    pub async fn run_job(&self, id: JobId) -> Result<JobInfo, TestingError> {
        let registry = self.registry_now()?;
        let job = self.job(id).await?;
        if registry.get(&job.task).is_none() {
            return Err(TestingError::UnknownTask { id, task: job.task });
        }
        let claimed = self
            .store
            .job_claim_id(id, &worker_id(), self.lease)
            .await?;
        let Some(claimed) = claimed else {
            let state = self.job(id).await?.state;
            return Err(TestingError::NotRunnable { id, state });
        };
        self.run_claimed(&registry, claimed, &mut DrainReport::default())
            .await?;
        self.job(id).await
    }

    async fn job(&self, id: JobId) -> Result<JobInfo, TestingError> {
        match self.store.job_get(id).await? {
            Some(job) => Ok(job),
            None => Err(Error::NoSuchJob { id: id.0 }.into()),
        }
    }

    /// Claims the next due job of the queues drained.
    async fn claim_next(&self, tasks: &[&str]) -> Result<Option<ClaimedJob>, TestingError> {
        let queues = if self.queues.is_empty() {
            let mut queues: Vec<String> = self
                .store
                .queue_stats()
                .await?
                .into_iter()
                .filter(|q| q.available > q.scheduled || q.retryable > 0)
                .map(|q| q.queue)
                .collect();
            queues.sort();
            queues
        } else {
            self.queues.clone()
        };
        let worker_id = worker_id();
        for queue in &queues {
            let params = ClaimParams {
                queue,
                tasks,
                limit: 1,
                worker_id: &worker_id,
                lease: self.lease,
            };
            if let Some(job) = self.store.job_claim(&params).await?.pop() {
                return Ok(Some(job));
            }
        }
        Ok(None)
    }

    /// Puts a claimed job back untouched, its attempt given back.
    async fn give_back(&self, job: &ClaimedJob) -> Result<(), TestingError> {
        self.store.job_release_many(&[job.lease()]).await?;
        Ok(())
    }

    /// Runs one claimed attempt and stores its outcome, as the worker's executor and completer
    /// do; adds it to `report`.
    async fn run_claimed(
        &self,
        registry: &Registry,
        job: ClaimedJob,
        report: &mut DrainReport,
    ) -> Result<(), TestingError> {
        let lacking = registry.get(&job.task).and_then(|r| {
            r.state()
                .filter(|ty| !self.states.has(*ty))
                .map(|ty| (r, ty))
        });
        if let Some((registration, ty)) = lacking {
            self.give_back(&job).await?;
            return Err(Error::MissingState {
                task: registration.name(),
                state: ty.name(),
            }
            .into());
        }
        self.store.job_mark_started(&[job.lease()]).await?;
        let started = Instant::now();
        let around = Around {
            registry,
            states: &self.states,
            shutdown: CancellationToken::new(),
            called_off: CancellationToken::new(),
            completed_in_txn: Arc::new(AtomicBool::new(false)),
        };
        let completed_in_txn = around.completed_in_txn.clone();
        let outcome = attempt(&job, around).await;
        let outcome = match outcome {
            Outcome::Completed(_) if completed_in_txn.load(std::sync::atomic::Ordering::SeqCst) => {
                Outcome::CompletedInTransaction
            }
            outcome => outcome,
        };
        report.ran += 1;
        report.jobs.push(job.id);
        match decide(&job, outcome, &self.backoff, started.elapsed()) {
            Report::Complete { completion, .. } => {
                let stored = self.store.job_complete_many(&[completion]).await?;
                if stored.is_empty() {
                    return Err(Error::LeaseLost { id: job.id.0 }.into());
                }
                report.completed += 1;
            }
            Report::StoredByTask => report.completed += 1,
            Report::Fail { params, .. } => {
                if !self.store.job_fail(&params).await? {
                    return Err(Error::LeaseLost { id: job.id.0 }.into());
                }
                match params.error {
                    Some(error) if !params.give_back_attempt => report.failed.push(Failure {
                        id: job.id,
                        task: job.task.clone(),
                        error,
                        state: params.next_state,
                    }),
                    _ => report.snoozed += 1,
                }
            }
            Report::Started { .. } => {}
        }
        Ok(())
    }
}

/// The lease owner recorded by test workers.
fn worker_id() -> String {
    format!("tranq-test-{}", std::process::id())
}

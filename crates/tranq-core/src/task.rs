//! What a task is: the [`Task`] trait the `#[task]` macro implements, its options and context.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use serde::{Serialize, de::DeserializeOwned};
use tokio_util::sync::CancellationToken;

use crate::job::{JobId, Lease};
use crate::new_job::Executor;
use crate::task_error::TaskError;

/// What a task run produced: the JSON of its return value (`None` for `()`), or why it failed.
pub type TaskResult = Result<Option<serde_json::Value>, TaskError>;

/// A kind of job: a name, an argument type and the code that runs it.
///
/// Written by `#[tranq::task]`; implement it by hand only when a macro does not fit.
///
/// ```
/// use futures::future::BoxFuture;
/// use tranq_core::{Task, TaskContext, TaskOptions, TaskResult};
///
/// struct Ping;
/// impl Task for Ping {
///     type Args = String;
///     const NAME: &'static str = "ping";
///     const OPTIONS: TaskOptions = TaskOptions::new().queue("pings").max_attempts(3);
///     fn run(_ctx: TaskContext, args: String) -> BoxFuture<'static, TaskResult> {
///         Box::pin(async move { Ok(Some(serde_json::json!(args))) })
///     }
/// }
/// assert_eq!(Ping::OPTIONS.queue_name(), "pings");
/// ```
pub trait Task: Send + Sync + 'static {
    /// The arguments, stored as JSON in the job row.
    type Args: Serialize + DeserializeOwned + Send + 'static;
    /// The name stored in the job row; unique across the binary.
    const NAME: &'static str;
    /// Defaults for jobs of this task (queue, attempts, priority, timeout).
    const OPTIONS: TaskOptions = TaskOptions::new();
    /// The shared state the task takes (a `State<T>` parameter under `#[task]`), if any: a
    /// worker is built only when it has one (see [`WorkerBuilder::state`](crate::WorkerBuilder::state)).
    const STATE: Option<crate::StateType> = None;

    /// The cron schedule and time zone of `#[task(cron = "...", timezone = "...")]`: the leader
    /// enqueues the task with [`cron_args`](Self::cron_args) at each tick. None by default.
    const CRON: Option<(&'static str, &'static str)> = None;

    /// The arguments of the jobs [`CRON`](Self::CRON) enqueues (`Default::default()` under
    /// `#[task(cron)]`). None by default.
    fn cron_args() -> Option<Self::Args> {
        None
    }

    /// The unique key of a job with these arguments, if the task declares one
    /// (`#[task(unique = [field, ...])]`; see
    /// [`JobBuilder::unique_key`](crate::JobBuilder::unique_key)). None by default.
    fn unique_key(args: &Self::Args) -> Option<String> {
        let _ = args;
        None
    }

    /// The concurrency key of a job with these arguments, if the task declares one
    /// (`#[task(concurrency_key = [field, ...])]`; see
    /// [`JobBuilder::concurrency_key`](crate::JobBuilder::concurrency_key)). None by default.
    fn concurrency_key(args: &Self::Args) -> Option<String> {
        let _ = args;
        None
    }

    /// Runs one attempt.
    fn run(ctx: TaskContext, args: Self::Args) -> BoxFuture<'static, TaskResult>;
}

/// Default queue of a task that names none.
pub const DEFAULT_QUEUE: &str = "default";
/// Default number of attempts before a failing job is discarded.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 25;

/// Per-task defaults, set with `#[task(queue = "...", max_attempts = 5, priority = 1, timeout = "30s")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskOptions {
    queue: &'static str,
    max_attempts: u32,
    priority: i16,
    timeout: Option<Duration>,
}

impl TaskOptions {
    /// Queue `default`, 25 attempts, priority 0, no timeout.
    pub const fn new() -> Self {
        TaskOptions {
            queue: DEFAULT_QUEUE,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            priority: 0,
            timeout: None,
        }
    }
    /// The queue jobs go to unless the enqueue call says otherwise.
    pub const fn queue(mut self, queue: &'static str) -> Self {
        self.queue = queue;
        self
    }
    /// How many attempts a job gets before it is discarded.
    pub const fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }
    /// Lower runs first; 0 is the default.
    pub const fn priority(mut self, priority: i16) -> Self {
        self.priority = priority;
        self
    }
    /// An attempt that runs longer than this fails (and is retried).
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// The default queue.
    pub const fn queue_name(&self) -> &'static str {
        self.queue
    }
    /// The default number of attempts.
    pub const fn attempts(&self) -> u32 {
        self.max_attempts
    }
    /// The default priority.
    pub const fn default_priority(&self) -> i16 {
        self.priority
    }
    /// The per-attempt timeout, if any.
    pub const fn time_limit(&self) -> Option<Duration> {
        self.timeout
    }
}

impl Default for TaskOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// What a running task knows about its job.
#[derive(Debug, Clone)]
pub struct TaskContext {
    pub(crate) id: JobId,
    pub(crate) task: String,
    pub(crate) queue: String,
    pub(crate) attempt: u32,
    pub(crate) max_attempts: u32,
    pub(crate) lease_token: i64,
    pub(crate) shutdown: CancellationToken,
    /// Cancelled when this attempt is called off (its lease was lost).
    pub(crate) called_off: CancellationToken,
    /// The worker's shared state, one value per type.
    pub(crate) states: crate::state::States,
    /// Set by [`complete_in`](Self::complete_in): the worker then leaves the completion to the
    /// handler's transaction.
    pub(crate) completed_in_txn: Arc<AtomicBool>,
}

impl TaskContext {
    /// A context for calling a task function directly in a unit test.
    ///
    /// ```
    /// let ctx = tranq_core::TaskContext::for_test(1);
    /// assert_eq!(ctx.attempt(), 1);
    /// ```
    pub fn for_test(attempt: u32) -> Self {
        TaskContext {
            id: JobId(0),
            task: "test".into(),
            queue: DEFAULT_QUEUE.into(),
            attempt,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            lease_token: 0,
            shutdown: CancellationToken::new(),
            called_off: CancellationToken::new(),
            states: crate::state::States::default(),
            completed_in_txn: Arc::default(),
        }
    }

    /// The same context for the attempt of job `id` holding lease `token`, for tests that run a
    /// handler by hand against a job they claimed. Not public API.
    #[doc(hidden)]
    pub fn with_lease(mut self, id: JobId, token: i64) -> Self {
        self.id = id;
        self.lease_token = token;
        self
    }

    /// This context with `state` as the worker's state of its type, for unit tests of tasks that
    /// read it with [`state`](Self::state).
    ///
    /// ```
    /// let ctx = tranq_core::TaskContext::for_test(1).with_state(42_u32);
    /// assert_eq!(ctx.state::<u32>(), Some(42));
    /// ```
    pub fn with_state<T: Clone + Send + Sync + 'static>(mut self, state: T) -> Self {
        self.states.insert(state);
        self
    }

    /// A clone of the worker's state of type `T` (given with
    /// [`WorkerBuilder::state`](crate::WorkerBuilder::state)), or `None` when it has none. A
    /// `#[task]` fn can take it as a `State<T>` parameter instead, which the worker checks when
    /// it is built.
    pub fn state<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.states.get::<T>()
    }
    /// The job's id.
    pub fn job_id(&self) -> JobId {
        self.id
    }
    /// The task name stored in the row.
    pub fn task_name(&self) -> &str {
        &self.task
    }
    /// The queue the job was claimed from.
    pub fn queue(&self) -> &str {
        &self.queue
    }
    /// This attempt's number, starting at 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// Attempts allowed in all.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    /// The fencing token of this attempt's claim: every claim of the job gets a larger one (never
    /// one handed out before, even across a database crash), and the job's outcome is stored
    /// only while it is current. Pass it along with the job id to
    /// systems that should reject writes from a runner whose lease has expired.
    pub fn lease_token(&self) -> i64 {
        self.lease_token
    }
    /// True once the worker has been asked to shut down: long tasks may stop early and return
    /// [`TaskError::snooze`] to be picked up again.
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }
    /// Resolves when the worker is asked to shut down.
    pub async fn shutdown_requested(&self) {
        self.shutdown.cancelled().await
    }
    /// True once this attempt has been called off: its lease was lost (the worker could not
    /// renew it in time, and the job may already be running again elsewhere; its outcome will
    /// not be stored), or the job was asked to cancel (`store.cancel(id)`: a failure now ends the
    /// job cancelled). Stop side effects and return.
    pub fn is_cancelled(&self) -> bool {
        self.called_off.is_cancelled()
    }
    /// Resolves when this attempt is called off (see [`is_cancelled`](Self::is_cancelled)).
    ///
    /// ```
    /// # async fn demo() {
    /// use std::time::Duration;
    /// use tranq_core::{TaskContext, TaskError};
    ///
    /// async fn long_work(ctx: TaskContext) -> Result<(), TaskError> {
    ///     tokio::select! {
    ///         _ = tokio::time::sleep(Duration::from_secs(600)) => Ok(()),
    ///         _ = ctx.cancelled() => Err(TaskError::retry("called off: lease lost")),
    ///     }
    /// }
    /// # let _ = long_work(TaskContext::for_test(1));
    /// # }
    /// ```
    pub async fn cancelled(&self) {
        self.called_off.cancelled().await
    }

    /// Completes this job inside `conn`'s transaction, so that the completion commits with the
    /// handler's own writes or not at all: for database effects that must happen exactly once.
    /// `conn` is what [`Executor`] takes, as for `enqueue_in`: `&txn` on SeaORM, the `conn` of
    /// `conn.transaction(|conn| ...)` on Diesel and diesel-async (pass `&mut *conn` to use it
    /// again).
    ///
    /// Fenced by the attempt's lease token: when this attempt no longer holds the job (its lease
    /// expired and the job was taken back, perhaps run by another worker), it fails with
    /// [`Error::LeaseLost`](crate::Error::LeaseLost) and writes nothing; the transaction must
    /// then roll back. Call it last, just before the commit: from then on the job's row is
    /// locked until the transaction ends. Once it is called, the worker does not complete the
    /// job itself (the value the handler returns is not stored); if the transaction rolls back
    /// and the handler still returns `Ok`, the job stays running until its lease expires, and
    /// is then retried.
    pub fn complete_in<C, Via>(&self, conn: C) -> C::Output<()>
    where
        C: Executor<Via>,
    {
        self.completed_in_txn.store(true, Ordering::SeqCst);
        conn.complete(Lease {
            id: self.id,
            token: self.lease_token,
        })
    }
}

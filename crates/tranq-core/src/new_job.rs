//! Building jobs to insert: the options builder and the one insert query shared by every adapter.

use std::marker::PhantomData;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::insert::Enqueued;
use crate::job::JobId;
use crate::nul_char::{NUL, json_text_has_nul};
use crate::task::Task;

/// Largest serialized arguments accepted by default: 1 MiB. Change per call with
/// [`JobBuilder::max_payload_bytes`].
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Longest queue name accepted.
pub const MAX_QUEUE_NAME_LEN: usize = 128;

/// A job ready to insert. Serialized as one element of the insert statement's JSON array;
/// fields at their default (priority 0, no `run_at`, no delay, no tags) are left out, and the
/// statement fills them in: a bulk insert sends and parses a third less JSON.
#[derive(Debug, Clone, Serialize)]
pub struct NewJob {
    queue: String,
    task: &'static str,
    args: Box<serde_json::value::RawValue>,
    #[serde(skip_serializing_if = "is_zero")]
    priority: i16,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_at_us: Option<i64>,
    #[serde(skip_serializing_if = "is_zero")]
    delay_us: i64,
    max_attempts: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_states: Option<u8>,
    /// The `metadata` column: the enqueuing span (see `trace_link.rs`); `{}` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<crate::trace_link::JobMetadata>,
}

fn is_zero<N: Default + PartialEq>(n: &N) -> bool {
    *n == N::default()
}

impl NewJob {
    /// The task's name.
    pub fn task(&self) -> &'static str {
        self.task
    }

    /// The key at most one job of this task may hold at a time, if any.
    pub fn unique_key(&self) -> Option<&str> {
        self.unique_key.as_deref()
    }

    /// The key a per-key concurrency limit counts this job under, if any.
    pub fn concurrency_key(&self) -> Option<&str> {
        self.metadata
            .as_ref()
            .and_then(crate::trace_link::JobMetadata::concurrency_key)
    }

    /// The arguments, as JSON text.
    pub(crate) fn args_json(&self) -> &str {
        self.args.get()
    }

    /// This job as the tick at `at` of a periodic task: runnable then, holding `key` in every
    /// state.
    pub(crate) fn for_tick(mut self, at: SystemTime, key: String) -> NewJob {
        self.run_at_us = Some(
            at.duration_since(UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_micros()).ok())
                .unwrap_or(0),
        );
        self.unique_key = Some(key);
        self.unique_states = Some(crate::unique::EVERY_STATE);
        self
    }

    /// The queue it goes to.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// Whether the job is runnable as soon as it is committed (no delay, no time ahead).
    pub(crate) fn due_at_once(&self) -> bool {
        match self.run_at_us {
            Some(at) => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .ok()
                .and_then(|now| i64::try_from(now.as_micros()).ok())
                .is_none_or(|now| at <= now),
            None => self.delay_us <= 0,
        }
    }
}

#[cfg(test)]
impl NewJob {
    /// A job of task `test` on the default queue with arguments `args_json`.
    pub(crate) fn for_test(args_json: &str) -> NewJob {
        NewJob {
            queue: "default".to_owned(),
            task: "test",
            args: serde_json::value::RawValue::from_string(args_json.to_owned())
                .expect("JSON arguments"),
            priority: 0,
            run_at_us: None,
            delay_us: 0,
            max_attempts: 1,
            tags: Vec::new(),
            unique_key: None,
            unique_states: None,
            metadata: None,
        }
    }

    /// The same job with this unique key over the live states.
    pub(crate) fn with_unique_key(mut self, key: Option<String>) -> NewJob {
        self.unique_states = key.as_ref().map(|_| crate::unique::LIVE);
        self.unique_key = key;
        self
    }

    /// The same job on another queue.
    pub(crate) fn with_queue(mut self, queue: &str) -> NewJob {
        queue.clone_into(&mut self.queue);
        self
    }

    /// The same job, runnable `delay` after its insert.
    pub(crate) fn with_delay(mut self, delay: std::time::Duration) -> NewJob {
        self.run_at_us = None;
        self.delay_us = i64::try_from(delay.as_micros()).unwrap_or(i64::MAX);
        self
    }
}

/// Checks a queue name: 1 to 128 characters of letters, digits, `_`, `-`, `.` and `:`.
///
/// ```
/// assert!(tranq_core::validate_queue("billing").is_ok());
/// assert!(tranq_core::validate_queue("").is_err());
/// ```
pub fn validate_queue(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.len() > MAX_QUEUE_NAME_LEN {
        "it is longer than 128 bytes"
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
    {
        "use only ASCII letters, digits and _ - . :"
    } else {
        return Ok(());
    };
    Err(Error::InvalidQueue {
        name: name.to_owned(),
        reason,
    })
}

/// Options for one enqueue call, starting from the task's defaults: `MyTask::builder()`, then
/// `.enqueue_in(conn, args)` on any connection or transaction of an enabled adapter (see
/// [`Executor`]).
#[must_use = "a builder does nothing until `enqueue_in` is called"]
pub struct JobBuilder<T> {
    queue: Option<String>,
    priority: i16,
    run_at_us: Option<i64>,
    delay: Duration,
    max_attempts: u32,
    tags: Vec<String>,
    max_payload_bytes: usize,
    unique: crate::unique::UniqueOptions,
    concurrency_key: Option<String>,
    _marker: PhantomData<fn() -> T>,
}

impl<T> Clone for JobBuilder<T> {
    fn clone(&self) -> Self {
        JobBuilder {
            queue: self.queue.clone(),
            priority: self.priority,
            run_at_us: self.run_at_us,
            delay: self.delay,
            max_attempts: self.max_attempts,
            tags: self.tags.clone(),
            max_payload_bytes: self.max_payload_bytes,
            unique: self.unique.clone(),
            concurrency_key: self.concurrency_key.clone(),
            _marker: PhantomData,
        }
    }
}

impl<T: Task> std::fmt::Debug for JobBuilder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobBuilder")
            .field("task", &T::NAME)
            .field("queue", &self.queue)
            .field("priority", &self.priority)
            .field("run_at_us", &self.run_at_us)
            .field("delay", &self.delay)
            .field("max_attempts", &self.max_attempts)
            .field("tags", &self.tags)
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("unique", &self.unique)
            .field("concurrency_key", &self.concurrency_key)
            .finish()
    }
}

impl<T: Task> Default for JobBuilder<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Task> JobBuilder<T> {
    /// The task's defaults.
    pub fn new() -> Self {
        JobBuilder {
            queue: None,
            priority: T::OPTIONS.default_priority(),
            run_at_us: None,
            delay: Duration::ZERO,
            max_attempts: T::OPTIONS.attempts(),
            tags: Vec::new(),
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            unique: crate::unique::UniqueOptions::default(),
            concurrency_key: None,
            _marker: PhantomData,
        }
    }
    /// Run no earlier than `delay` after the enqueuing transaction's clock reads now (at most
    /// [`MAX_DELAY`](crate::MAX_DELAY)).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = crate::delay::clamp(delay);
        self.run_at_us = None;
        self
    }
    /// Run no earlier than this time (a time past the year 9999 is stored as the end of 9999).
    pub fn run_at(mut self, at: SystemTime) -> Self {
        let us = match at.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_micros())
                .unwrap_or(i64::MAX)
                .min(crate::delay::MAX_RUN_AT_US),
            Err(_) => 0,
        };
        self.run_at_us = Some(us);
        self
    }
    /// Lower runs first.
    pub fn priority(mut self, priority: i16) -> Self {
        self.priority = priority;
        self
    }
    /// Send to this queue instead of the task's default.
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = Some(queue.into());
        self
    }
    /// Attempts allowed for this job, at least 1 (`build` refuses 0 with
    /// [`Error::InvalidMaxAttempts`]).
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }
    /// Adds a tag (stored with the job, for filtering and inspection).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Accept serialized arguments up to this size.
    pub fn max_payload_bytes(mut self, limit: usize) -> Self {
        self.max_payload_bytes = limit;
        self
    }

    /// The key a per-key concurrency limit counts this job under
    /// ([`WorkerBuilder::concurrency_per_key`](crate::WorkerBuilder::concurrency_per_key)):
    /// e.g. the customer it works for. Overrides a key the task derives from its arguments
    /// (`#[task(concurrency_key = [field, ...])]`). 1 to 255 bytes.
    ///
    /// ```
    /// # #[derive(serde::Serialize, serde::Deserialize)] struct Hook { customer: String }
    /// # struct Deliver;
    /// # impl tranq_core::Task for Deliver {
    /// #     type Args = Hook;
    /// #     const NAME: &'static str = "deliver_doc";
    /// #     fn run(_: tranq_core::TaskContext, _: Hook)
    /// #         -> futures::future::BoxFuture<'static, tranq_core::TaskResult> {
    /// #         Box::pin(async { Ok(None) })
    /// #     }
    /// # }
    /// use tranq_core::Enqueue;
    ///
    /// let builder = Deliver::builder().concurrency_key("customer:acme");
    /// let job = builder.build(&Hook { customer: "acme".into() })?;
    /// assert_eq!(job.concurrency_key(), Some("customer:acme"));
    /// # Ok::<(), tranq_core::Error>(())
    /// ```
    pub fn concurrency_key(mut self, key: impl Into<String>) -> Self {
        self.concurrency_key = Some(key.into());
        self
    }

    /// At most one live job (available, scheduled, running or retryable) of this task holds
    /// `key`: enqueueing another while one does inserts nothing and returns the holder's id
    /// ([`Enqueued::Duplicate`] from [`enqueue_unique_in`](Self::enqueue_unique_in)). The
    /// database enforces it, also between concurrent transactions. Overrides a key the task
    /// derives from its arguments (`#[task(unique = [field, ...])]`). At most 255 bytes with
    /// the period's suffix.
    ///
    /// ```
    /// # #[derive(serde::Serialize, serde::Deserialize)] struct Invoice { id: i64 }
    /// # struct SendInvoice;
    /// # impl tranq_core::Task for SendInvoice {
    /// #     type Args = Invoice;
    /// #     const NAME: &'static str = "send_invoice_doc";
    /// #     fn run(_: tranq_core::TaskContext, _: Invoice)
    /// #         -> futures::future::BoxFuture<'static, tranq_core::TaskResult> {
    /// #         Box::pin(async { Ok(None) })
    /// #     }
    /// # }
    /// use tranq_core::Enqueue;
    ///
    /// let builder = SendInvoice::builder().unique_key("invoice:42");
    /// let job = builder.build(&Invoice { id: 42 })?;
    /// assert_eq!(job.unique_key(), Some("invoice:42"));
    /// # Ok::<(), tranq_core::Error>(())
    /// ```
    pub fn unique_key(mut self, key: impl Into<String>) -> Self {
        self.unique.key = Some(key.into());
        self
    }

    /// At most one job of this task and key per window of `period` (counted from the Unix
    /// epoch on the enqueuing machine's clock), completed ones included: "at most once an
    /// hour". The key is the one given to [`unique_key`](Self::unique_key), or derived from the
    /// arguments, or, for a task with neither, the task alone. A zero period is refused by
    /// `build` ([`Error::InvalidUniqueKey`]).
    pub fn unique_period(mut self, period: Duration) -> Self {
        self.unique.period = Some(period);
        self
    }

    /// Turns arguments into a row to insert, checking the queue name, the size of the
    /// arguments and that no NUL character is in them or in the tags.
    pub fn build(&self, args: &T::Args) -> Result<NewJob> {
        let queue = self.queue.as_deref().unwrap_or(T::OPTIONS.queue_name());
        validate_queue(queue)?;
        if self.max_attempts == 0 {
            return Err(Error::InvalidMaxAttempts { task: T::NAME });
        }
        let (unique_key, unique_states) = self.unique.resolve(T::NAME, || T::unique_key(args))?;
        let concurrency_key =
            crate::concurrency_key::resolve(T::NAME, self.concurrency_key.as_deref(), || {
                T::concurrency_key(args)
            })?;
        // Serialised once, kept as raw JSON text and embedded as is in the insert's batch.
        let args = serde_json::value::to_raw_value(args).map_err(|source| Error::Serialize {
            task: T::NAME,
            source,
        })?;
        let size = args.get().len();
        if size > self.max_payload_bytes {
            return Err(Error::PayloadTooLarge {
                task: T::NAME,
                size,
                limit: self.max_payload_bytes,
            });
        }
        let nul = |what| Error::NulCharacter {
            task: T::NAME,
            what,
        };
        if json_text_has_nul(args.get()) {
            return Err(nul("arguments"));
        }
        if self.tags.iter().any(|tag| tag.contains(NUL)) {
            return Err(nul("tags"));
        }
        Ok(NewJob {
            queue: queue.to_owned(),
            task: T::NAME,
            args,
            priority: self.priority,
            run_at_us: self.run_at_us,
            delay_us: i64::try_from(self.delay.as_micros()).unwrap_or(i64::MAX),
            max_attempts: self.max_attempts,
            tags: self.tags.clone(),
            unique_key,
            unique_states,
            metadata: crate::trace_link::JobMetadata::current(concurrency_key),
        })
    }

    /// Rows for many arguments, all with these options.
    pub fn build_many(&self, args: impl IntoIterator<Item = T::Args>) -> Result<Vec<NewJob>> {
        args.into_iter().map(|a| self.build(&a)).collect()
    }

    /// Inserts one job on `conn` (inside the caller's transaction when `conn` is one); returns
    /// its id. What it returns is the adapter's: a future for SeaORM and diesel-async, a
    /// `QueryResult` for Diesel.
    pub fn enqueue_in<C, Via>(&self, conn: C, args: T::Args) -> C::Output<JobId>
    where
        C: Executor<Via>,
    {
        conn.insert(self.build(&args).map(|job| vec![job]), |e| {
            first(e).map(Enqueued::id)
        })
    }

    /// Like [`enqueue_in`](Self::enqueue_in), and says whether the job was inserted or is a
    /// duplicate of the job holding its unique key (see [`unique_key`](Self::unique_key)). A
    /// job without a key is always inserted.
    pub fn enqueue_unique_in<C, Via>(&self, conn: C, args: T::Args) -> C::Output<Enqueued>
    where
        C: Executor<Via>,
    {
        conn.insert(self.build(&args).map(|job| vec![job]), first)
    }

    /// Inserts many jobs in one statement (sync Diesel on MariaDB: see
    /// [`LastIdInsert`](crate::LastIdInsert)); returns their ids in order.
    pub fn enqueue_many_in<C, Via>(
        &self,
        conn: C,
        args: impl IntoIterator<Item = T::Args>,
    ) -> C::Output<Vec<JobId>>
    where
        C: Executor<Via>,
    {
        conn.insert(self.build_many(args), |e| {
            Ok(e.into_iter().map(Enqueued::id).collect())
        })
    }

    /// Like [`enqueue_many_in`](Self::enqueue_many_in), and says for each job whether it was
    /// inserted or is a duplicate, of a job in the table or of an earlier job of the same batch
    /// with the same key; still one statement.
    pub fn enqueue_many_unique_in<C, Via>(
        &self,
        conn: C,
        args: impl IntoIterator<Item = T::Args>,
    ) -> C::Output<Vec<Enqueued>>
    where
        C: Executor<Via>,
    {
        conn.insert(self.build_many(args), Ok)
    }
}

fn first(outcomes: Vec<Enqueued>) -> Result<Enqueued> {
    outcomes
        .into_iter()
        .next()
        .ok_or_else(|| Error::database_message("insert returned no id"))
}

/// A connection or transaction jobs can be enqueued on, like sqlx's `Executor`: what
/// [`Enqueue::enqueue_in`] and [`JobBuilder::enqueue_in`] take.
///
/// Implemented by the adapters, for `Via` their marker type:
///
/// | adapter | `conn` | returns |
/// |---|---|---|
/// | `tranq::sea_orm` | `&DatabaseTransaction`, `&DatabaseConnection` | a future of `tranq::Result` |
/// | `tranq::diesel` | `&mut PgConnection`, `&mut MysqlConnection`, `&mut SqliteConnection`, `&mut` an r2d2 `PooledConnection` of one | `diesel::QueryResult` |
/// | `tranq::diesel_async` | `&mut AsyncPgConnection`, `&mut AsyncMysqlConnection`, `&mut SyncConnectionWrapper<SqliteConnection>`, `&mut` a bb8 `PooledConnection` of one | a future of `diesel::QueryResult` |
///
/// A `&mut` connection is moved into the call: to use it again afterwards, pass a fresh
/// reborrow, `MyTask::enqueue_in(&mut *conn, args)` (as with sqlx).
///
/// Not for users to implement: its method is not part of the public API.
pub trait Executor<Via>: Sized {
    /// What an enqueue call returns: `Result<R>` (or the adapter's error) or a future of it.
    type Output<R: Send + 'static>;
    /// Runs the statement of an [`InsertPlan`](crate::InsertPlan) on this connection (or, where
    /// the client cannot read its `RETURNING` rows, the statements of a
    /// [`LastIdInsert`](crate::LastIdInsert)); `finish` shapes the outcomes.
    #[doc(hidden)]
    fn insert<R: Send + 'static>(
        self,
        jobs: Result<Vec<NewJob>>,
        finish: fn(Vec<Enqueued>) -> Result<R>,
    ) -> Self::Output<R>;

    /// Runs [`complete_in_query`](crate::complete_in_query) for `lease` on this connection,
    /// then [`completed_or_lost`](crate::completed_or_lost): what
    /// [`TaskContext::complete_in`](crate::TaskContext::complete_in) does.
    #[doc(hidden)]
    fn complete(self, lease: crate::job::Lease) -> Self::Output<()>;
}

/// Enqueue methods on every task: `MyTask::enqueue_in(&txn, args)`.
///
/// Each call adds exactly one statement to the transaction `conn` is in, so the job commits or
/// rolls back with the caller's own writes. `#[task]` also gives each task handle these as
/// inherent functions, so calling them needs no import; the trait is for code generic over
/// tasks. It is implemented for every [`Task`] and cannot be implemented otherwise.
///
/// ```
/// use tranq_core::{Enqueue, Executor, JobId, Task};
///
/// /// Enqueues any task whose arguments are an order id, on any connection.
/// fn follow_up<T, C, Via>(conn: C, order: i64) -> C::Output<JobId>
/// where
///     T: Task<Args = i64>,
///     C: Executor<Via>,
/// {
///     T::enqueue_in(conn, order)
/// }
/// ```
pub trait Enqueue: Task + Sized {
    /// Options for one enqueue (delay, run_at, priority, queue, max_attempts, tags), then
    /// `.enqueue_in(conn, args)`.
    fn builder() -> JobBuilder<Self> {
        JobBuilder::new()
    }

    /// This task every `period`, for [`WorkerBuilder::periodic`](crate::WorkerBuilder::periodic).
    fn every(period: std::time::Duration) -> crate::Periodic<Self> {
        crate::Periodic::new(crate::Schedule::every(period))
    }

    /// This task on a cron schedule in UTC (seconds first: `"0 */5 * * * *"`), for
    /// [`WorkerBuilder::periodic`](crate::WorkerBuilder::periodic).
    fn cron(expr: &str) -> Result<crate::Periodic<Self>> {
        crate::Schedule::cron(expr).map(crate::Periodic::new)
    }

    /// Inserts one job with the task's defaults on `conn`; returns its id.
    fn enqueue_in<C: Executor<Via>, Via>(conn: C, args: Self::Args) -> C::Output<JobId> {
        Self::builder().enqueue_in(conn, args)
    }

    /// Inserts many jobs in one statement; returns their ids in order.
    fn enqueue_many_in<C: Executor<Via>, Via>(
        conn: C,
        args: impl IntoIterator<Item = Self::Args>,
    ) -> C::Output<Vec<JobId>> {
        Self::builder().enqueue_many_in(conn, args)
    }
}

impl<T: Task> Enqueue for T {}

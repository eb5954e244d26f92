//! Building jobs to insert: the options builder and the one insert query shared by every adapter.

use std::marker::PhantomData;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::dialect::{Dialect, Query, Row, RowShape, Value};
use crate::error::{Error, Result};
use crate::job::JobId;
use crate::nul_char::{NUL, json_text_has_nul};
use crate::task::Task;

/// Largest serialized arguments accepted by default: 1 MiB. Change per call with
/// [`JobBuilder::max_payload_bytes`].
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Longest queue name accepted.
pub const MAX_QUEUE_NAME_LEN: usize = 128;

/// A job ready to insert.
#[derive(Debug, Clone, Serialize)]
pub struct NewJob {
    queue: String,
    task: &'static str,
    args: Box<serde_json::value::RawValue>,
    priority: i16,
    run_at_us: Option<i64>,
    delay_us: i64,
    max_attempts: u32,
    tags: Vec<String>,
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
        }
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

/// Options for one enqueue call, starting from the task's defaults.
///
/// `A` is the adapter (`tranq::sea_orm::SeaOrm`, ...) whose connection types the builder accepts
/// in `enqueue_in`.
#[must_use = "a builder does nothing until `enqueue_in` is called"]
pub struct JobBuilder<T, A> {
    queue: Option<String>,
    priority: i16,
    run_at_us: Option<i64>,
    delay: Duration,
    max_attempts: u32,
    tags: Vec<String>,
    max_payload_bytes: usize,
    _marker: PhantomData<fn() -> (T, A)>,
}

impl<T, A> Clone for JobBuilder<T, A> {
    fn clone(&self) -> Self {
        JobBuilder {
            queue: self.queue.clone(),
            priority: self.priority,
            run_at_us: self.run_at_us,
            delay: self.delay,
            max_attempts: self.max_attempts,
            tags: self.tags.clone(),
            max_payload_bytes: self.max_payload_bytes,
            _marker: PhantomData,
        }
    }
}

impl<T: Task, A> std::fmt::Debug for JobBuilder<T, A> {
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
            .finish()
    }
}

impl<T: Task, A> Default for JobBuilder<T, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Task, A> JobBuilder<T, A> {
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

    /// Turns arguments into a row to insert, checking the queue name, the size of the
    /// arguments and that no NUL character is in them or in the tags.
    pub fn build(&self, args: &T::Args) -> Result<NewJob> {
        let queue = self.queue.as_deref().unwrap_or(T::OPTIONS.queue_name());
        validate_queue(queue)?;
        if self.max_attempts == 0 {
            return Err(Error::InvalidMaxAttempts { task: T::NAME });
        }
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
        })
    }

    /// Rows for many arguments, all with these options.
    pub fn build_many(&self, args: impl IntoIterator<Item = T::Args>) -> Result<Vec<NewJob>> {
        args.into_iter().map(|a| self.build(&a)).collect()
    }

    /// Inserts one job through connection `conn` of adapter `A` (inside the caller's transaction
    /// when `conn` is one); returns its id.
    pub fn enqueue_in<C>(&self, conn: C, args: T::Args) -> A::Output<JobId>
    where
        A: EnqueueVia<C>,
    {
        A::insert(conn, self.build(&args).map(|job| vec![job]), first_id)
    }

    /// Inserts many jobs in one statement (sync Diesel on MariaDB: see
    /// [`LastIdInsert`](crate::LastIdInsert)); returns their ids in order.
    pub fn enqueue_many_in<C>(
        &self,
        conn: C,
        args: impl IntoIterator<Item = T::Args>,
    ) -> A::Output<Vec<JobId>>
    where
        A: EnqueueVia<C>,
    {
        A::insert(conn, self.build_many(args), Ok)
    }
}

fn first_id(ids: Vec<JobId>) -> Result<JobId> {
    ids.into_iter()
        .next()
        .ok_or_else(|| Error::database_message("insert returned no id"))
}

/// How an adapter inserts jobs over one kind of connection `C` (a transaction, a connection).
///
/// Implemented by adapter crates for their marker type; the output is a future for async
/// adapters and a plain `Result` for Diesel. Not for users to implement.
pub trait EnqueueVia<C> {
    /// What an enqueue call returns: `Result<R>` or a future of it.
    type Output<R: Send + 'static>;
    /// Runs the insert query built by [`insert_query`] on `conn` (or, where the client cannot
    /// read its `RETURNING` rows, the statements of a [`LastIdInsert`](crate::LastIdInsert));
    /// `finish` shapes the ids.
    fn insert<R: Send + 'static>(
        conn: C,
        jobs: Result<Vec<NewJob>>,
        finish: fn(Vec<JobId>) -> Result<R>,
    ) -> Self::Output<R>;
}

/// The one statement that inserts `jobs` (and wakes idle workers) in `dialect`.
pub fn insert_query(dialect: Dialect, jobs: &[NewJob]) -> Result<Query> {
    let rows = serde_json::to_string(jobs).map_err(|source| Error::Serialize {
        task: jobs.first().map_or("?", |j| j.task),
        source,
    })?;
    dialect.query("job_insert", vec![Value::Text(rows)], RowShape::Id)
}

/// Reads the ids returned by [`insert_query`].
pub fn inserted_ids(rows: Vec<Row>) -> Result<Vec<JobId>> {
    rows.iter().map(|r| r.int(0).map(JobId)).collect()
}

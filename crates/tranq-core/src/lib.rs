//! Core of tranq: the job model, the task registry, the per-dialect SQL, the [`Store`] port and
//! the worker runtime shared by every adapter.
//!
//! This crate is semver exempt: depend on `tranq` (or pin `=x.y.z`).

mod complete_in;
mod concurrency_key;
mod delay;
mod dialect;
mod error;
mod insert;
mod job;
mod last_insert_id;
mod local_wake;
mod maintenance;
mod metric;
mod migrate;
mod new_job;
mod nul_char;
mod periodic;
mod registry;
mod shutdown_signal;
mod state;
mod store;
mod task;
mod task_error;
#[cfg(feature = "testing")]
pub mod testing;
mod trace_link;
mod unique;
mod worker;

pub use complete_in::{complete_in_query, completed_or_lost};
pub use concurrency_key::MAX_CONCURRENCY_KEY_BYTES;
pub use delay::MAX_DELAY;
pub use dialect::{ColumnType, Dialect, Query, Row, RowShape, Value};
pub use error::{Error, Result, redact_url};
pub use insert::{Enqueued, InsertPlan, inserted_ids};
pub use job::{AttemptError, ClaimedJob, JobId, JobInfo, JobState, Lease};
pub use last_insert_id::{InsertAnswer, InsertIds, InsertStep, LastIdInsert};
pub use maintenance::{
    DEFAULT_LEADER_TTL, DEFAULT_PRUNE_INTERVAL, DEFAULT_RETENTION, PRUNE_BATCH, RESCUE_BATCH,
    UNKNOWN_TASK_REPORT_INTERVAL,
};
pub use metric::{describe_metrics, names as metric_names};
pub use migrate::{Migration, migrations};
pub use new_job::{
    DEFAULT_MAX_PAYLOAD_BYTES, Enqueue, Executor, JobBuilder, MAX_QUEUE_NAME_LEN, NewJob,
    validate_queue,
};
pub use periodic::{Periodic, Schedule};
pub use registry::{Registration, Registry};
pub use shutdown_signal::{ShutdownSignal, shutdown_signal};
pub use state::{State, StateType};
pub use store::{
    Backend, Cancellation, ClaimParams, Completion, FailParams, FailureGroup, JobFilter, JobTimes,
    LeaderParams, LimitedClaim, Notifications, PruneParams, QueueLimits, QueueStats, RateLimit,
    SqlStore, Store, Throughput, Transaction,
};
pub use task::{DEFAULT_MAX_ATTEMPTS, DEFAULT_QUEUE, Task, TaskContext, TaskOptions, TaskResult};
pub use task_error::{TaskError, TaskErrorKind};
pub use unique::MAX_UNIQUE_KEY_BYTES;
pub use worker::{
    Backoff, DEFAULT_COMPLETION_BATCH, DEFAULT_GRACE_PERIOD, DEFAULT_LEASE, DEFAULT_MAX_PREFETCH,
    DEFAULT_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_WITHOUT_NOTIFY, DEFAULT_RESCUE_INTERVAL,
    MAX_ERROR_MESSAGE_BYTES, MAX_RESULT_BYTES, Worker, WorkerBuilder, WorkerConfig,
};

/// Items the `#[task]` macro expands to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use futures::future::BoxFuture;
    pub use inventory;
    pub use serde::{Serialize, de::DeserializeOwned};

    use crate::{TaskError, TaskResult};

    /// Turns a task function's `Result<T, E>` into a stored outcome.
    pub fn into_outcome<T, E>(result: Result<T, E>) -> TaskResult
    where
        T: Serialize,
        E: Into<TaskError>,
    {
        match result {
            Ok(value) => match serde_json::to_value(value) {
                Ok(serde_json::Value::Null) => Ok(None),
                Ok(value) => Ok(Some(value)),
                Err(e) => Err(TaskError::retry(format!(
                    "cannot serialize the task's result: {e}"
                ))),
            },
            Err(error) => Err(error.into()),
        }
    }

    pub use crate::state::FromState;
    pub use crate::unique::key_of_fields;
    pub use serde_json::to_string as to_json_text;

    /// The error of an attempt whose task takes a state the worker does not have (possible
    /// only with a registry built by hand: `build` checks the rest).
    pub fn missing_state(task: &'static str, state: &'static str) -> TaskError {
        TaskError::retry(crate::Error::MissingState { task, state }.to_string())
    }

    /// Compile-time check that a task's argument type can be stored.
    pub const fn assert_args<T: Serialize + DeserializeOwned + Send + 'static>() {}
}

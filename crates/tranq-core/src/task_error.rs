//! How a task says it failed, and what should happen next.

use std::fmt;
use std::time::Duration;

/// A failed attempt. Any `std::error::Error` converts into a retryable one with `?`.
///
/// ```
/// use std::time::Duration;
/// use tranq_core::TaskError;
///
/// fn parse(s: &str) -> Result<i32, TaskError> {
///     Ok(s.parse::<i32>()?) // retried with backoff
/// }
/// assert!(parse("x").is_err());
/// let _ = TaskError::cancel("order was deleted"); // never retried
/// let _ = TaskError::snooze(Duration::from_secs(5)); // run again later, attempt not counted
/// ```
pub struct TaskError {
    pub(crate) kind: TaskErrorKind,
}

/// What a [`TaskError`] asks for, as [`TaskError::kind`] tells it.
///
/// ```
/// use std::time::Duration;
/// use tranq_core::{TaskError, TaskErrorKind};
///
/// let error = TaskError::snooze(Duration::from_secs(5));
/// assert_eq!(error.kind(), &TaskErrorKind::Snooze(Duration::from_secs(5)));
/// assert!(matches!(TaskError::cancel("gone").kind(), TaskErrorKind::Cancel(m) if m == "gone"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskErrorKind {
    /// Retried with backoff while attempts remain; the message is recorded.
    Retry(String),
    /// Cancelled at once, never retried; the message is recorded.
    Cancel(String),
    /// Run again after the delay, the attempt not counted.
    Snooze(Duration),
}

impl TaskError {
    /// A failure worth retrying (with backoff, while attempts remain).
    pub fn retry(message: impl fmt::Display) -> Self {
        TaskError {
            kind: TaskErrorKind::Retry(message.to_string()),
        }
    }
    /// A failure that retrying cannot fix: the job is cancelled at once with this reason.
    pub fn cancel(message: impl fmt::Display) -> Self {
        TaskError {
            kind: TaskErrorKind::Cancel(message.to_string()),
        }
    }
    /// What this error asks for: retry, cancel or snooze, with its message or delay. For tests
    /// of task functions that should fail in a given way.
    pub fn kind(&self) -> &TaskErrorKind {
        &self.kind
    }
    /// Not a failure: run the job again after `delay` (at most [`MAX_DELAY`](crate::MAX_DELAY))
    /// without using up an attempt.
    pub fn snooze(delay: Duration) -> Self {
        TaskError {
            kind: TaskErrorKind::Snooze(crate::delay::clamp(delay)),
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.kind, f)
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TaskErrorKind::Retry(m) => f.write_str(m),
            TaskErrorKind::Cancel(m) => write!(f, "cancelled: {m}"),
            TaskErrorKind::Snooze(d) => write!(f, "snoozed for {d:?}"),
        }
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for TaskError {
    fn from(error: E) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        TaskError::retry(message)
    }
}

//! The longest wait tranq stores, so that every database can hold the time it leads to.

use std::time::Duration;

/// The longest delay tranq stores: 100 years. Longer delays (a snooze, a backoff, an enqueue
/// delay) are shortened to this, because MariaDB cannot hold a time past the year 9999 and
/// PostgreSQL refuses an interval of `Duration::MAX` ("interval out of range"), which would
/// leave the outcome impossible to store.
///
/// ```
/// use std::time::Duration;
/// use tranq_core::{MAX_DELAY, TaskError};
///
/// assert_eq!(MAX_DELAY, Duration::from_secs(100 * 365 * 24 * 3600));
/// let _ = TaskError::snooze(Duration::MAX); // stored as a snooze of MAX_DELAY
/// ```
pub const MAX_DELAY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The latest `run_at` tranq stores, in microseconds since the Unix epoch: the last second of
/// the year 9999, the end of MariaDB's DATETIME range.
pub(crate) const MAX_RUN_AT_US: i64 = 253_402_300_799_000_000;

/// `delay`, at most [`MAX_DELAY`].
pub(crate) fn clamp(delay: Duration) -> Duration {
    delay.min(MAX_DELAY)
}

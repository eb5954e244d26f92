//! What happens to a job after an attempt: the one place that decides retry, discard or cancel.

use std::time::Duration;

use super::completer::{Fallback, Report};
use super::{Backoff, log_fields, storable};
use crate::job::{ClaimedJob, JobState};
use crate::store::{Completion, FailParams};
use crate::task_error::{TaskError, TaskErrorKind};

/// How an attempt ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    Completed(Option<serde_json::Value>),
    /// Returned `Ok` after `ctx.complete_in(conn)`: the handler's transaction completed the job.
    CompletedInTransaction,
    Failed(TaskError),
    Panicked(String),
    TimedOut(Duration),
    BadArgs(String),
    UnknownTask,
}

impl Outcome {
    /// The outcome of an attempt whose job was asked to cancel while it ran: a failure (an
    /// error, a panic, a timeout) ends the job cancelled instead of retried; a completion stands.
    pub(crate) fn cancelled_on_request(self) -> Outcome {
        let why = match self {
            Outcome::Failed(error) if matches!(error.kind(), TaskErrorKind::Cancel(_)) => {
                return Outcome::Failed(error);
            }
            Outcome::Failed(error) => error.to_string(),
            Outcome::Panicked(message) => format!("panicked: {message}"),
            Outcome::TimedOut(limit) => format!("timed out after {limit:?}"),
            other => return other,
        };
        Outcome::Failed(TaskError::cancel(format!(
            "cancelled on request; the attempt ended with: {why}"
        )))
    }
}

pub(crate) fn decide(
    job: &ClaimedJob,
    outcome: Outcome,
    backoff: &Backoff,
    took: Duration,
) -> Report {
    // What a failed attempt leads to: another attempt after the backoff, or the end.
    let (failed_state, failed_delay) = if job.attempt >= job.max_attempts {
        (JobState::Discarded, Duration::ZERO)
    } else {
        (JobState::Retryable, backoff.delay(job.attempt))
    };
    // If the database refuses this outcome for good, the attempt fails instead.
    let fallback = Fallback {
        lease: job.lease(),
        next_state: failed_state,
        delay: failed_delay,
    };
    // Every message is made storable (cut, no NUL) before it is logged or stored.
    let fail = |next_state, delay, error: String| Report::Fail {
        params: FailParams {
            id: job.id,
            token: job.lease_token,
            next_state,
            delay,
            give_back_attempt: false,
            error: Some(error),
        },
        fallback,
    };
    let retry_or_discard = |error: String| {
        let error = storable::message(error);
        if failed_state == JobState::Discarded {
            tracing::error!(%error, attempts = job.attempt, "tranq: job discarded, attempts exhausted");
        } else {
            tracing::warn!(%error, retry_in_ms = log_fields::ms(failed_delay), "tranq: attempt failed");
        }
        fail(failed_state, failed_delay, error)
    };
    match outcome {
        Outcome::CompletedInTransaction => {
            tracing::info!(
                took_ms = log_fields::ms(took),
                "tranq: job completed in its own transaction"
            );
            Report::StoredByTask
        }
        Outcome::Completed(result) => {
            tracing::info!(took_ms = log_fields::ms(took), "tranq: job completed");
            let (result, result_bytes) = match result.map(storable::result) {
                Some((value, bytes)) => (Some(value), bytes),
                None => (None, 0),
            };
            Report::Complete {
                completion: Completion {
                    id: job.id,
                    token: job.lease_token,
                    result,
                },
                result_bytes,
                fallback,
            }
        }
        Outcome::Failed(TaskError { kind }) => match kind {
            TaskErrorKind::Retry(message) => retry_or_discard(message),
            TaskErrorKind::Cancel(message) => {
                let message = storable::message(message);
                tracing::info!(reason = %message, "tranq: job cancelled by its task");
                fail(JobState::Cancelled, Duration::ZERO, message)
            }
            TaskErrorKind::Snooze(delay) => {
                tracing::info!(delay_ms = log_fields::ms(delay), "tranq: job snoozed");
                Report::Fail {
                    params: FailParams {
                        id: job.id,
                        token: job.lease_token,
                        next_state: JobState::Available,
                        delay,
                        give_back_attempt: true,
                        error: None,
                    },
                    fallback,
                }
            }
        },
        Outcome::Panicked(message) => retry_or_discard(format!("panicked: {message}")),
        Outcome::TimedOut(limit) => retry_or_discard(format!("timed out after {limit:?}")),
        Outcome::BadArgs(reason) => {
            let reason = storable::message(reason);
            tracing::error!(%reason, "tranq: job discarded, arguments unreadable");
            fail(JobState::Discarded, Duration::ZERO, reason)
        }
        Outcome::UnknownTask => {
            let message = format!("task {:?} is not registered in this worker", job.task);
            tracing::error!(%message, "tranq: claimed a job this worker cannot run");
            retry_or_discard(message)
        }
    }
}

//! Carries a job from its enqueue to its run in `tracing`.
//!
//! At enqueue, the id of the caller's current span goes into the job's `metadata` JSON column
//! (`{"trace": {"span_id": 12, "process": 48151623}}`), inside the insert statement the enqueue
//! runs anyway: no extra statement. The claim reads it back, and the worker's `tranq.job` span
//! records it as the field `job.enqueued_by_span`.
//!
//! A `tracing` span id means something only to the subscriber of the process that made it, and
//! only while that span is open: subscribers reuse the ids of closed spans. So the run span is
//! linked with [`Span::follows_from`](tracing::Span::follows_from) only when the job was
//! enqueued by this same process; a worker in another process keeps the field alone, for
//! correlating logs. Even in-process the link is best effort: when the enqueue span closed
//! before the job ran, its id may by then belong to another span. Propagating an OpenTelemetry
//! trace context across processes is not done here.

use std::num::NonZeroU64;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// Tells this process's span ids from another's: random, below 2^53 so that every JSON reader
/// keeps it exact.
static PROCESS: LazyLock<u64> = LazyLock::new(|| fastrand::u64(1..(1 << 53)));

/// What `metadata.trace` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EnqueueTrace {
    /// The `tracing` span id current at enqueue.
    pub(crate) span_id: NonZeroU64,
    /// The enqueuing process (see [`PROCESS`]).
    pub(crate) process: u64,
}

/// The `metadata` column of a job to insert; absent keys are left out of the insert's JSON.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct JobMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<EnqueueTrace>,
    /// The job's concurrency key (see `concurrency_key.rs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    concurrency_key: Option<String>,
}

impl EnqueueTrace {
    /// The span current now, if any (none when no subscriber is installed or no span entered).
    fn current() -> Option<EnqueueTrace> {
        let id = tracing::Span::current().id()?;
        Some(EnqueueTrace {
            span_id: id.into_non_zero_u64(),
            process: *PROCESS,
        })
    }

    /// Reads `metadata.trace` as the claim returns it; anything unreadable (a hand edit, another
    /// writer) is no trace: the link is never a reason to fail a job.
    pub(crate) fn parse(json: Option<&str>) -> Option<EnqueueTrace> {
        serde_json::from_str(json?).ok()
    }

    /// True when this process enqueued the job, so that the span id is one of its own.
    pub(crate) fn is_local(&self) -> bool {
        self.process == *PROCESS
    }
}

impl JobMetadata {
    /// The job's concurrency key, if any.
    pub(crate) fn concurrency_key(&self) -> Option<&str> {
        self.concurrency_key.as_deref()
    }

    /// The metadata of a job enqueued now: the current span, when there is one, and the
    /// job's concurrency key; `None` when neither is there.
    pub(crate) fn current(concurrency_key: Option<String>) -> Option<JobMetadata> {
        let trace = EnqueueTrace::current();
        (trace.is_some() || concurrency_key.is_some()).then_some(JobMetadata {
            trace,
            concurrency_key,
        })
    }
}

/// Records the enqueue span on the run span of a claimed job, and links the two when they are
/// of this process.
pub(crate) fn link(run: &tracing::Span, trace: Option<&EnqueueTrace>) {
    let Some(trace) = trace else {
        return;
    };
    run.record("job.enqueued_by_span", trace.span_id.get());
    if trace.is_local() {
        run.follows_from(tracing::Id::from_non_zero_u64(trace.span_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_reads_back_and_anything_else_is_none() {
        let trace = EnqueueTrace {
            span_id: NonZeroU64::MIN,
            process: *PROCESS,
        };
        let json = serde_json::to_string(&trace).expect("serializes");
        assert_eq!(EnqueueTrace::parse(Some(&json)), Some(trace));
        assert!(trace.is_local());
        assert_eq!(EnqueueTrace::parse(None), None);
        assert_eq!(EnqueueTrace::parse(Some("{\"span_id\": 0}")), None);
        assert_eq!(EnqueueTrace::parse(Some("not json")), None);
    }

    #[test]
    fn no_span_and_no_key_means_no_metadata() {
        assert!(JobMetadata::current(None).is_none());
        let keyed = JobMetadata::current(Some("acme".into())).expect("metadata");
        assert_eq!(
            serde_json::to_string(&keyed).expect("serializes"),
            r#"{"concurrency_key":"acme"}"#
        );
    }
}

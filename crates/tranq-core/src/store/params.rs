//! Parameter structs of the [`Store`](super::Store) methods.

use std::time::Duration;

use crate::job::{JobId, JobState};

/// What [`Store::job_claim`](super::Store::job_claim) needs.
#[derive(Debug, Clone)]
pub struct ClaimParams<'a> {
    /// The queue to claim from.
    pub queue: &'a str,
    /// Only jobs of these tasks are claimed (the ones this binary can run).
    pub tasks: &'a [&'a str],
    /// At most this many jobs.
    pub limit: u32,
    /// Recorded as the lease owner.
    pub worker_id: &'a str,
    /// How long the lease lasts without a heartbeat.
    pub lease: Duration,
}

/// Limits on one queue that every worker's claim enforces together, under a lock of the queue
/// ([`Store::job_claim_limited`](super::Store::job_claim_limited)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueLimits {
    /// At most this many jobs of the queue running at once (`WorkerBuilder::global_concurrency`).
    pub max_running: Option<u32>,
    /// At most this many running at once per concurrency key (`WorkerBuilder::concurrency_per_key`);
    /// jobs without a key are not limited by it.
    pub max_running_per_key: Option<u32>,
    /// At most this many claims in any window of this length (`WorkerBuilder::rate_limit`).
    pub rate: Option<RateLimit>,
}

/// "At most `allowed` jobs started in any window of `period`" (a sliding window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Jobs that may start in one window.
    pub allowed: u32,
    /// The window's length.
    pub period: Duration,
}

impl QueueLimits {
    /// True when at least one limit is set.
    pub fn any(&self) -> bool {
        self.max_running.is_some() || self.max_running_per_key.is_some() || self.rate.is_some()
    }
}

/// What [`Store::job_claim_limited`](super::Store::job_claim_limited) returns.
#[derive(Debug, Default)]
pub struct LimitedClaim {
    /// The jobs claimed.
    pub jobs: Vec<crate::job::ClaimedJob>,
    /// True when a limit, not a lack of runnable jobs, kept the claim from taking more: the
    /// worker asks again soon rather than waiting for a notification.
    pub held_back: bool,
}

/// A successful attempt, to be stored in a batch.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Completion {
    /// Row id.
    pub id: JobId,
    /// Fencing token of the claim.
    pub token: i64,
    /// The task's return value (`None` stores SQL NULL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}

/// An attempt that did not complete.
#[derive(Debug, Clone)]
pub struct FailParams {
    /// Row id.
    pub id: JobId,
    /// Fencing token of the claim.
    pub token: i64,
    /// Retryable, Discarded, Cancelled, or Available (snooze).
    pub next_state: JobState,
    /// When the next attempt may start, from now.
    pub delay: Duration,
    /// True for a snooze: the attempt is given back.
    pub give_back_attempt: bool,
    /// The error recorded for this attempt (`None` records nothing).
    pub error: Option<String>,
}

/// What the leader-lease methods need ([`Store::leader_attempt_elect`](super::Store::leader_attempt_elect),
/// [`Store::leader_attempt_reelect`](super::Store::leader_attempt_reelect)).
#[derive(Debug, Clone, Copy)]
pub struct LeaderParams<'a> {
    /// Who asks: the worker id, recorded as the leader.
    pub leader_id: &'a str,
    /// How long the leadership lasts unless renewed.
    pub ttl: Duration,
}

/// What [`Store::job_prune_finished`](super::Store::job_prune_finished) needs.
#[derive(Debug, Clone, Copy)]
pub struct PruneParams {
    /// Finished jobs older than this are deleted.
    pub retention: Duration,
    /// At most this many rows per call.
    pub limit: u32,
}

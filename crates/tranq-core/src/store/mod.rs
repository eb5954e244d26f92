//! The port between the worker runtime and a database.

mod backend;
mod control;
mod history;
mod params;
pub(crate) mod sql_store;
mod stats;

pub use backend::{Backend, Notifications, Transaction};
pub use control::{Cancellation, JobFilter};
pub use history::{FailureGroup, Throughput};
pub use params::{
    ClaimParams, Completion, FailParams, LeaderParams, LimitedClaim, PruneParams, QueueLimits,
    RateLimit,
};
pub use sql_store::SqlStore;
pub use stats::{JobTimes, QueueStats};

use std::time::Duration;

use async_trait::async_trait;

use crate::dialect::Dialect;
use crate::error::Result;
use crate::job::{ClaimedJob, JobId, JobInfo, Lease};
use crate::new_job::NewJob;

/// Everything the worker runtime asks of a database. Object safe; the runtime holds an
/// `Arc<dyn Store>`.
///
/// Adapters do not implement this: they implement [`Backend`] (bind and execute) and wrap it
/// in [`SqlStore`], which holds the SQL. Not for users to implement.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The dialect of the database behind this store.
    fn dialect(&self) -> Dialect;

    /// Creates or upgrades tranq's tables; safe to run from many processes at once.
    async fn migrate(&self) -> Result<()>;

    /// Inserts jobs outside any caller transaction (in their own).
    async fn job_insert_many(&self, jobs: &[NewJob]) -> Result<Vec<JobId>>;

    /// Claims up to `params.limit` runnable jobs of one queue, leasing them to the caller.
    async fn job_claim(&self, params: &ClaimParams<'_>) -> Result<Vec<ClaimedJob>>;

    /// Claims like [`job_claim`](Self::job_claim) from a queue with `limits`: claims of the
    /// queue by every worker take turns under a lock of the queue, and each takes no more than
    /// the limits leave.
    async fn job_claim_limited(
        &self,
        params: &ClaimParams<'_>,
        limits: &QueueLimits,
    ) -> Result<LimitedClaim>;

    /// Marks jobs completed; returns the ids that were stored (the others lost their lease).
    async fn job_complete_many(&self, done: &[Completion]) -> Result<Vec<JobId>>;

    /// Like [`job_complete_many`](Store::job_complete_many), but deletes the rows instead of
    /// keeping them as completed (workers built with `delete_completed(true)`).
    async fn job_complete_delete_many(&self, done: &[Completion]) -> Result<Vec<JobId>>;

    /// Records a failed, cancelled or snoozed attempt; false if the lease was lost.
    async fn job_fail(&self, params: &FailParams) -> Result<bool>;

    /// Puts claimed jobs back as available at once, giving back their attempt.
    async fn job_release_many(&self, leases: &[Lease]) -> Result<Vec<JobId>>;

    /// Records that these attempts' handlers started (attempts whose lease was lost are left
    /// alone); returns how many were recorded. Until then the rescuer treats an expired attempt
    /// as never started and gives its attempt back.
    async fn job_mark_started(&self, leases: &[Lease]) -> Result<u64>;

    /// Extends the leases of running jobs; returns the ids still held.
    async fn job_heartbeat_many(&self, leases: &[Lease], lease: Duration) -> Result<Vec<JobId>>;

    /// Of these running jobs, the ones asked to cancel ([`SqlStore::cancel`](crate::SqlStore::cancel)).
    async fn job_cancel_requested(&self, ids: &[JobId]) -> Result<Vec<JobId>>;

    /// Returns jobs whose lease expired to retryable (or discarded); returns their ids.
    async fn job_rescue_expired(&self, limit: u32) -> Result<Vec<JobId>>;

    /// Deletes up to `params.limit` finished jobs (completed, discarded, cancelled) that finished
    /// more than `params.retention` ago, oldest first; returns how many. Leader only.
    async fn job_prune_finished(&self, params: &PruneParams) -> Result<u64>;

    /// Becomes leader when nobody is (an expired leadership counts as nobody): inserts the
    /// leader row if absent. True when elected.
    async fn leader_attempt_elect(&self, params: &LeaderParams<'_>) -> Result<bool>;

    /// Extends the caller's leadership by `params.ttl` from now; false when it was lost.
    async fn leader_attempt_reelect(&self, params: &LeaderParams<'_>) -> Result<bool>;

    /// Gives up leadership if `leader_id` holds it, so another worker is elected at once; true
    /// when it held it.
    async fn leader_resign(&self, leader_id: &str) -> Result<bool>;

    /// Counts runnable jobs in `queues` whose task is not in `known`.
    async fn job_unknown_tasks(
        &self,
        queues: &[&str],
        known: &[&str],
    ) -> Result<Vec<(String, i64)>>;

    /// Reads one job.
    async fn job_get(&self, id: JobId) -> Result<Option<JobInfo>>;

    /// A page of jobs in id order ([`SqlStore::jobs`]), for services that hold only an
    /// `Arc<dyn Store>` (the outbox relay's order check).
    async fn job_list(&self, filter: &JobFilter) -> Result<Vec<JobInfo>>;

    /// Every queue's jobs by state ([`SqlStore::queue_stats`]); the leader samples it for the
    /// queue-depth gauges. Reads the whole jobs table.
    async fn queue_stats(&self) -> Result<Vec<QueueStats>>;

    /// Whether `queue` has a job due now (of any task): one read that locks nothing, asked by
    /// idle fetchers at short intervals after an enqueue in their own process.
    async fn job_due(&self, queue: &str) -> Result<bool>;

    /// A stream of queue names with new work, when the database can push them.
    async fn subscribe(&self) -> Result<Option<Notifications>>;
}

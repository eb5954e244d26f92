//! What the suite needs from an adapter x database pair.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;
use tranq::internal::{NewJob, Store};
use tranq::{JobId, JobInfo, JobState};

use crate::conformance::probe::eventually;

/// How an enqueuing transaction ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Commit,
    Rollback,
}

/// What an enqueue through the adapter returned.
#[derive(Debug)]
pub struct Enqueued {
    pub ids: Vec<JobId>,
    /// What the insert did with each job (inserted, or a duplicate of a job holding its key).
    pub outcomes: Vec<tranq::Enqueued>,
    /// Statements the adapter ran in the caller's transaction, when it can count them.
    pub statements: Option<usize>,
}

/// The ids of what an insert did.
pub fn ids_of(outcomes: Vec<tranq::Enqueued>) -> Vec<JobId> {
    outcomes.into_iter().map(tranq::Enqueued::id).collect()
}

impl Enqueued {
    pub fn new(outcomes: Vec<tranq::Enqueued>, statements: Option<usize>) -> Self {
        Enqueued {
            ids: outcomes.iter().map(|o| o.id()).collect(),
            outcomes,
            statements,
        }
    }
}

/// A handler's database effect through the adapter, for `ctx.complete_in`: in one transaction of
/// the adapter's own, insert a row for the attempt into `tranq_test_effects` and complete the
/// job; roll back when the completion fails.
#[derive(Clone)]
pub struct Effects(
    pub Arc<dyn Fn(tranq::TaskContext) -> BoxFuture<'static, tranq::Result<()>> + Send + Sync>,
);

/// The effect row of the attempt `ctx` is for.
pub fn effect_sql(ctx: &tranq::TaskContext) -> String {
    format!(
        "INSERT INTO tranq_test_effects (job_id, token) VALUES ({}, {})",
        ctx.job_id().0,
        ctx.lease_token()
    )
}

/// A transaction left open by [`Harness::enqueue_open`].
pub struct OpenTx(pub Box<dyn FnOnce(End) -> BoxFuture<'static, tranq::Result<()>> + Send>);

impl OpenTx {
    pub async fn commit(self) -> tranq::Result<()> {
        (self.0)(End::Commit).await
    }

    pub async fn end(self, end: End) -> tranq::Result<()> {
        (self.0)(end).await
    }
}

/// One adapter x database pair. Each value owns a database (or file) of its own.
#[async_trait]
pub trait Harness: Sized + Send + Sync + 'static {
    /// The adapter's store.
    type Store: Store + Clone;
    /// The backend under the store (what the adapter implements).
    type Backend: tranq::internal::Backend;

    /// `adapter/database`, for messages.
    fn pair() -> &'static str;
    /// Statements one enqueue call of `jobs` jobs adds to the caller's transaction: 1, but
    /// for clients that read the ids back with `LAST_INSERT_ID()` (sync Diesel on MariaDB).
    fn enqueue_statements(_jobs: usize) -> usize {
        1
    }
    /// A fresh database without tranq's schema.
    async fn empty(test: &str) -> Self;
    /// Applies tranq's schema through the adapter's own entry point.
    async fn migrate(&self) -> tranq::Result<()>;
    /// A store over a pool of its own.
    fn store(&self) -> Self::Store;
    /// The backend the store runs on, over a pool of its own (for tests that wrap it).
    fn backend(&self) -> Self::Backend;
    /// Inserts `jobs` through the adapter's enqueue path inside one transaction, which then
    /// commits or rolls back.
    async fn enqueue(&self, jobs: Vec<NewJob>, end: End) -> tranq::Result<Enqueued>;
    /// Inserts `jobs` in a transaction that stays open until the returned handle commits.
    async fn enqueue_open(
        &self,
        jobs: Vec<NewJob>,
    ) -> tranq::Result<(Vec<tranq::Enqueued>, OpenTx)>;
    /// Runs test-only SQL (rows made by hand).
    async fn execute(&self, sql: &str);
    /// The adapter's [`Effects`].
    fn effects(&self) -> Effects;
    /// Runs a query returning one integer.
    async fn scalar(&self, sql: &str) -> i64;
    /// Drops the database.
    async fn cleanup(self);

    async fn job(&self, id: JobId) -> JobInfo {
        self.store().job_get(id).await.unwrap().expect("job exists")
    }

    async fn count_jobs(&self) -> i64 {
        self.scalar("SELECT count(*) FROM tranq_jobs").await
    }

    /// Inserts and commits; returns the ids.
    async fn commit(&self, jobs: Vec<NewJob>) -> Vec<JobId> {
        self.enqueue(jobs, End::Commit).await.unwrap().ids
    }

    /// Waits until job `id` is in `state`.
    async fn wait_state(&self, id: JobId, state: JobState) -> JobInfo {
        let store = self.store();
        eventually(
            &format!("job {id} reaches {state} on {}", Self::pair()),
            || {
                let store = store.clone();
                async move {
                    let job = store.job_get(id).await.ok().flatten()?;
                    (job.state == state).then_some(job)
                }
            },
        )
        .await
    }
}

/// A fresh, migrated database.
pub async fn setup<H: Harness>(test: &str) -> H {
    let h = H::empty(test).await;
    h.migrate().await.expect("migrate");
    h
}

/// A worker on queue `default` with quick polling and backoff.
pub fn worker<H: Harness>(h: &H, concurrency: u32) -> tranq::WorkerBuilder {
    tranq::Worker::builder(h.store())
        .queue("default", concurrency)
        .poll_interval(Duration::from_millis(100))
        .backoff(crate::conformance::probe::fast_backoff())
}

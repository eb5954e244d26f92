//! Helpers for tests of code that enqueues and runs jobs (feature `testing`; users reach them
//! as `tranq::testing`): assertions over what was enqueued, and a [`TestWorker`] that runs jobs
//! inline, one at a time, through the worker's own claim and completion queries.

mod enqueued;
mod error;
mod report;
mod worker;

pub use enqueued::{assert_enqueued, assert_not_enqueued, enqueued};
#[doc(hidden)]
pub use enqueued::{decode, find, found_unexpected, not_found, page_query, read_page};
pub use error::TestingError;
pub use report::{DrainReport, Failure};
pub use worker::{DEFAULT_DRAIN_LIMIT, TestWorker};

use crate::job::{JobId, JobInfo};
use crate::store::{Backend, SqlStore};

/// Runs every job that is due in `store`, and the jobs they enqueue, inline; returns what ran.
/// The same as `TestWorker::new(store).drain()`: use a [`TestWorker`] to give the tasks their
/// state, or to drain some queues only.
pub async fn drain<B: Backend + Clone>(store: &SqlStore<B>) -> Result<DrainReport, TestingError> {
    TestWorker::new(store).drain().await
}

/// Runs one attempt of job `id` now, inline; returns the job as it is afterwards. The same as
/// `TestWorker::new(store).run_job(id)`.
pub async fn run_job<B: Backend + Clone>(
    store: &SqlStore<B>,
    id: JobId,
) -> Result<JobInfo, TestingError> {
    TestWorker::new(store).run_job(id).await
}

/// 16 random hex digits, for names of test databases. Not public API.
#[doc(hidden)]
pub fn random_hex() -> String {
    format!("{:016x}", fastrand::u64(..))
}

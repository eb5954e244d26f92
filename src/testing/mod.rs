//! Helpers for your tests (feature `testing`): assert what a transaction enqueued, run the
//! queued jobs inline, and give each test a database of its own.
//!
//! - [`assert_enqueued`], [`assert_not_enqueued`], [`enqueued`]: the jobs of a task in the
//!   store, with their arguments decoded, matched by a predicate over the arguments. They see
//!   committed jobs. To assert before the commit, read through the transaction itself:
//!   [`assert_enqueued_in`] on a SeaORM `&DatabaseTransaction`, [`diesel::assert_enqueued_in`]
//!   and [`diesel_async::assert_enqueued_in`] on the `conn` inside `conn.transaction(...)`.
//! - [`drain`] runs every due job inline, in the test's own task, one at a time, and the jobs
//!   those enqueue, and returns a [`DrainReport`] (how many ran and completed, which failed and
//!   why); [`run_job`] runs one job by id, due or not. Both go the way a worker goes: claimed
//!   with a lease, arguments decoded from the JSON, the handler run with its timeout and its
//!   panics caught, the outcome stored under the lease, retries and backoff. A [`TestWorker`]
//!   gives tasks their `State` and picks the queues.
//! - [`TestDatabase`]: a fresh, migrated database per test on PostgreSQL, MariaDB or SQLite,
//!   dropped at the end.
//!
//! ```standalone_crate
//! # #[cfg(all(feature = "macros", feature = "sea-orm", feature = "sqlite"))]
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! use sea_orm::{DatabaseConnection, TransactionTrait};
//! use serde::{Deserialize, Serialize};
//! use tranq::testing::{self, TestDatabase, TestWorker};
//! use tranq::{JobState, State, TaskContext, TaskError};
//!
//! #[derive(Serialize, Deserialize)]
//! pub struct Invoice {
//!     pub order_id: i64,
//! }
//!
//! /// Fails for a negative order; enqueues a receipt for the others.
//! #[tranq::task(queue = "billing")]
//! async fn send_invoice(
//!     _ctx: TaskContext,
//!     args: Invoice,
//!     State(db): State<DatabaseConnection>,
//! ) -> Result<(), TaskError> {
//!     if args.order_id < 0 {
//!         return Err(TaskError::retry("no such order"));
//!     }
//!     SendReceipt::enqueue_in(&db, args).await?;
//!     Ok(())
//! }
//!
//! #[tranq::task(queue = "billing")]
//! async fn send_receipt(_ctx: TaskContext, _args: Invoice) -> Result<(), TaskError> {
//!     Ok(())
//! }
//!
//! let t = TestDatabase::sqlite().await?; // or ::postgres(), ::mysql()
//! let db = tranq::sea_orm::connect(t.url()).await?;
//! let store = tranq::sea_orm::Store::new(db.clone());
//!
//! // The code under test enqueues in its transaction; the test asserts before and after commit.
//! let txn = db.begin().await?;
//! SendInvoice::enqueue_in(&txn, Invoice { order_id: 7 }).await?;
//! SendInvoice::enqueue_in(&txn, Invoice { order_id: -1 }).await?;
//! testing::assert_enqueued_in::<SendInvoice, _>(&txn, |args| args.order_id == 7).await;
//! testing::assert_not_enqueued::<SendInvoice, _>(&store, |_| true).await; // not committed yet
//! txn.commit().await?;
//! let job = testing::assert_enqueued::<SendInvoice, _>(&store, |args| args.order_id == 7).await;
//! assert_eq!(job.state, JobState::Available);
//!
//! // Run everything that is due, and what it enqueues; the tasks get their state.
//! let worker = TestWorker::new(&store).state(db.clone());
//! let report = worker.drain().await?;
//! assert_eq!((report.ran, report.completed), (3, 2)); // two invoices, one receipt
//! assert_eq!(report.failed[0].error, "no such order");
//! assert_eq!(store.job_get(job.id).await?.map(|j| j.state), Some(JobState::Completed));
//! testing::assert_enqueued::<SendReceipt, _>(&store, |args| args.order_id == 7).await;
//!
//! // Run the failed one again now, without waiting for its backoff.
//! let failed = worker.run_job(report.failed[0].id).await?;
//! assert_eq!((failed.state, failed.attempt), (JobState::Retryable, 2));
//!
//! db.close().await?;
//! t.cleanup().await?;
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
//! ```

#[cfg(feature = "sea-orm")]
mod database;
#[cfg(any(feature = "sea-orm", feature = "diesel", feature = "diesel-async"))]
mod in_transaction;

#[cfg(feature = "sea-orm")]
#[cfg_attr(docsrs, doc(cfg(feature = "sea-orm")))]
pub use database::{
    DEFAULT_MYSQL_URL, DEFAULT_POSTGRES_URL, MYSQL_URL_VAR, POSTGRES_URL_VAR, TestDatabase,
};
#[cfg(feature = "diesel")]
pub use in_transaction::diesel;
#[cfg(feature = "diesel-async")]
pub use in_transaction::diesel_async;
#[cfg(feature = "sea-orm")]
pub use in_transaction::{assert_enqueued_in, assert_not_enqueued_in, enqueued_in};
#[doc(inline)]
pub use tranq_core::testing::{
    DEFAULT_DRAIN_LIMIT, DrainReport, Failure, TestWorker, TestingError, assert_enqueued,
    assert_not_enqueued, drain, enqueued, run_job,
};

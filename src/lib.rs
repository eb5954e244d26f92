//! # tranq
//!
//! Transactional background jobs for Rust. A job is a row written inside your own database
//! transaction: if the transaction commits, the job exists and runs at least once; if it rolls
//! back, the job never existed. So "the row committed but the task was never sent" and "the task
//! ran before the row existed" cannot happen: there is no second system to keep in step.
//!
//! Works with **SeaORM**, **Diesel** and **diesel-async**, on **PostgreSQL**, **MariaDB** and
//! **SQLite**.
//!
//! ## A complete example
//!
//! A task, a job enqueued in the same transaction as an order, and a worker that runs it (SQLite
//! here, so it runs anywhere; the code is the same on PostgreSQL and MariaDB):
//!
//! ```
//! # #[cfg(all(feature = "macros", feature = "sea-orm", feature = "sqlite"))]
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! use std::time::Duration;
//!
//! use sea_orm::{ConnectionTrait, TransactionTrait};
//! use serde::{Deserialize, Serialize};
//! use tranq::sea_orm::Enqueue as _;
//! use tranq::{JobState, TaskContext, TaskError, Worker};
//!
//! #[derive(Serialize, Deserialize)]
//! pub struct Invoice {
//!     pub order_id: i64,
//! }
//!
//! /// Generates `SendInvoice`, the handle used to enqueue it.
//! #[tranq::task(max_attempts = 5, timeout = "30s")]
//! async fn send_invoice(ctx: TaskContext, args: Invoice) -> Result<(), TaskError> {
//!     tracing::info!(order = args.order_id, attempt = ctx.attempt(), "sending invoice");
//!     Ok(())
//! }
//!
//! # let dir = std::env::temp_dir().join(format!("tranq-front-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let url = format!("sqlite://{}?mode=rwc", dir.join("shop.sqlite").display());
//! let db = tranq::sea_orm::connect(&url).await?;
//! tranq::sea_orm::migrate(&db).await?;
//! db.execute_unprepared("CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER)").await?;
//!
//! // In a request handler: the order and its job commit together, or not at all.
//! let txn = db.begin().await?;
//! txn.execute_unprepared("INSERT INTO orders (id, total) VALUES (42, 1999)").await?;
//! let job = SendInvoice::enqueue_in(&txn, Invoice { order_id: 42 }).await?;
//! txn.commit().await?;
//!
//! // A worker (in the same process here; often a binary of its own).
//! let store = tranq::sea_orm::Store::new(db.clone());
//! let worker = Worker::builder(store.clone()).queue("default", 4).build()?;
//! let running = tokio::spawn(worker.run_until(async {
//!     tokio::time::sleep(Duration::from_secs(2)).await; // your shutdown signal
//! }));
//! running.await??;
//! assert_eq!(store.job_get(job).await?.map(|j| j.state), Some(JobState::Completed));
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! ## What it promises
//!
//! - A job enqueued in a transaction that rolls back never runs; a committed job runs at least
//!   once, even if workers are killed or the database restarts.
//! - While a worker holds a job's lease, no other worker runs it; a claim carries a fencing
//!   token, so a worker whose lease expired cannot store an outcome.
//! - Failures are retried with exponential backoff and jitter, up to `max_attempts`; every
//!   failure is recorded on the job. An attempt counts once its handler starts.
//! - Graceful shutdown finishes running jobs within a grace period and releases the rest.
//!
//! The README lists every guarantee with the test that checks it.
//!
//! ## Feature flags
//!
//! | feature | what it adds |
//! |---|---|
//! | `macros` (default) | [`task`], the `#[task]` attribute |
//! | `sea-orm` | [`sea_orm`]: enqueue in SeaORM transactions, a store over a `DatabaseConnection` |
//! | `diesel` | [`diesel`]: enqueue in Diesel transactions, a store over an r2d2 pool |
//! | `diesel-async` | [`diesel_async`]: enqueue in diesel-async transactions, a store over a bb8 pool |
//! | `postgres`, `mysql`, `sqlite` | that database for every adapter enabled (Diesel's `postgres` links libpq, its `mysql` libmysqlclient; SQLite is compiled in) |
//! | `sea-orm-migration` | tranq's schema as `sea-orm-migration` migrations for your own `Migrator` |
//!
//! ## Learn more
//!
//! The tranq book (`book/` in the repository; `mdbook serve book`) is a guide for people coming
//! from FastAPI + SQLAlchemy + Celery: why a transactional queue, a quick start, SeaORM and
//! Diesel, Celery's options in tranq's terms, running workers, and the internals.
#![cfg_attr(docsrs, feature(doc_cfg))]

// The surface users program against; `tests/public_api.rs` keeps this list from growing by
// accident. What adapters and tests need beyond it is in `internal`.
#[doc(inline)]
pub use tranq_core::{
    AttemptError, Backoff, DEFAULT_GRACE_PERIOD, DEFAULT_LEASE, DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_POLL_INTERVAL, DEFAULT_QUEUE, DEFAULT_RETENTION, Dialect,
    Error, JobBuilder, JobId, JobInfo, JobState, MAX_DELAY, MAX_ERROR_MESSAGE_BYTES,
    MAX_RESULT_BYTES, Migration, Registration, Registry, Result, Task, TaskContext, TaskError,
    TaskErrorKind, TaskOptions, TaskResult, Worker, WorkerBuilder, WorkerConfig, migrations,
};

/// Marks an async fn as a task; see the crate docs.
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use tranq_macros::task;

/// What `#[task]` expands to. Not public API.
#[doc(hidden)]
pub use tranq_core::__private;

/// The machinery under the surface: the `Store` port and its SQL, the parameter types of its
/// methods, the adapter traits. For adapter crates and tranq's own tests; not covered by
/// semver.
#[doc(hidden)]
pub mod internal {
    pub use tranq_core::{
        Backend, ClaimParams, ClaimedJob, ColumnType, Completion, DEFAULT_COMPLETION_BATCH,
        DEFAULT_LEADER_TTL, DEFAULT_MAX_PREFETCH, DEFAULT_POLL_INTERVAL_WITHOUT_NOTIFY,
        DEFAULT_PRUNE_INTERVAL, DEFAULT_RESCUE_INTERVAL, EnqueueVia, FailParams, InsertAnswer,
        InsertIds, InsertStep, LastIdInsert, LeaderParams, Lease, MAX_QUEUE_NAME_LEN, NewJob,
        Notifications, PRUNE_BATCH, PruneParams, Query, RESCUE_BATCH, Row, RowShape, SqlStore,
        Store, Transaction, UNKNOWN_TASK_REPORT_INTERVAL, Value, insert_query, inserted_ids,
        redact_url, validate_queue,
    };
}

/// Enqueue inside SeaORM transactions (`Enqueue`), a `Store` over a SeaORM
/// `DatabaseConnection` for the worker, `connect` and `migrate`.
#[cfg(feature = "sea-orm")]
#[cfg_attr(docsrs, doc(cfg(feature = "sea-orm")))]
pub mod sea_orm {
    #[doc(inline)]
    pub use tranq_sea_orm::{
        Enqueue, SQLITE_POOL_SIZE, SeaOrm, SeaOrmBackend, Store, connect, migrate,
    };
    #[cfg(feature = "sea-orm-migration")]
    #[doc(inline)]
    pub use tranq_sea_orm::{TranqMigration, migrations};
}

/// Enqueue inside Diesel (sync) transactions (`Enqueue`), a `Store` over an r2d2 pool of
/// Diesel connections for the worker, and Diesel migrations of tranq's schema.
#[cfg(feature = "diesel")]
#[cfg_attr(docsrs, doc(cfg(feature = "diesel")))]
pub mod diesel {
    #[cfg(feature = "sqlite")]
    #[doc(inline)]
    pub use tranq_diesel::SqliteSetup;
    #[doc(inline)]
    pub use tranq_diesel::{
        Diesel, DieselBackend, Enqueue, MIGRATIONS, Migrations, Store, StoreConnection,
        TranqConnection, migrate, tranq_error,
    };
}

/// Enqueue inside diesel-async transactions (`Enqueue`), a `Store` over a bb8 pool of
/// diesel-async connections for the worker, and Diesel migrations of tranq's schema.
#[cfg(feature = "diesel-async")]
#[cfg_attr(docsrs, doc(cfg(feature = "diesel-async")))]
pub mod diesel_async {
    #[cfg(feature = "sqlite")]
    #[doc(inline)]
    pub use tranq_diesel_async::SqliteSetup;
    #[doc(inline)]
    pub use tranq_diesel_async::{
        AsyncDieselBackend, DieselAsync, Enqueue, MIGRATIONS, Manager, Migrations, Store,
        StoreConnection, TranqAsyncConnection, migrate, tranq_error,
    };
}

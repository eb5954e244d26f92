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
//! ```standalone_crate
//! # #[cfg(all(feature = "macros", feature = "sea-orm", feature = "sqlite"))]
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! use std::time::Duration;
//!
//! use sea_orm::{ConnectionTrait, TransactionTrait};
//! use serde::{Deserialize, Serialize};
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
//! | `dashboard` | [`dashboard`]: a web dashboard of queues, jobs and failures, an axum router to mount in your app |
//! | `relay` | [`relay`]: events enqueued in your transaction, published to NATS JetStream exactly once per job id (the outbox pattern) |
//! | `testing` | [`testing`]: assert what was enqueued, run queued jobs inline, a database per test (for `[dev-dependencies]`) |
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
    AttemptError, Backoff, Cancellation, DEFAULT_GRACE_PERIOD, DEFAULT_LEASE, DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_POLL_INTERVAL, DEFAULT_QUEUE, DEFAULT_RETENTION, Dialect,
    Enqueue, Enqueued, Error, Executor, FailureGroup, JobBuilder, JobFilter, JobId, JobInfo,
    JobState, JobTimes, MAX_DELAY, MAX_ERROR_MESSAGE_BYTES, MAX_RESULT_BYTES, Migration, Periodic,
    QueueStats, Registration, Registry, Result, Schedule, ShutdownSignal, State, StateType, Task,
    TaskContext, TaskError, TaskErrorKind, TaskOptions, TaskResult, Throughput, Worker,
    WorkerBuilder, WorkerConfig, describe_metrics, metric_names, migrations, shutdown_signal,
};

/// Marks an async fn as a task.
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use tranq_macros::task;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

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
        DEFAULT_PRUNE_INTERVAL, DEFAULT_RESCUE_INTERVAL, FailParams, InsertAnswer, InsertIds,
        InsertPlan, InsertStep, LastIdInsert, LeaderParams, Lease, LimitedClaim,
        MAX_QUEUE_NAME_LEN, NewJob, Notifications, PRUNE_BATCH, PruneParams, Query, QueueLimits,
        RESCUE_BATCH, RateLimit, Row, RowShape, SqlStore, Store, Transaction,
        UNKNOWN_TASK_REPORT_INTERVAL, Value, inserted_ids, redact_url, validate_queue,
    };

    /// The SeaORM adapter's insert over any connection type.
    #[cfg(feature = "sea-orm")]
    pub mod sea_orm {
        pub use tranq_sea_orm::insert_jobs;
    }

    /// The Diesel adapter's insert and connection trait, for generic code in tests.
    #[cfg(feature = "diesel")]
    pub mod diesel {
        pub use tranq_diesel::{TranqConnection, insert_jobs};
    }

    /// The diesel-async adapter's insert and connection trait, for generic code in tests.
    #[cfg(feature = "diesel-async")]
    pub mod diesel_async {
        pub use tranq_diesel_async::{TranqAsyncConnection, insert_jobs};
    }
}

#[cfg(feature = "dashboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "dashboard")))]
pub mod dashboard {
    //! The web dashboard: an axum router that shows queues, jobs and failures, and retries,
    //! cancels or discards jobs, over any adapter's store. Read-only unless a write token is
    //! set. `tranq dashboard` (the `tranq-cli` crate) serves the same router.
    //!
    //! ```no_run
    //! # #[cfg(all(feature = "sea-orm", feature = "postgres"))]
    //! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    //! let db = tranq::sea_orm::connect("postgres://app@localhost/app").await?;
    //! let store = tranq::sea_orm::Store::new(db);
    //! let admin = tranq::dashboard::Dashboard::new(store)
    //!     .write_token(std::env::var("TRANQ_DASHBOARD_TOKEN")?)
    //!     .router()?;
    //! let app = axum::Router::new().nest("/admin/jobs", admin);
    //! axum::serve(tokio::net::TcpListener::bind("127.0.0.1:8080").await?, app).await?;
    //! # Ok(()) }
    //! ```
    #[doc(inline)]
    pub use tranq_dashboard::{Dashboard, Error, MIN_TOKEN_LEN, Result, router};
}

#[cfg(feature = "relay")]
#[cfg_attr(docsrs, doc(cfg(feature = "relay")))]
pub mod relay {
    //! The outbox relay: events written as jobs in your own transaction, published to NATS
    //! JetStream by the worker once the transaction has committed.
    //!
    //! - Enqueue: `Publish::enqueue_in(&txn, Event::new(subject, payload))` on any adapter's
    //!   connection or transaction, like any task; the event exists only if `txn` commits.
    //! - Relay: `Worker::builder(store).relay(jetstream, RelayConfig::new())?` (import
    //!   [`RelayWorker`]), or the `tranq relay` command. Each event is published with its job
    //!   id as `Nats-Msg-Id`; the job completes only after JetStream's acknowledgement, and is
    //!   retried while NATS is unreachable.
    //! - Exactly once in the stream: a job may run again after a crash, so the stream's duplicate
    //!   window must outlast the longest gap before a retry ([`duplicate_window`]).
    //! - Order: [`Publish::ordered`] events are published in order per subject (relayed one at
    //!   a time when the config says [`RelayConfig::ordered`]).
    //!
    //! ```no_run
    //! # #[cfg(all(feature = "sea-orm", feature = "sqlite"))]
    //! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    //! use sea_orm::TransactionTrait;
    //! use tranq::relay::{Event, Publish, RelayConfig, RelayWorker as _};
    //!
    //! let db = tranq::sea_orm::connect("sqlite://shop.sqlite?mode=rwc").await?;
    //! tranq::sea_orm::migrate(&db).await?;
    //!
    //! // In the request handler: the order and its event commit together.
    //! let txn = db.begin().await?;
    //! // ... insert the order on `&txn` ...
    //! Publish::enqueue_in(&txn, Event::json("orders.created", &serde_json::json!({ "id": 42 }))?)
    //!     .await?;
    //! txn.commit().await?;
    //!
    //! // The worker publishes it.
    //! let jetstream = tranq::relay::async_nats::jetstream::new(
    //!     tranq::relay::async_nats::connect("127.0.0.1:4222").await?,
    //! );
    //! tranq::relay::ensure_stream(
    //!     &jetstream,
    //!     "ORDERS",
    //!     vec!["orders.>".into()],
    //!     tranq::relay::DEFAULT_DUPLICATE_WINDOW,
    //! )
    //! .await?;
    //! tranq::Worker::builder(tranq::sea_orm::Store::new(db.clone()))
    //!     .relay(jetstream, RelayConfig::new())?
    //!     .build()?
    //!     .run_until(tranq::shutdown_signal())
    //!     .await?;
    //! # Ok(()) }
    //! ```
    #[doc(inline)]
    pub use tranq_relay::{
        DEFAULT_ACK_TIMEOUT, DEFAULT_CONCURRENCY, DEFAULT_DUPLICATE_WINDOW,
        DEFAULT_PUBLISH_TIMEOUT, Error, Event, MESSAGE_ID_HEADER, ORDERED_QUEUE, Publish,
        RELAY_QUEUE, Relay, RelayConfig, RelayWorker, Result, async_nats, duplicate_window,
        ensure_stream,
    };
}

#[cfg(feature = "sea-orm")]
#[cfg_attr(docsrs, doc(cfg(feature = "sea-orm")))]
pub mod sea_orm {
    //! SeaORM: enqueue inside any SeaORM transaction or connection, a [`Store`] over a
    //! `DatabaseConnection` for the worker, [`connect`] and [`migrate`].
    //!
    //! - Enqueue: `MyTask::enqueue_in(&txn, args).await?` on a `&DatabaseTransaction` (or a
    //!   `&DatabaseConnection`, outside any transaction); exactly one statement per call, so the
    //!   job commits or rolls back with the rest of `txn`. It returns a [`crate::Result`]: tell
    //!   [`crate::Error::PayloadTooLarge`] and the other input errors from database errors by
    //!   matching on it.
    //! - [`Store`]: `Store::new(db.clone())` for [`crate::Worker::builder`]. The worker shares
    //!   the pool with your handlers; size it for both.
    //! - Wake-ups: on PostgreSQL the store listens for `NOTIFY` on a connection of its own, so
    //!   an idle worker starts a committed job at once; on MariaDB and SQLite workers poll
    //!   (every [`crate::DEFAULT_POLL_INTERVAL`] by default).
    //! - SQLite: [`connect`] gives the pool [`SQLITE_POOL_SIZE`] connections, WAL and a busy
    //!   timeout, so that writers wait for each other instead of failing with "database is
    //!   locked". Use it, or start your own options from [`connect_options`].
    //! - Pool checkouts: [`connect`] pings a pooled connection only when it was idle for
    //!   [`PING_IF_IDLE_FOR`]; SeaORM's default pings on every checkout, one more round trip
    //!   before each of the worker's statements. On a pool of your own, set
    //!   `test_before_acquire_if_idle_for` likewise.
    //! - Schema: [`migrate`] (idempotent, safe from many processes), or with the
    //!   `sea-orm-migration` feature, [`migrations`] inside your own `Migrator`.
    //!
    //! ```no_run
    //! # #[cfg(feature = "macros")]
    //! # mod example {
    //! use sea_orm::{DatabaseConnection, TransactionTrait};
    //! use serde::{Deserialize, Serialize};
    //! use tranq::{TaskContext, TaskError};
    //!
    //! #[derive(Serialize, Deserialize)]
    //! pub struct Invoice {
    //!     pub order_id: i64,
    //! }
    //!
    //! #[tranq::task]
    //! async fn send_invoice(_ctx: TaskContext, _args: Invoice) -> Result<(), TaskError> {
    //!     Ok(())
    //! }
    //!
    //! pub async fn place_order(db: &DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
    //!     let txn = db.begin().await?;
    //!     // ... insert the order with SeaORM on `&txn` ...
    //!     let job = SendInvoice::enqueue_in(&txn, Invoice { order_id: 7 }).await?;
    //!     txn.commit().await?; // the job exists only from here on
    //!     println!("enqueued job {job}");
    //!     Ok(())
    //! }
    //! # }
    //! ```
    //!
    //! ## `?` in both transaction styles
    //!
    //! SeaORM's `DbErr` converts into [`crate::Error`], so `?` takes both kinds of error in a
    //! function that returns `tranq::Result` (or your own error type with `From` for both), and
    //! in SeaORM's closure form when the closure's error type is `tranq::Error`. The error stays
    //! typed: a refused job is still [`crate::Error::PayloadTooLarge`], not a string.
    //!
    //! ```
    //! # #[cfg(all(feature = "macros", feature = "sqlite"))]
    //! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
    //! use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionError, TransactionTrait};
    //! # use serde::{Deserialize, Serialize};
    //! # use tranq::{TaskContext, TaskError};
    //! # #[derive(Serialize, Deserialize)]
    //! # pub struct Invoice { pub order_id: i64 }
    //! # #[tranq::task]
    //! # async fn send_invoice(_ctx: TaskContext, _args: Invoice) -> Result<(), TaskError> { Ok(()) }
    //!
    //! /// Explicit begin and commit.
    //! async fn place(db: &DatabaseConnection, id: i64) -> tranq::Result<tranq::JobId> {
    //!     let txn = db.begin().await?; // a DbErr
    //!     txn.execute_unprepared(&format!("INSERT INTO orders (id) VALUES ({id})")).await?;
    //!     let job = SendInvoice::enqueue_in(&txn, Invoice { order_id: id }).await?; // a tranq::Error
    //!     txn.commit().await?;
    //!     Ok(job)
    //! }
    //!
    //! /// The closure form, with `tranq::Error` as the closure's error type.
    //! async fn place_in_closure(db: &DatabaseConnection, id: i64) -> tranq::Result<tranq::JobId> {
    //!     let job = db
    //!         .transaction::<_, _, tranq::Error>(|txn| {
    //!             Box::pin(async move {
    //!                 txn.execute_unprepared(&format!("INSERT INTO orders (id) VALUES ({id})"))
    //!                     .await?;
    //!                 SendInvoice::enqueue_in(txn, Invoice { order_id: id }).await
    //!             })
    //!         })
    //!         .await?; // TransactionError<tranq::Error> converts back into tranq::Error
    //!     Ok(job)
    //! }
    //!
    //! # let dir = std::env::temp_dir().join(format!("tranq-sea-orm-q-{}", std::process::id()));
    //! # std::fs::create_dir_all(&dir).unwrap();
    //! # let url = format!("sqlite://{}?mode=rwc", dir.join("q.sqlite").display());
    //! let db = tranq::sea_orm::connect(&url).await?;
    //! tranq::sea_orm::migrate(&db).await?;
    //! db.execute_unprepared("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY)").await?;
    //! place(&db, 1).await?;
    //! place_in_closure(&db, 2).await?;
    //!
    //! // The typed error survives the closure: the order rolls back with its refused job.
    //! let refused = db
    //!     .transaction::<_, _, tranq::Error>(|txn| {
    //!         Box::pin(async move {
    //!             txn.execute_unprepared("INSERT INTO orders (id) VALUES (3)").await?;
    //!             SendInvoice::builder()
    //!                 .max_payload_bytes(4)
    //!                 .enqueue_in(txn, Invoice { order_id: 3 })
    //!                 .await
    //!         })
    //!     })
    //!     .await;
    //! assert!(matches!(
    //!     refused,
    //!     Err(TransactionError::Transaction(tranq::Error::PayloadTooLarge { .. }))
    //! ));
    //! let orders = db.query_all_raw(sea_orm::Statement::from_string(
    //!     db.get_database_backend(),
    //!     "SELECT id FROM orders",
    //! )).await?;
    //! assert_eq!(orders.len(), 2);
    //! # std::fs::remove_dir_all(&dir).ok();
    //! # Ok::<(), Box<dyn std::error::Error>>(())
    //! # }).unwrap();
    //! ```
    #[doc(inline)]
    pub use tranq_sea_orm::{
        PING_IF_IDLE_FOR, SQLITE_POOL_SIZE, SeaOrm, SeaOrmBackend, Store, connect, connect_options,
        migrate,
    };
    #[cfg(feature = "sea-orm-migration")]
    #[doc(inline)]
    pub use tranq_sea_orm::{TranqMigration, migrations};
}

#[cfg(feature = "diesel")]
#[cfg_attr(docsrs, doc(cfg(feature = "diesel")))]
pub mod diesel {
    //! Diesel (sync): enqueue inside a Diesel transaction, a [`Store`] over an r2d2 pool for the
    //! worker, and Diesel migrations of tranq's schema.
    //!
    //! - Enqueue: `MyTask::enqueue_in(conn, args)?` on a `&mut PgConnection` (or a
    //!   `MysqlConnection`, a `SqliteConnection`, or an r2d2-pooled one), inside
    //!   `conn.transaction(|conn| ...)`. Errors are `diesel::result::Error`, so that `?` works
    //!   in the closure; tranq's own (invalid queue, payload too large, NUL character, missing
    //!   schema) come back typed through [`tranq_error`] (or borrowed, [`as_tranq_error`]). The
    //!   `conn` is moved into the call:
    //!   pass `&mut *conn` to use the connection again after it.
    //! - Blocking: Diesel's calls block the thread. From an async handler (axum), run the
    //!   transaction inside `tokio::task::spawn_blocking`, or use [`crate::diesel_async`];
    //!   otherwise the runtime's thread stalls for as long as the transaction takes.
    //! - [`Store`]: `Store::new(pool)` over an `r2d2::Pool<ConnectionManager<PgConnection>>`
    //!   (or of the other two), for [`crate::Worker::builder`]. The worker needs tokio; each of
    //!   its Diesel calls runs on tokio's blocking pool.
    //! - Wake-ups: sync Diesel has no notification stream, so a worker over this store polls
    //!   (its poll interval bounds pickup latency). A worker over [`crate::diesel_async`] or
    //!   [`crate::sea_orm`] on PostgreSQL is woken by `NOTIFY`; your sync code can still
    //!   enqueue with Diesel.
    //! - MariaDB: an enqueue is two statements (three for a batch; one per job under
    //!   `innodb_autoinc_lock_mode = 2`), run in a savepoint: Diesel's MySQL client cannot read
    //!   the rows of `INSERT ... RETURNING`, so the ids come from `LAST_INSERT_ID()`.
    //! - SQLite: give the pool a few connections and [`SqliteSetup`] (busy timeout, WAL), so
    //!   that writers wait for each other instead of failing with "database is locked".
    //! - Schema: [`migrate`] (idempotent, safe from many processes), [`migrate_blocking`] in a
    //!   program without an async runtime, or [`MIGRATIONS`] with `diesel_migrations`.
    //!
    //! ```no_run
    //! # #[cfg(all(feature = "macros", feature = "postgres"))]
    //! # mod example {
    //! use diesel::prelude::*;
    //! use serde::{Deserialize, Serialize};
    //! use tranq::{TaskContext, TaskError};
    //!
    //! #[derive(Serialize, Deserialize)]
    //! pub struct Invoice {
    //!     pub order_id: i64,
    //! }
    //!
    //! #[tranq::task]
    //! async fn send_invoice(_ctx: TaskContext, _args: Invoice) -> Result<(), TaskError> {
    //!     Ok(())
    //! }
    //!
    //! pub fn place_order(conn: &mut PgConnection) -> QueryResult<()> {
    //!     conn.transaction(|conn| {
    //!         // ... insert the order with Diesel on `conn` ...
    //!         SendInvoice::enqueue_in(&mut *conn, Invoice { order_id: 7 })?;
    //!         // ... `conn` is still yours here ...
    //!         Ok(())
    //!     }) // the job exists only once this commits
    //! }
    //! # }
    //! ```
    #[cfg(feature = "sqlite")]
    #[doc(inline)]
    pub use tranq_diesel::SqliteSetup;
    #[doc(inline)]
    pub use tranq_diesel::{
        Diesel, DieselBackend, MIGRATIONS, Migrations, Store, StoreConnection, as_tranq_error,
        migrate, migrate_blocking, tranq_error,
    };
}

#[cfg(feature = "diesel-async")]
#[cfg_attr(docsrs, doc(cfg(feature = "diesel-async")))]
pub mod diesel_async {
    //! diesel-async: enqueue inside a diesel-async transaction, a [`Store`] over a bb8 pool for
    //! the worker, and Diesel migrations of tranq's schema.
    //!
    //! - Enqueue: `MyTask::enqueue_in(conn, args).await?` on a `&mut AsyncPgConnection` (or an
    //!   `AsyncMysqlConnection`, a `SyncConnectionWrapper<SqliteConnection>`, or a bb8-pooled
    //!   one), inside `conn.transaction(async move |conn| ...)`. Errors are
    //!   `diesel::result::Error`, so that `?` works in the closure; tranq's own come back typed
    //!   through [`tranq_error`]. The `conn` is moved into the call: pass `&mut *conn` to use
    //!   the connection again after it.
    //! - [`Store`]: `Store::new(pool)` over a `bb8::Pool<AsyncDieselConnectionManager<_>>`, for
    //!   [`crate::Worker::builder`].
    //! - Wake-ups: on PostgreSQL the store listens for `NOTIFY` on a connection of its own
    //!   (outside the pool); on MariaDB (10.6 or later) and SQLite workers poll.
    //! - SQLite: give the pool a few connections and [`SqliteSetup`], and run on tokio's
    //!   multi-thread runtime: diesel-async's `SyncConnectionWrapper` panics when one of its
    //!   calls is cancelled on a current-thread runtime.
    //! - Schema: [`migrate`] (idempotent, safe from many processes), or [`MIGRATIONS`] with
    //!   `diesel_migrations` (through diesel-async's `AsyncMigrationHarness`).
    //!
    //! ```no_run
    //! # #[cfg(all(feature = "macros", feature = "postgres"))]
    //! # mod example {
    //! use diesel_async::{AsyncConnection, AsyncPgConnection};
    //! use serde::{Deserialize, Serialize};
    //! use tranq::{TaskContext, TaskError};
    //!
    //! #[derive(Serialize, Deserialize)]
    //! pub struct Invoice {
    //!     pub order_id: i64,
    //! }
    //!
    //! #[tranq::task]
    //! async fn send_invoice(_ctx: TaskContext, _args: Invoice) -> Result<(), TaskError> {
    //!     Ok(())
    //! }
    //!
    //! pub async fn place_order(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    //!     conn.transaction::<_, diesel::result::Error, _>(async move |conn| {
    //!         // ... insert the order with diesel-async on `conn` ...
    //!         SendInvoice::enqueue_in(conn, Invoice { order_id: 7 }).await?;
    //!         Ok(())
    //!     })
    //!     .await // the job exists only once this commits
    //! }
    //! # }
    //! ```
    #[cfg(feature = "sqlite")]
    #[doc(inline)]
    pub use tranq_diesel_async::SqliteSetup;
    #[doc(inline)]
    pub use tranq_diesel_async::{
        AsyncDieselBackend, DieselAsync, MIGRATIONS, Manager, Migrations, Store, StoreConnection,
        as_tranq_error, migrate, tranq_error,
    };
}

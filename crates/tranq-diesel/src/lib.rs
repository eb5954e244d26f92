//! Diesel (sync) adapter of tranq: enqueue inside a Diesel transaction, and a [`Store`] over an
//! r2d2 pool for the worker.
//!
//! Semver exempt: use it through `tranq` with the `diesel` feature and a database feature:
//! `postgres` (`PgConnection`, links libpq), `mysql` (`MysqlConnection` to MariaDB, links
//! libmysqlclient) or `sqlite` (`SqliteConnection`, SQLite bundled).
//!
//! On MariaDB an enqueue is two statements (three for a batch; more under
//! `innodb_autoinc_lock_mode = 2`), not one: Diesel's MySQL client
//! reads a statement's result columns before running it, and MariaDB announces those of
//! `INSERT ... RETURNING` only once it ran, so the insert runs without `RETURNING` and the ids
//! are read from `LAST_INSERT_ID()` (see [`tranq_core::LastIdInsert`]). `tranq-diesel-async` on
//! MariaDB needs one statement.
//!
//! - Enqueue: `MyTask::enqueue_in(conn, args)?` on a `&mut PgConnection` (or a
//!   `MysqlConnection`, a `SqliteConnection`, or an r2d2-pooled one), inside
//!   `conn.transaction(|conn| ...)`; exactly one statement per call (on MariaDB see above).
//!   Errors are `diesel::result::Error`, so that `?` works in the closure; tranq's own (invalid
//!   queue, payload too large, NUL character, missing schema) come back typed through
//!   [`tranq_error`]. The `conn` is moved into the call: pass `&mut *conn` to use it again after.
//! - Blocking: Diesel's calls block the thread. In an async handler (axum), run the
//!   transaction with `tokio::task::spawn_blocking` (or use `tranq-diesel-async`), or it stalls
//!   the runtime's worker thread for the length of the transaction.
//! - [`Store`]: `Store::new(pool)` over an `r2d2::Pool<ConnectionManager<PgConnection>>` (or of
//!   `MysqlConnection`s or `SqliteConnection`s), for `tranq::Worker::builder`. Diesel's calls
//!   block, so each runs on tokio's blocking pool.
//! - SQLite: give the pool a few connections and `SqliteSetup` (busy timeout, WAL), so that
//!   writers wait for each other instead of failing with "database is locked".
//! - Wake-ups: sync Diesel has no notification stream, so a worker over this store only polls
//!   (its poll interval bounds pickup latency). Use `tranq-diesel-async` on PostgreSQL, or run
//!   the worker over another adapter's store, for `LISTEN`/`NOTIFY` wake-ups.
//! - Schema: [`migrate`] (idempotent, safe from many processes), or [`MIGRATIONS`] with
//!   `diesel_migrations`.
//!
//! ```no_run
//! # #[cfg(feature = "postgres")]
//! # mod example {
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Serialize, Deserialize)] pub struct Invoice { pub order_id: i64 }
//! # pub struct SendInvoice;
//! # impl tranq_core::Task for SendInvoice {
//! #     type Args = Invoice;
//! #     const NAME: &'static str = "send_invoice";
//! #     fn run(_: tranq_core::TaskContext, _: Invoice) -> futures::future::BoxFuture<'static, tranq_core::TaskResult> { Box::pin(async { Ok(None) }) }
//! # }
//! # use tranq_core::Enqueue as _; // `#[tranq::task]` handles need no import
//! use diesel::prelude::*;
//!
//! fn place_order(conn: &mut PgConnection) -> QueryResult<()> {
//!     conn.transaction(|conn| {
//!         // ... insert the order with Diesel on `conn` ...
//!         SendInvoice::enqueue_in(conn, Invoice { order_id: 7 })?;
//!         Ok(())
//!     }) // the job exists only once this commits
//! }
//! # }
//! # fn main() {}
//! ```

mod backend;
mod blocking;
mod connection;
mod enqueue;
mod error;
mod migrations;
#[doc(hidden)]
pub mod shared;
#[cfg(feature = "sqlite")]
mod sqlite;
mod transaction;

pub use backend::DieselBackend;
pub use connection::{StoreConnection, TranqConnection};
pub use enqueue::insert_jobs;
pub use error::{as_tranq_error, tranq_error};
pub use migrations::{MIGRATIONS, Migrations};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteSetup;

use diesel::r2d2::{ConnectionManager, Pool};

/// Marker for the Diesel adapter: `&mut` its connections are [`tranq_core::Executor`]`<Diesel>`.
#[derive(Debug, Clone, Copy)]
pub struct Diesel;

/// The worker's [`tranq_core::Store`] over an r2d2 pool of `C` connections:
/// `Store::new(pool)`.
pub type Store<C> = tranq_core::SqlStore<DieselBackend<C>>;

/// Creates or upgrades tranq's tables in the database behind `pool`. Idempotent, and safe when
/// several processes run it at once.
///
/// ```no_run
/// # #[cfg(feature = "postgres")]
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use diesel::r2d2::{ConnectionManager, Pool};
/// use diesel::PgConnection;
///
/// let pool = Pool::new(ConnectionManager::<PgConnection>::new("postgres://localhost/app"))?;
/// tranq_diesel::migrate(&pool).await?;
/// let store = tranq_diesel::Store::new(pool);
/// # let _ = store;
/// # Ok(()) }
/// ```
pub async fn migrate<C: StoreConnection>(
    pool: &Pool<ConnectionManager<C>>,
) -> tranq_core::Result<()> {
    Store::<C>::new(pool.clone()).migrate().await
}

/// Creates or upgrades tranq's tables, for programs without an async runtime: a plain
/// `PgConnection` program, a CLI, a build step. Connects to `database_url` with a pool of its
/// own, runs [`migrate`] on a runtime of its own (on a thread of its own, so it also works when
/// called from inside one) and blocks until it is done. Idempotent, and safe when several
/// processes run it at once. Records what it applied in `tranq_migrations`, as [`migrate`] does,
/// so the two can be mixed; [`MIGRATIONS`] records in Diesel's table instead.
///
/// A worker still needs tokio and an r2d2 pool (`Store::new(pool)`): it runs many things at once
/// (claims, heartbeats, handlers), and runs each Diesel call on tokio's blocking pool.
///
/// ```no_run
/// # #[cfg(feature = "postgres")]
/// # fn main() -> tranq_core::Result<()> {
/// tranq_diesel::migrate_blocking::<diesel::PgConnection>("postgres://localhost/app")?;
/// # Ok(()) }
/// # #[cfg(not(feature = "postgres"))] fn main() {}
/// ```
pub fn migrate_blocking<C: StoreConnection>(database_url: &str) -> tranq_core::Result<()> {
    let pool = Pool::builder()
        .max_size(2)
        .build(ConnectionManager::<C>::new(database_url))
        .map_err(|e| tranq_core::Error::connect(database_url, e.to_string()))?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| {
                        tranq_core::Error::database_message(format!(
                            "cannot start a runtime to migrate on: {e}"
                        ))
                    })?
                    .block_on(migrate(&pool))
            })
            .join()
            .unwrap_or_else(|_| {
                Err(tranq_core::Error::database_message(
                    "the migration thread panicked",
                ))
            })
    })
}

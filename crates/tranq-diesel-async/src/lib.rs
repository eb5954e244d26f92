//! diesel-async adapter of tranq: enqueue inside a diesel-async transaction, and a [`Store`]
//! over a bb8 pool for the worker.
//!
//! Semver exempt: use it through `tranq` with the `diesel-async` feature and a database
//! feature: `postgres` (`AsyncPgConnection`), `mysql` (`AsyncMysqlConnection`, MariaDB 10.6+)
//! or `sqlite` (`SyncConnectionWrapper<SqliteConnection>`, SQLite bundled).
//!
//! - Enqueue: `MyTask::enqueue_in(conn, args).await?` on a `&mut AsyncPgConnection` (or
//!   one of the other two, or a bb8-pooled one), inside
//!   `conn.transaction(async move |conn| ...)`; exactly one statement per call. Errors are
//!   `diesel::result::Error`, so that `?` works in the closure; tranq's own (invalid queue,
//!   payload too large, missing schema) come back typed through [`tranq_error`]. The `conn` is
//!   moved into the call: pass `&mut *conn` to use it again after.
//! - [`Store`]: `Store::new(pool)` over a `bb8::Pool<AsyncDieselConnectionManager<AsyncPgConnection>>`
//!   (or of the other two), for `tranq::Worker::builder`.
//! - Wake-ups: on Postgres the store listens for `NOTIFY` on a dedicated connection (outside the
//!   pool) through diesel-async's notification stream, so idle workers start committed jobs at
//!   once; polling remains the correctness path, and the only one on MariaDB and SQLite.
//! - SQLite: give the pool a few connections and `SqliteSetup` (busy timeout, WAL), so that
//!   writers wait for each other instead of failing with "database is locked", and run on
//!   tokio's multi-thread runtime: diesel-async's `SyncConnectionWrapper` panics when one of its
//!   calls is cancelled on a current-thread runtime.
//! - Schema: [`migrate`] (idempotent, safe from many processes), or [`MIGRATIONS`] with
//!   `diesel_migrations` (through diesel-async's `AsyncMigrationHarness`).
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
//! use diesel_async::{AsyncConnection, AsyncPgConnection};
//! # use tranq_core::Enqueue as _; // `#[tranq::task]` handles need no import
//!
//! async fn place_order(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
//!     conn.transaction::<_, diesel::result::Error, _>(async move |conn| {
//!         // ... insert the order with diesel-async on `conn` ...
//!         SendInvoice::enqueue_in(conn, Invoice { order_id: 7 }).await?;
//!         Ok(())
//!     })
//!     .await // the job exists only once this commits
//! }
//! # }
//! # fn main() {}
//! ```

mod backend;
mod connection;
mod enqueue;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod pg;
#[cfg(feature = "sqlite")]
mod sqlite;
mod transaction;

pub use backend::AsyncDieselBackend;
pub use connection::{Manager, StoreConnection, TranqAsyncConnection};
pub use enqueue::insert_jobs;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteSetup;
pub use tranq_diesel::{MIGRATIONS, Migrations, as_tranq_error, tranq_error};

use diesel_async::pooled_connection::PoolError;

/// Marker for the diesel-async adapter: `&mut` its connections are
/// [`tranq_core::Executor`]`<DieselAsync>`.
#[derive(Debug, Clone, Copy)]
pub struct DieselAsync;

/// The worker's [`tranq_core::Store`] over a bb8 pool of `C` connections: `Store::new(pool)`.
pub type Store<C> = tranq_core::SqlStore<AsyncDieselBackend<C>>;

/// Creates or upgrades tranq's tables in the database behind `pool`. Idempotent, and safe when
/// several processes run it at once.
///
/// ```no_run
/// # #[cfg(feature = "postgres")]
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use diesel_async::AsyncPgConnection;
/// use diesel_async::pooled_connection::AsyncDieselConnectionManager;
///
/// let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new("postgres://localhost/app");
/// let pool = bb8::Pool::builder().build(manager).await?;
/// tranq_diesel_async::migrate(&pool).await?;
/// let store = tranq_diesel_async::Store::new(pool);
/// # let _ = store;
/// # Ok(()) }
/// ```
pub async fn migrate<C>(pool: &bb8::Pool<Manager<C>>) -> tranq_core::Result<()>
where
    C: StoreConnection,
    Manager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    Store::<C>::new(pool.clone()).migrate().await
}

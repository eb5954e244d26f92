//! SeaORM adapter of tranq: enqueue inside any SeaORM connection or transaction, and a
//! [`Store`] over a `DatabaseConnection` for the worker.
//!
//! Semver exempt: use it through `tranq` with the `sea-orm` feature.
//!
//! ```no_run
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Serialize, Deserialize)] struct Invoice { order_id: i64 }
//! # struct SendInvoice;
//! # impl tranq_core::Task for SendInvoice {
//! #     type Args = Invoice;
//! #     const NAME: &'static str = "send_invoice";
//! #     fn run(_: tranq_core::TaskContext, _: Invoice) -> futures::future::BoxFuture<'static, tranq_core::TaskResult> { Box::pin(async { Ok(None) }) }
//! # }
//! use sea_orm::TransactionTrait;
//! # use tranq_core::Enqueue as _; // `#[tranq::task]` handles need no import
//!
//! # async fn handler(db: sea_orm::DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
//! let txn = db.begin().await?;
//! // ... insert the order with SeaORM on `txn` ...
//! let job = SendInvoice::enqueue_in(&txn, Invoice { order_id: 7 }).await?;
//! txn.commit().await?; // the job exists only from here on
//! # Ok(()) }
//! ```

mod backend;
mod connect;
mod enqueue;
mod exec;
mod listen;
#[cfg(feature = "migration")]
mod migration;

pub use backend::SeaOrmBackend;
pub use connect::{PING_IF_IDLE_FOR, SQLITE_POOL_SIZE, connect, connect_options};
pub use enqueue::insert_jobs;
#[cfg(feature = "migration")]
pub use migration::{TranqMigration, migrations};

/// Marker for the SeaORM adapter: `&DatabaseTransaction` and `&DatabaseConnection` are
/// [`tranq_core::Executor`]`<SeaOrm>`.
#[derive(Debug, Clone, Copy)]
pub struct SeaOrm;

/// The worker's [`tranq_core::Store`] over a SeaORM `DatabaseConnection`:
/// `Store::new(db.clone())`.
pub type Store = tranq_core::SqlStore<SeaOrmBackend>;

/// Runs the query `build` makes for the dialect of `conn` on `conn` (a transaction, say) and
/// returns its rows: how `tranq::testing` reads jobs through a caller's open transaction. Not
/// public API.
#[doc(hidden)]
pub async fn fetch_on<C: sea_orm::ConnectionTrait>(
    conn: &C,
    build: impl FnOnce(tranq_core::Dialect) -> tranq_core::Result<tranq_core::Query>,
) -> tranq_core::Result<Vec<tranq_core::Row>> {
    let query = build(exec::dialect(conn.get_database_backend())?)?;
    exec::fetch(conn, &query).await
}

/// Creates or upgrades tranq's tables in the database behind `db`. Idempotent, and safe when
/// several processes run it at once.
pub async fn migrate(db: &sea_orm::DatabaseConnection) -> tranq_core::Result<()> {
    Store::new(db.clone()).migrate().await
}

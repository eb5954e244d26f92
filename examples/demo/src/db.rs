//! Connecting, and giving each run a clean slate.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::sea_query::{Expr, ExprTrait as _, Query, Table};
use sea_orm::sqlx::sqlite::SqliteSynchronous;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, Schema};
use tranq::Task as _;

use crate::entities::{invoices, orders};
use crate::tasks::SendInvoice;

/// Connections per process: the HTTP handlers hold one each for their transaction.
const MAX_CONNECTIONS: u32 = 8;
/// How long a statement may wait for a free connection of the pool.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A fresh SQLite file under the system's temp dir.
pub(crate) fn default_url() -> String {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let path: PathBuf =
        std::env::temp_dir().join(format!("tranq-demo-{stamp}-{}.db", std::process::id()));
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A pool on `url`, like `tranq::sea_orm::connect` opens (8 connections for SQLite: SeaORM's
/// default of one deadlocks as soon as a reader waits behind an open write transaction), plus
/// one SQLite setting that `connect` has no way to take:
///
/// SQLite runs with `synchronous = NORMAL`, the usual setting in WAL mode (tranq's migration
/// turns WAL on): a commit survives the process being killed, which is what this demo does,
/// though not a power cut. sqlx's default, `FULL`, waits for an fsync on every commit, and
/// every order and every invoice is a commit of its own.
pub(crate) async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(MAX_CONNECTIONS)
        // Also bounds connecting: a wrong URL fails in seconds, not sqlx's 30.
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // Statements that wait for SQLite's write lock would be logged as slow.
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|sqlite| sqlite.synchronous(SqliteSynchronous::Normal));
    Database::connect(options).await
}

/// Drops and recreates the shop's tables, and removes `send_invoice` jobs of earlier runs, so
/// that a database given with `--database-url` can be used again and again. A fresh SQLite file
/// has nothing to remove. Runs after tranq's own migration.
pub(crate) async fn reset(db: &DatabaseConnection) -> Result<(), DbErr> {
    let schema = Schema::new(db.get_database_backend());
    db.execute(&Table::drop().table(invoices::Entity).if_exists().to_owned())
        .await?;
    db.execute(&Table::drop().table(orders::Entity).if_exists().to_owned())
        .await?;
    db.execute(&schema.create_table_from_entity(orders::Entity))
        .await?;
    db.execute(&schema.create_table_from_entity(invoices::Entity))
        .await?;
    let stale_jobs = Query::delete()
        .from_table("tranq_jobs")
        .and_where(Expr::col("task").eq(SendInvoice::NAME))
        .to_owned();
    db.execute(&stale_jobs).await?;
    Ok(())
}

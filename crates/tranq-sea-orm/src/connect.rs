//! Opening a SeaORM pool with settings tranq needs, and errors that say what to fix.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tranq_core::{Error, Result};

/// Connections SQLite pools get by default (SeaORM's own default is one, which blocks every
/// reader while a write transaction is open).
pub const SQLITE_POOL_SIZE: u32 = 8;

/// Connects to `url` (`postgres://`, `mysql://`, `sqlite://`), with a pool sized
/// for a worker beside web handlers. A URL that does not parse, names another database or points
/// nowhere gives [`Error::Connect`] saying which.
///
/// ```no_run
/// # async fn demo() -> tranq_core::Result<()> {
/// let db = tranq_sea_orm::connect("sqlite://shop.db?mode=rwc").await?;
/// tranq_sea_orm::migrate(&db).await?;
/// # Ok(()) }
/// ```
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    let fail = |reason: String| Error::connect(url, reason);
    let scheme = url
        .split_once("://")
        .map(|(scheme, _)| scheme)
        .ok_or_else(|| {
            fail("not a URL: expected scheme://…, e.g. sqlite://jobs.db?mode=rwc".into())
        })?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    match scheme {
        "postgres" | "postgresql" | "mysql" => {}
        "sqlite" => {
            options.max_connections(SQLITE_POOL_SIZE);
        }
        other => {
            return Err(fail(format!(
                "unsupported database {other:?}: use postgres://, mysql:// or sqlite://"
            )));
        }
    }
    Database::connect(options)
        .await
        .map_err(|e| Error::connect_refused(url, e))
}

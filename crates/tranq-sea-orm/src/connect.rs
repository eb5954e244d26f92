//! Opening a SeaORM pool with settings tranq needs, and errors that say what to fix.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tranq_core::{Error, Result};

/// Connections SQLite pools get by default (SeaORM's own default is one, which blocks every
/// reader while a write transaction is open).
pub const SQLITE_POOL_SIZE: u32 = 8;

/// A pooled connection idle this long is pinged before it is handed out; one in use more
/// recently is handed out at once (SeaORM's default pings on every checkout: one more round
/// trip before each of the worker's statements).
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

/// Connects to `url` (`postgres://`, `mysql://`, `sqlite://`), with a pool sized
/// for a worker beside web handlers (see [`connect_options`]). A URL that does not parse, names
/// another database or points nowhere gives [`Error::Connect`] saying which.
///
/// ```no_run
/// # async fn demo() -> tranq_core::Result<()> {
/// let db = tranq_sea_orm::connect("sqlite://shop.db?mode=rwc").await?;
/// tranq_sea_orm::migrate(&db).await?;
/// # Ok(()) }
/// ```
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    Database::connect(connect_options(url)?)
        .await
        .map_err(|e| Error::connect_refused(url, e))
}

/// The pool settings [`connect`] uses, to change before connecting: timeouts of 5 s to connect
/// and 10 s to wait for a free connection, [`SQLITE_POOL_SIZE`] connections for SQLite, and a
/// connection pinged before checkout only when idle for [`PING_IF_IDLE_FOR`]. An unsupported
/// scheme gives [`Error::Connect`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let mut options = tranq_sea_orm::connect_options("postgres://app@localhost/shop")?;
/// options.max_connections(32);
/// let db = sea_orm::Database::connect(options).await?;
/// # Ok(()) }
/// ```
pub fn connect_options(url: &str) -> Result<ConnectOptions> {
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
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
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
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_ping_only_idle_connections_and_size_sqlite_pools() {
        let sqlite = connect_options("sqlite://jobs.db?mode=rwc").expect("sqlite is supported");
        assert!(
            !sqlite.get_test_before_acquire(),
            "no ping on every checkout"
        );
        assert_eq!(
            sqlite.get_test_before_acquire_if_idle_for(),
            Some(PING_IF_IDLE_FOR)
        );
        assert_eq!(sqlite.get_max_connections(), Some(SQLITE_POOL_SIZE));
        let postgres = connect_options("postgres://app@localhost/shop").expect("supported");
        assert_eq!(
            postgres.get_max_connections(),
            None,
            "SeaORM's default size"
        );
    }

    #[test]
    fn options_refuse_an_unsupported_scheme_saying_which() {
        let error = connect_options("redis://localhost").expect_err("not a SQL database");
        assert!(error.to_string().contains("\"redis\""), "{error}");
    }
}

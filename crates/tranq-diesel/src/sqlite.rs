//! SQLite through Diesel's `SqliteConnection`: the SQLite library is bundled (tranq's SQL needs
//! 3.42+), and each pooled connection is set up for one writer among many readers.

use std::time::Duration;

use diesel::SqliteConnection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::CustomizeConnection;

/// Sets up every connection an r2d2 pool opens the way tranq uses SQLite:
///
/// - `PRAGMA busy_timeout`: a writer waits up to `busy_timeout` for SQLite's one write lock
///   instead of failing at once with "database is locked" (a worker's claims and your enqueuing
///   transactions take turns);
/// - `PRAGMA journal_mode = WAL`: readers never wait for the writer. tranq's migration sets it
///   too, but a switch into WAL cannot wait for other connections: when several connections
///   open a new file at once, all but one fail it, and the pool opens them again.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use diesel::SqliteConnection;
/// use diesel::r2d2::{ConnectionManager, Pool};
///
/// let pool = Pool::builder()
///     .max_size(8)
///     .connection_customizer(Box::new(tranq_diesel::SqliteSetup::default()))
///     .build(ConnectionManager::<SqliteConnection>::new("jobs.db"))?;
/// # let _ = pool;
/// # Ok(()) }
/// ```
///
/// A transaction of yours that reads before it enqueues is better begun with Diesel's
/// `conn.immediate_transaction(...)`: a deferred one that read first cannot wait for the write
/// lock, and SQLite fails it at once when another writer holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteSetup {
    /// How long a writer waits for the write lock. Default: 5 seconds.
    busy_timeout: Duration,
}

impl Default for SqliteSetup {
    fn default() -> Self {
        SqliteSetup {
            busy_timeout: Duration::from_secs(5),
        }
    }
}

impl SqliteSetup {
    /// Writers wait up to `timeout` for the write lock (5 seconds by default).
    pub fn busy_timeout(timeout: Duration) -> Self {
        SqliteSetup {
            busy_timeout: timeout,
        }
    }

    /// The statements that set a connection up, to run one at a time in this order (the busy
    /// timeout first, so that what can wait does).
    #[doc(hidden)]
    pub fn statements(&self) -> [String; 2] {
        [
            format!("PRAGMA busy_timeout = {}", self.busy_timeout.as_millis()),
            "PRAGMA journal_mode = WAL".to_owned(),
        ]
    }
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqliteSetup {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        self.statements()
            .iter()
            .try_for_each(|sql| conn.batch_execute(sql))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_timeout_is_in_milliseconds_and_comes_first() {
        let [busy, wal] = SqliteSetup::default().statements();
        assert_eq!(busy, "PRAGMA busy_timeout = 5000");
        assert_eq!(wal, "PRAGMA journal_mode = WAL");
    }
}

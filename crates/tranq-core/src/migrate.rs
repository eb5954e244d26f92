//! tranq's schema migrations: the SQL files under `migrations/<dialect>/`, applied in order, once.

use std::time::Duration;

use crate::dialect::{Dialect, Query, RowShape, Value};
use crate::error::Result;
use crate::store::Backend;

/// One schema version.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Migration {
    /// Version number (the file's prefix).
    pub version: i64,
    /// The file name without `.up.sql` / `.down.sql`.
    pub name: &'static str,
    /// SQL applying it.
    pub up: &'static str,
    /// SQL reverting it.
    pub down: &'static str,
}

/// The migrations found under `migrations/<dialect>/`, written once per dialect.
macro_rules! migrations {
    ($dialect:literal: $($version:literal => $name:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            up: include_str!(concat!("../migrations/", $dialect, "/", $name, ".up.sql")),
            down: include_str!(concat!("../migrations/", $dialect, "/", $name, ".down.sql")),
        }),*]
    };
}

const POSTGRES: &[Migration] = migrations!("postgres":
    1 => "0001_create_tranq_jobs",
    2 => "0002_create_tranq_leader",
    3 => "0003_create_tranq_queue_locks",
    4 => "0004_create_tranq_queue_starts",
);
const SQLITE: &[Migration] = migrations!("sqlite":
    1 => "0001_create_tranq_jobs",
    2 => "0002_create_tranq_leader",
    3 => "0003_create_tranq_queue_locks",
    4 => "0004_create_tranq_queue_starts",
);
const MYSQL: &[Migration] = migrations!("mysql":
    1 => "0001_create_tranq_jobs",
    2 => "0002_create_tranq_leader",
    3 => "0003_create_tranq_queue_locks",
    4 => "0004_create_tranq_queue_starts",
);

/// The migrations of a dialect, oldest first. Use these to apply tranq's schema with your own
/// migration tool.
///
/// ```
/// let all = tranq_core::migrations(tranq_core::Dialect::Postgres);
/// assert_eq!(all[0].version, 1);
/// ```
pub fn migrations(dialect: Dialect) -> &'static [Migration] {
    match dialect {
        Dialect::Postgres => POSTGRES,
        Dialect::Sqlite => SQLITE,
        Dialect::MySql => MYSQL,
    }
}

/// Most tries of the preparing statement, [`PREPARE_RETRY`] apart.
const PREPARE_TRIES: u32 = 100;
const PREPARE_RETRY: Duration = Duration::from_millis(50);

/// Runs the statement that comes before the migrating transaction (SQLite:
/// `PRAGMA journal_mode = WAL`). Switching a file into WAL needs an exclusive lock that SQLite
/// does not wait for (its busy timeout does not apply), so when several processes open a new
/// file at once all but one fail it with "database is locked": they try again until the file
/// is in WAL (about 5 s at most). Other errors return at once.
async fn prepare(backend: &dyn Backend, statement: &Query) -> Result<()> {
    let mut tries = 0;
    loop {
        tries += 1;
        match backend.execute(statement).await {
            Ok(_) => return Ok(()),
            Err(error) if tries < PREPARE_TRIES && is_busy(&error) => {
                tracing::debug!(%error, tries, "tranq: migration prepare failed, trying again");
                tokio::time::sleep(PREPARE_RETRY).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Whether the database said another connection holds the lock: SQLite's `SQLITE_BUSY`
/// ("database is locked"), `SQLITE_LOCKED` ("... is locked") or `SQLITE_PROTOCOL` ("locking
/// protocol", when processes open a WAL file at the same moment). Worth trying again, unlike a
/// file that cannot be written.
fn is_busy(error: &crate::error::Error) -> bool {
    let message = error.to_string().to_ascii_lowercase();
    ["locked", "busy", "locking protocol"]
        .iter()
        .any(|sign| message.contains(sign))
}

/// Applies every migration not yet applied, in one transaction that holds the dialect's
/// migration lock, so concurrent callers wait for each other and each version runs once.
pub(crate) async fn run(backend: &dyn Backend) -> Result<()> {
    let dialect = backend.dialect();
    let query = |name, params, shape| dialect.query(name, params, shape);
    if dialect.has("migration_prepare") {
        prepare(
            backend,
            &query("migration_prepare", vec![], RowShape::Nothing)?,
        )
        .await?;
    }
    let mut tx = backend.begin().await?;
    tx.fetch(&query("migration_lock", vec![], RowShape::Nothing)?)
        .await?;
    tx.execute(&query("migration_create_table", vec![], RowShape::Nothing)?)
        .await?;
    let applied: Vec<i64> = tx
        .fetch(&query("migration_applied", vec![], RowShape::Version)?)
        .await?
        .iter()
        .map(|r| r.int(0))
        .collect::<Result<_>>()?;
    for m in migrations(dialect) {
        if applied.contains(&m.version) {
            continue;
        }
        tracing::info!(
            version = m.version,
            name = m.name,
            "tranq: applying migration"
        );
        tx.execute_script(m.up).await?;
        tx.execute(&query(
            "migration_record",
            vec![Value::Int(m.version), Value::Text(m.name.to_owned())],
            RowShape::Nothing,
        )?)
        .await?;
    }
    if dialect.has("migration_unlock") {
        tx.fetch(&query("migration_unlock", vec![], RowShape::Nothing)?)
            .await?;
    }
    tx.commit().await
}

//! [`TestDatabase`]: a fresh, migrated database per test, on PostgreSQL, MariaDB or SQLite.

use std::path::PathBuf;

use sea_orm::ConnectionTrait;

use crate::Dialect;
use crate::testing::TestingError;

/// The environment variable with the admin URL of the PostgreSQL server for test databases.
pub const POSTGRES_URL_VAR: &str = "TRANQ_TEST_POSTGRES_URL";
/// The environment variable with the admin URL of the MariaDB/MySQL server for test databases.
pub const MYSQL_URL_VAR: &str = "TRANQ_TEST_MYSQL_URL";
/// The PostgreSQL admin URL used when [`POSTGRES_URL_VAR`] is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The MariaDB admin URL used when [`MYSQL_URL_VAR`] is not set.
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// A database of one test's own, with tranq's schema: `CREATE DATABASE tranq_t_<random>` on a
/// PostgreSQL or MariaDB server, or a new SQLite file under the temporary directory. Connect
/// your pool (SeaORM, Diesel or diesel-async) to [`url`](Self::url), add your own schema, and
/// run the test; [`cleanup`](Self::cleanup) drops it at the end.
///
/// When the fixture is dropped without `cleanup` it drops the database too, as best it can
/// (from a thread of its own); when it is dropped because the test panicked, it keeps the
/// database for a look and prints its URL. With the default URLs, `scripts/setup.sh` drops
/// `tranq_t_*` databases left behind.
///
/// Creating and migrating goes through SeaORM, so this needs the `sea-orm` feature; the code
/// under test may use any adapter.
///
/// ```
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// use tranq::testing::TestDatabase;
///
/// let t = TestDatabase::sqlite().await?; // or ::postgres().await?, ::mysql().await?
/// let db = tranq::sea_orm::connect(t.url()).await?;
/// let store = tranq::sea_orm::Store::new(db.clone());
/// assert!(store.jobs(&tranq::JobFilter::new()).await?.is_empty(), "migrated, and empty");
/// db.close().await?;
/// t.cleanup().await?;
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    dialect: Dialect,
    /// The database name on a server, or the file's path on SQLite.
    name: String,
    /// The server's admin URL (none for SQLite).
    admin_url: Option<String>,
    dropped: bool,
}

impl TestDatabase {
    /// A new database on the PostgreSQL server at `$TRANQ_TEST_POSTGRES_URL` (default
    /// [`DEFAULT_POSTGRES_URL`]).
    pub async fn postgres() -> Result<Self, TestingError> {
        Self::postgres_at(&admin_url(POSTGRES_URL_VAR, DEFAULT_POSTGRES_URL)).await
    }

    /// A new database on the PostgreSQL server of `admin_url` (any database the user may
    /// connect to, and a user allowed to create databases).
    pub async fn postgres_at(admin_url: &str) -> Result<Self, TestingError> {
        Self::on_server(Dialect::Postgres, admin_url).await
    }

    /// A new database on the MariaDB (or MySQL) server at `$TRANQ_TEST_MYSQL_URL` (default
    /// [`DEFAULT_MYSQL_URL`]).
    pub async fn mysql() -> Result<Self, TestingError> {
        Self::mysql_at(&admin_url(MYSQL_URL_VAR, DEFAULT_MYSQL_URL)).await
    }

    /// A new database on the MariaDB (or MySQL) server of `admin_url`.
    pub async fn mysql_at(admin_url: &str) -> Result<Self, TestingError> {
        Self::on_server(Dialect::MySql, admin_url).await
    }

    /// A new SQLite file under [`std::env::temp_dir`].
    pub async fn sqlite() -> Result<Self, TestingError> {
        let path: PathBuf = std::env::temp_dir().join(format!("{}.db", unique_name()));
        let path = path.to_string_lossy().into_owned();
        let mut t = TestDatabase {
            url: format!("sqlite://{path}?mode=rwc"),
            dialect: Dialect::Sqlite,
            name: path,
            admin_url: None,
            dropped: false,
        };
        if let Err(error) = t.migrate().await {
            t.drop_now().await.ok();
            return Err(error);
        }
        Ok(t)
    }

    async fn on_server(dialect: Dialect, admin_url: &str) -> Result<Self, TestingError> {
        let name = unique_name();
        execute(admin_url, &format!("CREATE DATABASE {name}")).await?;
        let mut t = TestDatabase {
            url: with_database(admin_url, &name),
            dialect,
            name,
            admin_url: Some(admin_url.to_owned()),
            dropped: false,
        };
        if let Err(error) = t.migrate().await {
            t.drop_now().await.ok();
            return Err(error);
        }
        Ok(t)
    }

    async fn migrate(&self) -> Result<(), TestingError> {
        let db = tranq_sea_orm::connect(&self.url).await?;
        let migrated = tranq_sea_orm::migrate(&db).await;
        db.close().await.ok();
        Ok(migrated?)
    }

    /// The URL of the test's database, for your pool.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name on its server, or the SQLite file's path.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which database it is.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Drops the database (PostgreSQL: closing connections still open to it), or deletes the
    /// SQLite file. Close your pool first on MariaDB, where a connection in a transaction would
    /// hold the drop up.
    pub async fn cleanup(mut self) -> Result<(), TestingError> {
        self.drop_now().await
    }

    async fn drop_now(&mut self) -> Result<(), TestingError> {
        self.dropped = true;
        match (&self.admin_url, self.dialect) {
            (Some(admin), Dialect::Postgres) => {
                let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
                execute(admin, &sql).await
            }
            (Some(admin), _) => {
                execute(admin, &format!("DROP DATABASE IF EXISTS {}", self.name)).await
            }
            (None, _) => {
                for suffix in ["", "-wal", "-shm"] {
                    match std::fs::remove_file(format!("{}{suffix}", self.name)) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                            return Err(TestingError::database(
                                format!("delete {}{suffix}", self.name),
                                e,
                            ));
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        if std::thread::panicking() {
            eprintln!("tranq: the test failed; its database is kept: {}", self.url);
            return;
        }
        // The drop is async, and this may run inside a runtime: on a thread of its own.
        let mut this = TestDatabase {
            url: self.url.clone(),
            dialect: self.dialect,
            name: self.name.clone(),
            admin_url: self.admin_url.clone(),
            dropped: false,
        };
        self.dropped = true;
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| TestingError::database("start a runtime", e))?;
            runtime.block_on(this.drop_now())
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("tranq: could not drop test database {}: {error}", self.url);
        }
    }
}

fn admin_url(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

/// `tranq_t_` and 16 random hex digits: a valid name on every server, unique across parallel
/// tests and processes.
fn unique_name() -> String {
    format!("tranq_t_{}", tranq_core::testing::random_hex())
}

/// Replaces the database part of a server URL, keeping its query string.
fn with_database(base: &str, name: &str) -> String {
    let (url, query) = base
        .split_once('?')
        .map_or((base, None), |(u, q)| (u, Some(q)));
    let root = url.rsplit_once('/').map_or(url, |(root, _)| root);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// Runs one statement on a server, on a connection of its own.
async fn execute(url: &str, sql: &str) -> Result<(), TestingError> {
    let db = tranq_sea_orm::connect(url).await?;
    let done = db.execute_unprepared(sql).await;
    db.close().await.ok();
    done.map(|_| ())
        .map_err(|e| TestingError::database(sql.to_owned(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_part_of_a_url_is_replaced_and_the_query_kept() {
        assert_eq!(
            with_database("postgres://u@h:5432/test?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("mysql://root@h/test", "x"),
            "mysql://root@h/x"
        );
    }
}

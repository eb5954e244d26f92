//! A fresh database per test on each server the suite runs against. URLs come from
//! `TRANQ_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/test) and
//! `TRANQ_TEST_MYSQL_URL` (default mysql://root@127.0.0.1:3306/test); SQLite files live under
//! `target/tranq-test/`.

use async_trait::async_trait;
use sea_orm::ConnectionTrait;

#[path = "../support/url.rs"]
mod url;

use url::with_database;

/// A kind of database server.
#[async_trait]
pub trait Database: Send + Sync + 'static {
    /// `postgres`, `mysql`, `sqlite`.
    fn name() -> &'static str;
    /// Creates a fresh, empty database; returns (url, handle for `drop`).
    async fn create(test: &str) -> (String, String);
    /// Drops what `create` made.
    async fn drop(handle: &str);
}

fn unique_name(test: &str) -> String {
    format!("tranq_t_{}_{}", test, uuid::Uuid::new_v4().simple())
        .chars()
        .take(63)
        .collect()
}

/// Runs one statement on a server's admin database.
async fn admin_execute(admin_url: &str, sql: &str) {
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("connect to {admin_url}: {e}"));
    admin
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    admin.close().await.ok();
}

/// A database server reached through an admin URL: one database per test.
macro_rules! server_database {
    ($kind:ident, $name:literal, $env:literal, $default:literal, $drop:literal) => {
        pub struct $kind;

        impl $kind {
            pub fn admin_url() -> String {
                std::env::var($env).unwrap_or_else(|_| $default.to_owned())
            }
        }

        #[async_trait]
        impl Database for $kind {
            fn name() -> &'static str {
                $name
            }
            async fn create(test: &str) -> (String, String) {
                let name = unique_name(test);
                admin_execute(&Self::admin_url(), &format!("CREATE DATABASE {name}")).await;
                (with_database(&Self::admin_url(), &name), name)
            }
            async fn drop(name: &str) {
                admin_execute(&Self::admin_url(), &format!($drop, name)).await;
            }
        }
    };
}

server_database!(
    Postgres,
    "postgres",
    "TRANQ_TEST_POSTGRES_URL",
    "postgres://postgres@127.0.0.1:5432/test",
    "DROP DATABASE IF EXISTS {} WITH (FORCE)"
);
server_database!(
    MySql,
    "mysql",
    "TRANQ_TEST_MYSQL_URL",
    "mysql://root@127.0.0.1:3306/test",
    "DROP DATABASE IF EXISTS {}"
);

/// SQLite files under `target/tranq-test/`.
pub struct Sqlite;

impl Sqlite {
    fn dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tranq-test")
    }
}

#[async_trait]
impl Database for Sqlite {
    fn name() -> &'static str {
        "sqlite"
    }
    async fn create(test: &str) -> (String, String) {
        std::fs::create_dir_all(Self::dir()).expect("create target/tranq-test");
        let path = Self::dir().join(format!("{}.db", unique_name(test)));
        let path = path.to_string_lossy().into_owned();
        (format!("sqlite://{path}?mode=rwc"), path)
    }
    async fn drop(path: &str) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
}

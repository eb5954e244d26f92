//! A fresh database per test on each server the suite runs against. URLs come from
//! `TRANQ_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/test).

use async_trait::async_trait;
use sea_orm::ConnectionTrait;

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

/// Replaces the database part of a URL.
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

pub struct Postgres;

impl Postgres {
    pub fn admin_url() -> String {
        std::env::var("TRANQ_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
    }
}

#[async_trait]
impl Database for Postgres {
    fn name() -> &'static str {
        "postgres"
    }
    async fn create(test: &str) -> (String, String) {
        let name = unique_name(test);
        let admin = sea_orm::Database::connect(Self::admin_url())
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        admin.close().await.ok();
        (with_database(&Self::admin_url(), &name), name)
    }
    async fn drop(name: &str) {
        let admin = sea_orm::Database::connect(Self::admin_url())
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .expect("drop database");
        admin.close().await.ok();
    }
}

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

/// MariaDB / MySQL from `TRANQ_TEST_MYSQL_URL` (default mysql://root@127.0.0.1:3306/test).
pub struct MySql;

impl MySql {
    pub fn admin_url() -> String {
        std::env::var("TRANQ_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
    }
}

#[async_trait]
impl Database for MySql {
    fn name() -> &'static str {
        "mysql"
    }
    async fn create(test: &str) -> (String, String) {
        let name = unique_name(test);
        let admin = sea_orm::Database::connect(Self::admin_url())
            .await
            .expect("connect to MySQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        admin.close().await.ok();
        (with_database(&Self::admin_url(), &name), name)
    }
    async fn drop(name: &str) {
        let admin = sea_orm::Database::connect(Self::admin_url())
            .await
            .expect("connect to MySQL");
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
            .await
            .expect("drop database");
        admin.close().await.ok();
    }
}

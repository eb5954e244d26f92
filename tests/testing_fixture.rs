//! `tranq::testing::TestDatabase` on each server, and `assert_enqueued_in` through an open
//! SeaORM transaction.
#![allow(clippy::unwrap_used, missing_docs)]

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde::{Deserialize, Serialize};
use tranq::testing::{self, TestDatabase};
use tranq::{Dialect, JobFilter, TaskContext, TaskError};

#[derive(Debug, Serialize, Deserialize)]
pub struct Ping {
    pub n: i64,
}

#[tranq::task(queue = "fixture")]
async fn fixture_ping(_ctx: TaskContext, _args: Ping) -> Result<(), TaskError> {
    Ok(())
}

/// Whether the server behind `admin_url` has a database called `name`.
async fn exists(admin_url: &str, dialect: Dialect, name: &str) -> bool {
    let admin = tranq::sea_orm::connect(admin_url).await.unwrap();
    let (backend, sql) = match dialect {
        Dialect::Postgres => (
            DbBackend::Postgres,
            format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        ),
        _ => (
            DbBackend::MySql,
            format!("SELECT 1 FROM information_schema.schemata WHERE schema_name = '{name}'"),
        ),
    };
    let row = admin
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
    admin.close().await.ok();
    row.is_some()
}

/// A fresh database is migrated and empty, sees a transaction's jobs before its commit only
/// through that transaction, and is gone after `cleanup` (or after a plain drop).
async fn fixture_works(make: impl AsyncFn() -> TestDatabase, admin_url: Option<&str>) {
    let t = make().await;
    let other = make().await;
    assert_ne!(t.url(), other.url(), "each test its own database");
    let db = tranq::sea_orm::connect(t.url()).await.unwrap();
    let store = tranq::sea_orm::Store::new(db.clone());
    assert!(store.jobs(&JobFilter::new()).await.unwrap().is_empty());

    let txn = db.begin().await.unwrap();
    FixturePing::enqueue_in(&txn, Ping { n: 7 }).await.unwrap();
    let job = testing::assert_enqueued_in::<FixturePing, _>(&txn, |p| p.n == 7).await;
    testing::assert_not_enqueued_in::<FixturePing, _>(&txn, |p| p.n == 8).await;
    testing::assert_not_enqueued::<FixturePing, _>(&store, |_| true).await;
    txn.commit().await.unwrap();
    let committed = testing::assert_enqueued::<FixturePing, _>(&store, |p| p.n == 7).await;
    assert_eq!(committed.id, job.id);
    db.close().await.unwrap();

    let (name, dialect) = (t.name().to_owned(), t.dialect());
    let other_name = other.name().to_owned();
    t.cleanup().await.unwrap();
    drop(other);
    match admin_url {
        Some(admin) => {
            assert!(
                !exists(admin, dialect, &name).await,
                "cleanup dropped {name}"
            );
            assert!(
                !exists(admin, dialect, &other_name).await,
                "drop dropped {other_name}"
            );
        }
        None => {
            assert!(
                !std::path::Path::new(&name).exists(),
                "cleanup deleted {name}"
            );
            assert!(
                !std::path::Path::new(&other_name).exists(),
                "drop deleted {other_name}"
            );
        }
    }
}

fn admin(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_test_database_is_fresh_migrated_and_dropped() {
    let url = admin(testing::POSTGRES_URL_VAR, testing::DEFAULT_POSTGRES_URL);
    fixture_works(async || TestDatabase::postgres().await.unwrap(), Some(&url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mysql_test_database_is_fresh_migrated_and_dropped() {
    let url = admin(testing::MYSQL_URL_VAR, testing::DEFAULT_MYSQL_URL);
    fixture_works(async || TestDatabase::mysql().await.unwrap(), Some(&url)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_test_database_is_fresh_migrated_and_deleted() {
    fixture_works(async || TestDatabase::sqlite().await.unwrap(), None).await;
}

#[tokio::test]
async fn a_server_that_cannot_be_reached_is_an_error() {
    let refused = TestDatabase::postgres_at("postgres://postgres@127.0.0.1:1/test").await;
    assert!(
        matches!(
            refused,
            Err(testing::TestingError::Tranq(tranq::Error::Connect { .. }))
        ),
        "{refused:?}"
    );
}

//! tranq's schema applied by the user's own `sea-orm-migration` Migrator, on every database.
#![allow(unreachable_pub, dead_code, clippy::unwrap_used)]

#[path = "conformance/databases.rs"]
mod databases;

use databases::{Database, MySql, Postgres, Sqlite};
use sea_orm::{ConnectOptions, ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

struct CreateOrders;

impl MigrationName for CreateOrders {
    fn name(&self) -> &str {
        "m0001_create_orders"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOrders {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("CREATE TABLE orders (id BIGINT PRIMARY KEY)")
            .await
            .map(|_| ())
    }
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE orders")
            .await
            .map(|_| ())
    }
}

struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all: Vec<Box<dyn MigrationTrait>> = vec![Box::new(CreateOrders)];
        all.extend(tranq::sea_orm::migrations());
        all
    }
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let backend: DbBackend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn migrator_applies_and_reverts_tranq_schema<D: Database>() {
    let (url, handle) = D::create("migrator").await;
    let mut options = ConnectOptions::new(url);
    options.max_connections(4);
    let db = sea_orm::Database::connect(options).await.unwrap();

    Migrator::up(&db, None).await.unwrap();
    Migrator::up(&db, None).await.unwrap(); // nothing left to apply
    let store = tranq::sea_orm::Store::new(db.clone());
    assert!(
        store.job_get(tranq::JobId(1)).await.unwrap().is_none(),
        "tranq_jobs is queryable"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM tranq_jobs").await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM orders").await, 0);
    // tranq's own migrate sees nothing missing in what the user's migrator created.
    tranq::sea_orm::migrate(&db).await.unwrap();

    Migrator::down(&db, None).await.unwrap();
    let err = store.job_get(tranq::JobId(1)).await.unwrap_err();
    assert!(matches!(err, tranq::Error::SchemaMissing { .. }), "{err:?}");
    db.close().await.ok();
    D::drop(&handle).await;
}

#[tokio::test]
async fn migrator_on_postgres() {
    migrator_applies_and_reverts_tranq_schema::<Postgres>().await;
}

#[tokio::test]
async fn migrator_on_mysql() {
    migrator_applies_and_reverts_tranq_schema::<MySql>().await;
}

#[tokio::test]
async fn migrator_on_sqlite() {
    migrator_applies_and_reverts_tranq_schema::<Sqlite>().await;
}

//! Migrations: idempotent, safe in parallel; a missing schema says to migrate.

use sea_orm::ConnectionTrait;
use tranq::sea_orm::Enqueue as _;

use crate::support::{TestDb, worker};
use crate::tasks::{Note, key};

#[tokio::test]
async fn concurrent_migrations_apply_each_version_once() {
    let t = TestDb::empty("migrate_parallel").await;
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let db = t.db.clone();
            tokio::spawn(async move { tranq::sea_orm::migrate(&db).await })
        })
        .collect();
    for r in runs {
        r.await.unwrap().unwrap();
    }
    tranq::sea_orm::migrate(&t.db).await.unwrap();
    let row =
        t.db.query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*) FROM tranq_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 1);
    assert_eq!(t.count_jobs().await, 0);
    t.cleanup().await;
}

#[tokio::test]
async fn a_missing_schema_says_to_run_migrations() {
    let t = TestDb::empty("no_schema").await;
    let err = Note::enqueue_in(&t.db, key("no_schema")).await.unwrap_err();
    assert!(matches!(err, tranq::Error::SchemaMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("run the migrations"), "{err}");

    let err = worker(&t, 1)
        .build()
        .unwrap()
        .run_until(std::future::pending())
        .await
        .unwrap_err();
    assert!(matches!(err, tranq::Error::SchemaMissing { .. }), "{err:?}");
    t.cleanup().await;
}

#[test]
fn the_raw_sql_files_are_the_ones_migrate_applies() {
    let from_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations/postgres/0001_create_tranq_jobs.up.sql"
    ))
    .unwrap();
    assert_eq!(tranq::migrations(tranq::Dialect::Postgres)[0].up, from_disk);
}

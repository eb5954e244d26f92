//! Migrations: idempotent, safe in parallel; a missing schema says to migrate.

use std::sync::Arc;

use tranq::internal::Store as _;

use crate::conformance::enqueue::note;
use crate::conformance::harness::{End, Harness, worker};

pub async fn concurrent_migrations_apply_each_version_once<H: Harness>() {
    let h = Arc::new(H::empty("migrate_parallel").await);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move { h.migrate().await })
        })
        .collect();
    for r in runs {
        r.await.unwrap().unwrap();
    }
    h.migrate().await.unwrap();
    let versions = tranq::migrations(h.store().dialect()).len() as i64;
    assert_eq!(
        h.scalar("SELECT count(*) FROM tranq_migrations").await,
        versions
    );
    assert_eq!(h.count_jobs().await, 0);
    let Ok(h) = Arc::try_unwrap(h) else {
        panic!("harness still shared")
    };
    h.cleanup().await;
}

pub async fn a_missing_schema_says_to_run_migrations<H: Harness>() {
    let h = H::empty("no_schema").await;
    let err = h
        .enqueue(vec![note::<H>("no_schema")], End::Commit)
        .await
        .unwrap_err();
    assert!(matches!(err, tranq::Error::SchemaMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("run the migrations"), "{err}");

    let err = worker(&h, 1)
        .build()
        .unwrap()
        .run_until(std::future::pending())
        .await
        .unwrap_err();
    assert!(matches!(err, tranq::Error::SchemaMissing { .. }), "{err:?}");
    h.cleanup().await;
}

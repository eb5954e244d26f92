//! Connection faults on PostgreSQL: the worker logs, backs off, reconnects and carries on, and
//! every committed job completes, when
//! - the server restarts (cleanly, then after a crash): a private PostgreSQL 15 server the test
//!   starts itself, so that restarting it disturbs no other test;
//! - its connections are killed with `pg_terminate_backend`, on the shared server.
#![allow(unreachable_pub, unused_imports, clippy::unwrap_used)]

#[path = "conformance/mod.rs"]
mod conformance;
#[path = "support/faults.rs"]
mod faults;
#[path = "support/private_pg.rs"]
mod private_pg;

use std::sync::Arc;
use std::time::Duration;

use conformance::databases::{Database, Postgres};
use private_pg::{PrivatePostgres, StopMode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_carries_on_through_server_restarts_and_loses_nothing() {
    let pg = Arc::new(
        tokio::task::spawn_blocking(PrivatePostgres::start)
            .await
            .unwrap()
            .expect("start a private PostgreSQL"),
    );
    let db = tranq::sea_orm::connect(&pg.url("postgres")).await.unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();

    let started = || async {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_postmaster_start_time()::text",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0).unwrap()
    };
    let first_start = started().await;
    let server = pg.clone();
    faults::worker_survives(&db, "faults/pg_restart", || async move {
        let restart = |mode, down| {
            let server = server.clone();
            async move {
                let restarting = server.clone();
                tokio::task::spawn_blocking(move || restarting.restart(mode, down))
                    .await
                    .unwrap()
                    .unwrap_or_else(|e| panic!("restart: {e}\n{}", server.log()));
            }
        };
        restart(StopMode::Fast, Duration::from_millis(1500)).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        restart(StopMode::Immediate, Duration::from_millis(500)).await;
    })
    .await;
    assert_ne!(started().await, first_start, "the server did not restart");
    db.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_carries_on_when_its_connections_are_terminated() {
    let (url, name) = Postgres::create("faults_terminate").await;
    let db = tranq::sea_orm::connect(&url).await.unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();
    let admin = sea_orm::Database::connect(Postgres::admin_url())
        .await
        .unwrap();

    let terminated = std::sync::atomic::AtomicI64::new(0);
    faults::worker_survives(&db, "faults/pg_terminate", || async {
        let kill = format!(
            "SELECT count(pg_terminate_backend(pid))::bigint FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        );
        for _ in 0..15 {
            let row = admin
                .query_one_raw(Statement::from_string(DbBackend::Postgres, &kill))
                .await
                .unwrap()
                .unwrap();
            let n: i64 = row.try_get_by_index(0).unwrap();
            terminated.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    let terminated = terminated.into_inner();
    assert!(terminated > 0, "no connection was terminated");
    eprintln!("terminated {terminated} connections");
    db.close().await.ok();
    admin.close().await.ok();
    Postgres::drop(&name).await;
}

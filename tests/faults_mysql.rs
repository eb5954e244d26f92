//! Connection faults on MariaDB: the worker's connections are killed with `KILL` while it
//! runs; it logs, backs off, reconnects and carries on, and every committed job completes.
#![allow(unreachable_pub, unused_imports, clippy::unwrap_used)]

#[path = "conformance/mod.rs"]
mod conformance;
#[path = "support/faults.rs"]
mod faults;

use std::time::Duration;

use conformance::databases::{Database, MySql};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_carries_on_when_its_connections_are_killed() {
    let (url, name) = MySql::create("faults_kill").await;
    let db = tranq::sea_orm::connect(&url).await.unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();
    let admin = sea_orm::Database::connect(MySql::admin_url())
        .await
        .unwrap();

    let mut killed = 0;
    faults::worker_survives(&db, "faults/mysql_kill", || async {
        let list = format!(
            "SELECT ID FROM information_schema.PROCESSLIST \
             WHERE DB = '{name}' AND ID <> CONNECTION_ID()"
        );
        for _ in 0..15 {
            let ids = admin
                .query_all_raw(Statement::from_string(DbBackend::MySql, &list))
                .await
                .unwrap();
            for row in ids {
                let id: i64 = row.try_get_by_index(0).unwrap();
                // The connection may have gone in the meantime.
                if admin
                    .execute_unprepared(&format!("KILL {id}"))
                    .await
                    .is_ok()
                {
                    killed += 1;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    assert!(killed > 0, "no connection was killed");
    eprintln!("killed {killed} connections");
    db.close().await.ok();
    admin.close().await.ok();
    MySql::drop(&name).await;
}

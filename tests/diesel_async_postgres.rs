//! The conformance suite for diesel-async on PostgreSQL, and what only this adapter has: the
//! `Enqueue` trait inside `conn.transaction`, `migrate`, the `diesel_migrations` source and
//! LISTEN/NOTIFY wake-ups.
#![allow(unreachable_pub, clippy::unwrap_used)]

#[path = "conformance/mod.rs"]
mod conformance;
#[path = "harness/diesel_async.rs"]
mod harness;

crate::suite!(harness::DieselAsyncPgHarness);

mod adapter {
    use std::time::Duration;

    use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection};
    use diesel_migrations::MigrationHarness;
    use futures::StreamExt;
    use tranq::diesel_async::{Enqueue as _, tranq_error};
    use tranq::{JobState, Store as _};

    use crate::conformance::harness::{Harness, setup, worker};
    use crate::conformance::probe::{runs, start};
    use crate::conformance::tasks::{Note, key};
    use crate::harness::DieselAsyncPgHarness;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn enqueue_in_a_diesel_async_transaction_runs_on_commit_and_never_on_rollback() {
        let h: DieselAsyncPgHarness = setup("diesel_async_api").await;
        let mut conn = h.pool.get().await.unwrap();
        // A rolled-back transaction: its jobs never exist.
        let rolled_back = conn
            .transaction::<(), diesel::result::Error, _>(async move |conn| {
                Note::enqueue_in(conn, key("diesel_async_api/rollback")).await?;
                Note::enqueue_many_in(conn, vec![key("diesel_async_api/rollback")]).await?;
                Err(diesel::result::Error::RollbackTransaction)
            })
            .await;
        assert!(rolled_back.is_err());
        // A committed one, through every entry point.
        let (one, many) = conn
            .transaction::<_, diesel::result::Error, _>(async move |conn| {
                let one = Note::enqueue_in(conn, key("diesel_async_api/commit")).await?;
                let many = Note::enqueue_many_in(
                    conn,
                    vec![
                        key("diesel_async_api/commit"),
                        key("diesel_async_api/commit"),
                    ],
                )
                .await?;
                Note::options()
                    .priority(2)
                    .enqueue_in(conn, key("diesel_async_api/commit"))
                    .await?;
                Ok((one, many))
            })
            .await
            .unwrap();
        drop(conn);

        let w = start(worker(&h, 4));
        for id in std::iter::once(one).chain(many) {
            h.wait_state(id, JobState::Completed).await;
        }
        w.stop().await.unwrap();
        assert_eq!(runs("diesel_async_api/commit").len(), 4);
        assert!(runs("diesel_async_api/rollback").is_empty());
        assert_eq!(
            h.count_jobs().await,
            4,
            "no row of the rolled-back transaction"
        );
        h.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn enqueue_errors_are_typed_through_tranq_error() {
        let h = DieselAsyncPgHarness::empty("diesel_async_errors").await;
        let mut conn = h.pool.get().await.unwrap();
        let invalid = Note::options()
            .queue("")
            .enqueue_in(&mut conn, key("x"))
            .await
            .unwrap_err();
        let missing = Note::enqueue_in(&mut conn, key("x")).await.unwrap_err();
        drop(conn);
        let (invalid, missing) = (tranq_error(invalid), tranq_error(missing));
        assert!(
            matches!(invalid, tranq::Error::InvalidQueue { .. }),
            "{invalid:?}"
        );
        assert!(
            matches!(missing, tranq::Error::SchemaMissing { .. }),
            "{missing:?}"
        );
        h.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn migrate_twice_is_idempotent() {
        let h = DieselAsyncPgHarness::empty("diesel_async_migrate").await;
        tranq::diesel_async::migrate(&h.pool).await.unwrap();
        tranq::diesel_async::migrate(&h.pool).await.unwrap();
        assert_eq!(h.scalar("SELECT count(*) FROM tranq_migrations").await, 1);
        assert_eq!(h.count_jobs().await, 0);
        h.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_diesel_migrations_source_applies_the_schema_once() {
        let h = DieselAsyncPgHarness::empty("diesel_async_hook").await;
        let conn = AsyncPgConnection::establish(&h.url).await.unwrap();
        let mut harness = AsyncMigrationHarness::new(conn);
        let first: Vec<String> = harness
            .run_pending_migrations(tranq::diesel_async::MIGRATIONS)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        let second = harness
            .run_pending_migrations(tranq::diesel_async::MIGRATIONS)
            .unwrap()
            .len();
        drop(harness);
        assert_eq!(first, vec!["0_tranq_0001".to_owned()]);
        assert_eq!(second, 0, "nothing pending the second time");

        let store = h.store();
        let job = crate::conformance::enqueue::note::<DieselAsyncPgHarness>("diesel_async_hook");
        let ids = store.job_insert_many(&[job]).await.unwrap();
        assert_eq!(
            store.job_get(ids[0]).await.unwrap().unwrap().state,
            JobState::Available
        );
        h.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_notifies_listeners_with_the_queue_name() {
        let h: DieselAsyncPgHarness = setup("diesel_async_listen").await;
        let mut stream = h
            .store()
            .subscribe()
            .await
            .unwrap()
            .expect("a notification stream");
        let mut conn = h.pool.get().await.unwrap();
        conn.transaction::<_, diesel::result::Error, _>(async move |conn| {
            Note::options()
                .queue("mail")
                .enqueue_in(conn, key("diesel_async_listen"))
                .await
        })
        .await
        .unwrap();
        let queue = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("a notification within 5 s")
            .expect("the stream is open")
            .unwrap();
        assert_eq!(queue, "mail");
        drop((stream, conn));
        h.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_idle_worker_is_woken_by_a_commit_long_before_its_next_poll() {
        let h: DieselAsyncPgHarness = setup("diesel_async_wake").await;
        let w = start(worker(&h, 2).poll_interval(Duration::from_secs(60)));
        // Let the worker do its first poll and start listening.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut conn = h.pool.get().await.unwrap();
        let id = Note::enqueue_in(&mut conn, key("diesel_async_wake"))
            .await
            .unwrap();
        drop(conn);
        tokio::time::timeout(
            Duration::from_secs(5),
            h.wait_state(id, JobState::Completed),
        )
        .await
        .expect("woken by NOTIFY, not by the 60 s poll");
        w.stop().await.unwrap();
        h.cleanup().await;
    }
}

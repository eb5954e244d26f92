//! The conformance suite for diesel-async on PostgreSQL, the adapter's own tests (the `Enqueue`
//! trait inside `conn.transaction`, `migrate`, the `diesel_migrations` source), and what only
//! PostgreSQL has: LISTEN/NOTIFY wake-ups.
#![allow(unreachable_pub, clippy::unwrap_used)]

#[path = "conformance/mod.rs"]
mod conformance;
#[path = "harness/diesel_async.rs"]
mod harness;

crate::suite!(harness::DieselAsyncHarness<conformance::databases::Postgres>);
crate::diesel_adapter_tests!(harness::DieselAsyncHarness<conformance::databases::Postgres>);

/// What only PostgreSQL has: LISTEN/NOTIFY wake-ups.
mod listen {
    use std::time::Duration;

    use diesel_async::AsyncConnection;
    use futures::StreamExt;
    use tranq::JobState;
    use tranq::internal::Store as _;

    use crate::conformance::databases::Postgres;
    use crate::conformance::harness::{Harness, setup, worker};
    use crate::conformance::probe::start;
    use crate::conformance::tasks::{Note, key};
    use crate::harness::DieselAsyncHarness;

    type DieselAsyncPgHarness = DieselAsyncHarness<Postgres>;

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
            Note::builder()
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

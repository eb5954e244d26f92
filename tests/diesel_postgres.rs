//! The conformance suite for Diesel (sync) on PostgreSQL, and what only this adapter has: the
//! `Enqueue` trait inside `conn.transaction`, `migrate`, and the `diesel_migrations` source.
#![allow(unreachable_pub, clippy::unwrap_used)]

#[path = "conformance/mod.rs"]
mod conformance;
#[path = "harness/diesel.rs"]
mod harness;

crate::suite!(harness::DieselPgHarness);

mod adapter {
    use diesel::prelude::*;
    use diesel_migrations::MigrationHarness;
    use tranq::diesel::{Enqueue as _, tranq_error};
    use tranq::{JobState, Store as _};

    use crate::conformance::harness::{Harness, setup, worker};
    use crate::conformance::probe::{runs, start};
    use crate::conformance::tasks::{Note, key};
    use crate::harness::{DieselPgHarness, blocking};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn enqueue_in_a_diesel_transaction_runs_on_commit_and_never_on_rollback() {
        let h: DieselPgHarness = setup("diesel_api").await;
        let pool = h.pool.clone();
        let (committed, batch) = blocking(move || {
            let mut conn = pool.get().unwrap();
            // A rolled-back transaction: its jobs never exist.
            let rolled_back = conn.transaction::<(), _, _>(|conn| {
                Note::enqueue_in(conn, key("diesel_api/rollback"))?;
                Note::enqueue_many_in(conn, vec![key("diesel_api/rollback")])?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(rolled_back.is_err());
            // A committed one, through every entry point.
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let one = Note::enqueue_in(conn, key("diesel_api/commit"))?;
                let many = Note::enqueue_many_in(
                    conn,
                    vec![key("diesel_api/commit"), key("diesel_api/commit")],
                )?;
                let _delayed = Note::options()
                    .priority(2)
                    .enqueue_in(conn, key("diesel_api/commit"))?;
                Ok((one, many))
            })
            .unwrap()
        })
        .await;

        let w = start(worker(&h, 4));
        for id in std::iter::once(committed).chain(batch) {
            h.wait_state(id, JobState::Completed).await;
        }
        w.stop().await.unwrap();
        assert_eq!(runs("diesel_api/commit").len(), 4);
        assert!(runs("diesel_api/rollback").is_empty());
        assert_eq!(
            h.count_jobs().await,
            4,
            "no row of the rolled-back transaction"
        );
        h.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn enqueue_errors_are_typed_through_tranq_error() {
        let h = DieselPgHarness::empty("diesel_errors").await;
        let pool = h.pool.clone();
        let (invalid, missing) = blocking(move || {
            let mut conn = pool.get().unwrap();
            let invalid = Note::options()
                .queue("")
                .enqueue_in(&mut conn, key("x"))
                .unwrap_err();
            let missing = Note::enqueue_in(&mut conn, key("x")).unwrap_err();
            (tranq_error(invalid), tranq_error(missing))
        })
        .await;
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
        let h = DieselPgHarness::empty("diesel_migrate").await;
        tranq::diesel::migrate(&h.pool).await.unwrap();
        tranq::diesel::migrate(&h.pool).await.unwrap();
        assert_eq!(h.scalar("SELECT count(*) FROM tranq_migrations").await, 1);
        assert_eq!(h.count_jobs().await, 0);
        h.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_diesel_migrations_source_applies_the_schema_once() {
        let h = DieselPgHarness::empty("diesel_hook").await;
        let url = h.url.clone();
        let (first, second) = blocking(move || {
            let mut conn = PgConnection::establish(&url).unwrap();
            let first: Vec<String> = conn
                .run_pending_migrations(tranq::diesel::MIGRATIONS)
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect();
            let second = conn
                .run_pending_migrations(tranq::diesel::MIGRATIONS)
                .unwrap()
                .len();
            (first, second)
        })
        .await;
        assert_eq!(first, vec!["0_tranq_0001".to_owned()]);
        assert_eq!(second, 0, "nothing pending the second time");

        // The schema works: a store over it inserts and reads a job.
        let store = h.store();
        let job = crate::conformance::enqueue::note::<DieselPgHarness>("diesel_hook");
        let ids = store.job_insert_many(&[job]).await.unwrap();
        assert_eq!(
            store.job_get(ids[0]).await.unwrap().unwrap().state,
            JobState::Available
        );
        h.cleanup().await;
    }
}

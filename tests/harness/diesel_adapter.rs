//! What only the Diesel adapters have, tested once for both (sync and async) on every database:
//! the `Enqueue` trait inside `conn.transaction`, the `diesel_migrations` source. Each harness
//! does the adapter's part ([`DieselApi`]); the checks live here.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use diesel::backend::Backend;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::migration::MigrationSource;
use diesel_migrations::MigrationHarness;
use tranq::internal::Store as _;
use tranq::{JobId, JobState};

use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::{runs, start};

/// The calls that differ between the sync and the async adapter.
#[async_trait]
pub trait DieselApi: Harness {
    /// Through the `Enqueue` trait, inside `conn.transaction`: `enqueue_in` and
    /// `enqueue_many_in` (one key `rollback`) in a transaction that rolls back; then
    /// `enqueue_in`, `enqueue_many_in` of two and `options().priority(2).enqueue_in` (key
    /// `commit`) in one that commits. Returns the ids of the first two committed calls.
    async fn enqueue_through_the_trait(&self, commit: &str, rollback: &str) -> Vec<JobId>;
    /// The errors, through `tranq_error`, of an enqueue on an empty queue name and of one
    /// before the schema exists.
    async fn enqueue_errors(&self) -> (tranq::Error, tranq::Error);
    /// Applies `MIGRATIONS` with `diesel_migrations` twice, on a connection of its own: the
    /// versions applied the first time, and how many the second.
    async fn run_the_migrations_source(&self) -> (Vec<String>, usize);
    /// `tranq::diesel::migrate_blocking` on this database, where the adapter has it (sync
    /// Diesel); `None` elsewhere.
    fn migrate_blocking(&self) -> Option<tranq::Result<()>>;
}

/// Counts the statements a connection runs, but for the transaction's own (`BEGIN`, `COMMIT`,
/// savepoints): what an enqueue adds to the caller's transaction.
pub fn counter(statements: Arc<AtomicUsize>) -> impl Instrumentation {
    move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event
            && !is_transaction_control(&query.to_string())
        {
            statements.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn is_transaction_control(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or("");
    [
        "BEGIN",
        "START",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
    ]
    .iter()
    .any(|word| first.eq_ignore_ascii_case(word))
}

/// Applies `source` twice through `harness`: the versions applied the first time, and how many
/// the second.
pub fn apply_twice<DB, S>(
    harness: &mut impl MigrationHarness<DB>,
    source: S,
) -> (Vec<String>, usize)
where
    DB: Backend,
    S: MigrationSource<DB> + Copy,
{
    let first = harness.run_pending_migrations(source).unwrap();
    let first = first.iter().map(ToString::to_string).collect();
    let second = harness.run_pending_migrations(source).unwrap().len();
    (first, second)
}

pub async fn enqueue_in_a_transaction_runs_on_commit_and_never_on_rollback<H: DieselApi>() {
    let h: H = setup("diesel_api").await;
    let k = format!("diesel_api/{}", H::pair());
    let (commit, rollback) = (format!("{k}/commit"), format!("{k}/rollback"));
    let ids = h.enqueue_through_the_trait(&commit, &rollback).await;

    let w = start(worker(&h, 4));
    for id in ids {
        h.wait_state(id, JobState::Completed).await;
    }
    w.stop().await.unwrap();
    assert_eq!(runs(&commit).len(), 4);
    assert!(runs(&rollback).is_empty());
    assert_eq!(
        h.count_jobs().await,
        4,
        "no row of the rolled-back transaction"
    );
    h.cleanup().await;
}

pub async fn enqueue_errors_are_typed_through_tranq_error<H: DieselApi>() {
    let h = H::empty("diesel_errors").await;
    let (invalid, missing) = h.enqueue_errors().await;
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

pub async fn the_diesel_migrations_source_applies_the_schema_once<H: DieselApi>() {
    let h = H::empty("diesel_hook").await;
    let (first, second) = h.run_the_migrations_source().await;
    let every: Vec<String> = tranq::migrations(h.store().dialect())
        .iter()
        .map(|m| format!("0_tranq_{:04}", m.version))
        .collect();
    assert_eq!(first, every);
    assert_eq!(second, 0, "nothing pending the second time");

    // The schema works: a store over it inserts and reads a job.
    let store = h.store();
    let job = crate::conformance::enqueue::note::<H>("diesel_hook");
    let ids = store.job_insert_many(&[job]).await.unwrap();
    assert_eq!(
        store.job_get(ids[0]).await.unwrap().unwrap().state,
        JobState::Available
    );
    h.cleanup().await;
}

pub async fn migrate_blocking_applies_the_schema_and_can_run_again<H: DieselApi>() {
    let h = H::empty("diesel_blocking").await;
    let Some(first) = h.migrate_blocking() else {
        h.cleanup().await;
        return; // diesel-async has no blocking migrate: it is async already
    };
    first.unwrap();
    h.migrate_blocking().unwrap().unwrap();
    // The async migrate sees the schema in place, and the store works over it.
    let store = h.store();
    store.migrate().await.unwrap();
    let job = crate::conformance::enqueue::note::<H>("diesel_blocking");
    let ids = store.job_insert_many(&[job]).await.unwrap();
    assert_eq!(
        store.job_get(ids[0]).await.unwrap().unwrap().state,
        JobState::Available
    );
    h.cleanup().await;
}

/// Instantiates the tests above for one harness type, like `suite!`.
#[macro_export]
macro_rules! diesel_adapter_tests {
    ($harness:ty) => {
        $crate::diesel_adapter_tests!(@each $harness;
            enqueue_in_a_transaction_runs_on_commit_and_never_on_rollback,
            enqueue_errors_are_typed_through_tranq_error,
            the_diesel_migrations_source_applies_the_schema_once,
            migrate_blocking_applies_the_schema_and_can_run_again,
        );
    };
    (@each $harness:ty; $($test:ident),* $(,)?) => {
        mod adapter {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    $crate::harness::adapter::$test::<$harness>().await
                }
            )*
        }
    };
}

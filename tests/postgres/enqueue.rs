//! Enqueue inside the caller's transaction: commit, rollback, visibility, one statement.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::{Database, TransactionTrait};
use tranq::JobState;
use tranq::sea_orm::Enqueue as _;

use crate::support::{TestDb, runs, start, worker};
use crate::tasks::{Note, key};

#[tokio::test]
async fn committed_enqueue_runs_exactly_once() {
    let t = TestDb::migrated("commit_once").await;
    let txn = t.db.begin().await.unwrap();
    let id = Note::enqueue_in(&txn, key("commit_once")).await.unwrap();
    txn.commit().await.unwrap();

    let w = start(worker(&t, 4));
    let job = t.wait_state(id, JobState::Completed).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.stop().await.unwrap();

    assert_eq!(runs("commit_once").len(), 1);
    assert_eq!(job.attempt, 1);
    assert_eq!(job.result, Some(serde_json::json!(1)));
    t.cleanup().await;
}

#[tokio::test]
async fn rolled_back_enqueue_never_runs_and_leaves_no_row() {
    let t = TestDb::migrated("rollback").await;
    let w = start(worker(&t, 4));
    let txn = t.db.begin().await.unwrap();
    Note::enqueue_in(&txn, key("rollback")).await.unwrap();
    Note::enqueue_many_in(&txn, vec![key("rollback"), key("rollback")])
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    // A committed job after the rolled-back ones: once it ran, the worker has looked.
    let marker = Note::enqueue_in(&t.db, key("rollback_marker"))
        .await
        .unwrap();
    t.wait_state(marker, JobState::Completed).await;
    w.stop().await.unwrap();

    assert!(runs("rollback").is_empty());
    assert_eq!(t.count_jobs().await, 1, "only the marker row exists");
    t.cleanup().await;
}

#[tokio::test]
async fn open_transaction_job_is_invisible_until_commit() {
    let t = TestDb::migrated("invisible").await;
    let w = start(worker(&t, 4));
    let txn = t.db.begin().await.unwrap();
    let id = Note::enqueue_in(&txn, key("invisible")).await.unwrap();

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(runs("invisible").is_empty(), "ran before commit");
    assert!(
        t.store_job(id).await.is_none(),
        "visible outside the transaction"
    );

    txn.commit().await.unwrap();
    t.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    assert_eq!(runs("invisible").len(), 1);
    t.cleanup().await;
}

#[tokio::test]
async fn enqueue_adds_exactly_one_statement_to_the_transaction() {
    let t = TestDb::migrated("one_stmt").await;
    let mut db = Database::connect(&t.url).await.unwrap();
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |info| {
        if info.statement.sql.contains("tranq_jobs") {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });

    let txn = db.begin().await.unwrap();
    Note::enqueue_in(&txn, key("one_stmt")).await.unwrap();
    assert_eq!(statements.load(Ordering::SeqCst), 1);
    let ids = Note::enqueue_many_in(&txn, (0..250).map(|_| key("one_stmt")))
        .await
        .unwrap();
    assert_eq!(
        statements.load(Ordering::SeqCst),
        2,
        "250 jobs in one statement"
    );
    txn.commit().await.unwrap();

    assert_eq!(ids.len(), 250);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids come back in order"
    );
    assert_eq!(t.count_jobs().await, 251);
    t.cleanup().await;
}

#[tokio::test]
async fn options_are_stored_on_the_row() {
    let t = TestDb::migrated("options").await;
    let id = Note::options()
        .queue("reports")
        .priority(-3)
        .max_attempts(7)
        .tag("tenant:42")
        .delay(Duration::from_secs(3600))
        .enqueue_in(&t.db, key("options"))
        .await
        .unwrap();
    let job = t.job(id).await;
    assert_eq!(job.queue, "reports");
    assert_eq!(job.priority, -3);
    assert_eq!(job.max_attempts, 7);
    assert_eq!(job.tags, vec!["tenant:42".to_owned()]);
    assert_eq!(job.state, JobState::Available);
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64;
    assert!(
        job.run_at_us > now_us + 3_500_000_000,
        "run_at is an hour ahead"
    );

    let at = std::time::UNIX_EPOCH + Duration::from_secs(4_000_000_000);
    let id = Note::options()
        .run_at(at)
        .enqueue_in(&t.db, key("options"))
        .await
        .unwrap();
    assert_eq!(t.job(id).await.run_at_us, 4_000_000_000_000_000);
    t.cleanup().await;
}

#[tokio::test]
async fn bad_enqueue_input_is_a_typed_error_and_writes_nothing() {
    let t = TestDb::migrated("bad_input").await;
    let err = Note::options()
        .queue("")
        .enqueue_in(&t.db, key("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, tranq::Error::InvalidQueue { .. }), "{err}");
    let err = Note::options()
        .queue("q".repeat(200))
        .enqueue_in(&t.db, key("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, tranq::Error::InvalidQueue { .. }), "{err}");
    let err = Note::options()
        .max_payload_bytes(64)
        .enqueue_in(&t.db, key(&"x".repeat(100)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            tranq::Error::PayloadTooLarge {
                size: 110,
                limit: 64,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(t.count_jobs().await, 0);

    // One bad job in a batch: nothing of the batch is written.
    let err = Note::options()
        .max_payload_bytes(20)
        .enqueue_many_in(&t.db, vec![key("ok"), key(&"y".repeat(50))])
        .await
        .unwrap_err();
    assert!(matches!(err, tranq::Error::PayloadTooLarge { .. }));
    assert_eq!(t.count_jobs().await, 0);
    t.cleanup().await;
}

impl TestDb {
    async fn store_job(&self, id: tranq::JobId) -> Option<tranq::JobInfo> {
        use tranq::Store as _;
        self.store().job_get(id).await.unwrap()
    }
}

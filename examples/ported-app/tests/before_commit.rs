//! Scenario 1 of the port (`test_real_worker_runs_the_task_before_its_order_commits` in the
//! Python app): a worker is running while a request sits between its enqueue and its commit.
//! The Python worker ran the task there and found no order; here the job is not visible until
//! the commit, and runs once, after it, and finds the order.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use ported_app::{AppState, Hooks};
use support::{TestDb, count, hook, only_job_once_finished, serve, start_worker, wait_for_invoice};
use tranq::JobState;

#[tokio::test]
async fn a_running_worker_cannot_take_a_job_before_its_order_commits() {
    let test_db = TestDb::create("before_commit").await;
    let db = test_db.connect().await;
    let (reached, mut paused) = tokio::sync::mpsc::unbounded_channel::<i64>();
    let release = Arc::new(tokio::sync::Notify::new());
    let go = release.clone();
    let hooks = Hooks {
        before_commit: Some(hook(move |id| {
            let (reached, go) = (reached.clone(), go.clone());
            async move {
                reached.send(id).unwrap();
                go.notified().await; // the transaction stays open until the test says so
            }
        })),
        after_commit: None,
    };
    let base = serve(AppState {
        db: db.clone(),
        hooks,
    })
    .await;
    let (stop, worker) = start_worker(db.clone());

    let post = tokio::spawn(
        reqwest::Client::new()
            .post(format!("{base}/orders"))
            .json(&serde_json::json!({ "customer_email": "ada@example.com", "amount_cents": 1200 }))
            .send(),
    );
    // ANCHOR: window
    let id = paused.recv().await.unwrap();
    // The order and its job are inserted, uncommitted, and the worker is running, listening
    // and polling, for longer than its poll interval.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        count(&db, "SELECT count(*) FROM tranq_jobs").await,
        0,
        "job invisible before the commit"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM invoice_emails").await, 0);
    let early = reqwest::get(format!("{base}/orders/{id}")).await.unwrap();
    assert_eq!(early.status(), 404, "the order is not visible either");

    release.notify_one();
    assert_eq!(post.await.unwrap().unwrap().status(), 201);
    assert_eq!(
        wait_for_invoice(&base, id, Duration::from_secs(20)).await,
        "sent"
    );
    let job = only_job_once_finished(&db, Duration::from_secs(10)).await;
    assert_eq!(job.state, JobState::Completed);
    assert_eq!(job.attempt, 1, "one run, after the commit");
    assert!(
        job.errors.is_empty(),
        "no attempt found the order missing: {:?}",
        job.errors
    );
    assert_eq!(count(&db, "SELECT count(*) FROM invoice_emails").await, 1);
    // ANCHOR_END: window

    stop.send(()).unwrap();
    worker.await.unwrap().unwrap();
    db.close().await.unwrap();
    test_db.drop().await;
}

//! Which jobs run, when, and how often: unknown tasks, delays, priorities, two workers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use tracing_subscriber::layer::SubscriberExt;
use tranq::sea_orm::Enqueue as _;
use tranq::{JobId, JobState, Store as _};

use crate::support::{Logs, TestDb, runs, start, worker};
use crate::tasks::{Note, key};

#[tokio::test(flavor = "current_thread")]
async fn jobs_of_unknown_tasks_are_left_untouched_and_reported() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::registry().with(
        tracing_subscriber::fmt::layer()
            .with_writer(logs.clone())
            .with_ansi(false),
    );
    let _guard = tracing::subscriber::set_default(subscriber);

    let t = TestDb::migrated("unknown").await;
    t.db.execute_unprepared(
        "INSERT INTO tranq_jobs (queue, task, args) VALUES ('default', 'from_a_newer_deploy', '{}')",
    )
    .await
    .unwrap();
    let marker = Note::enqueue_in(&t.db, key("unknown_marker"))
        .await
        .unwrap();
    let w = start(worker(&t, 2));
    t.wait_state(marker, JobState::Completed).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.stop().await.unwrap();

    let ghost = t.job(JobId(1)).await;
    assert_eq!(ghost.state, JobState::Available);
    assert_eq!(ghost.attempt, 0);
    assert!(ghost.errors.is_empty());
    let text = logs.text();
    assert!(
        text.contains("task=from_a_newer_deploy count=1"),
        "not reported in the logs:\n{text}"
    );
    let unknown = t
        .store()
        .job_unknown_tasks(&["default"], &["note"])
        .await
        .unwrap();
    assert_eq!(unknown, vec![("from_a_newer_deploy".to_owned(), 1)]);
    t.cleanup().await;
}

#[tokio::test]
async fn a_delayed_job_does_not_run_early() {
    let t = TestDb::migrated("delay").await;
    let w = start(worker(&t, 2));
    let enqueued = Instant::now();
    let id = Note::options()
        .delay(Duration::from_millis(1500))
        .enqueue_in(&t.db, key("delay"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(runs("delay").is_empty(), "ran before its delay");
    t.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    let ran = &runs("delay")[0];
    assert!(ran.at.duration_since(enqueued) >= Duration::from_millis(1500));
    t.cleanup().await;
}

#[tokio::test]
async fn lower_priority_numbers_run_first() {
    let t = TestDb::migrated("priority").await;
    let mut by_priority = HashMap::new();
    for p in [5i16, 1, 3, -2, 4] {
        let id = Note::options()
            .priority(p)
            .enqueue_in(&t.db, key("priority"))
            .await
            .unwrap();
        by_priority.insert(id, p);
    }
    let w = start(worker(&t, 1));
    crate::support::eventually("all five ran", || async {
        (runs("priority").len() == 5).then_some(())
    })
    .await;
    w.stop().await.unwrap();
    let order: Vec<i16> = runs("priority")
        .iter()
        .map(|r| by_priority[&r.job])
        .collect();
    assert_eq!(order, vec![-2, 1, 3, 4, 5]);
    t.cleanup().await;
}

#[tokio::test]
async fn two_workers_on_one_queue_never_run_the_same_job() {
    let t = TestDb::migrated("two_workers").await;
    let ids = Note::enqueue_many_in(&t.db, (0..400).map(|_| key("two_workers")))
        .await
        .unwrap();
    let a = start(worker(&t, 8).worker_id("a"));
    let b = start(worker(&t, 8).worker_id("b"));
    crate::support::eventually("400 jobs ran", || async {
        (runs("two_workers").len() >= 400).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.stop().await.unwrap();
    b.stop().await.unwrap();

    let mut seen = HashMap::new();
    for r in runs("two_workers") {
        *seen.entry(r.job).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), 400);
    assert!(seen.values().all(|&n| n == 1), "a job ran twice");
    for id in ids {
        assert_eq!(t.job(id).await.state, JobState::Completed);
    }
    t.cleanup().await;
}

//! Failed attempts: retry, discard, panic, timeout, bad args, cancel.

use sea_orm::ConnectionTrait;
use tranq::JobState;
use tranq::sea_orm::Enqueue as _;

use crate::support::{TestDb, runs, start, worker};
use crate::tasks::{Flaky, FlakyArgs, GivesUp, Note, Panics, Sleep, SleepsLimited, key};

#[tokio::test]
async fn failed_attempts_are_retried_until_success() {
    let t = TestDb::migrated("retry").await;
    let id = Flaky::enqueue_in(
        &t.db,
        FlakyArgs {
            key: "retry".into(),
            fail_times: 2,
        },
    )
    .await
    .unwrap();
    let w = start(worker(&t, 2));
    let job = t.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();

    assert_eq!(job.attempt, 3);
    let attempts: Vec<u32> = runs("retry").iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    let messages: Vec<_> = job
        .errors
        .iter()
        .map(|e| (e.attempt, e.message.as_str()))
        .collect();
    assert_eq!(messages, vec![(1, "boom 1"), (2, "boom 2")]);
    t.cleanup().await;
}

#[tokio::test]
async fn exhausted_attempts_discard_the_job_with_every_error() {
    let t = TestDb::migrated("discard").await;
    let id = Flaky::options()
        .max_attempts(3)
        .enqueue_in(
            &t.db,
            FlakyArgs {
                key: "discard".into(),
                fail_times: 100,
            },
        )
        .await
        .unwrap();
    let w = start(worker(&t, 2));
    let job = t.wait_state(id, JobState::Discarded).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    w.stop().await.unwrap();

    assert_eq!(runs("discard").len(), 3, "no attempt after the last");
    assert_eq!(job.attempt, 3);
    let messages: Vec<_> = job.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, vec!["boom 1", "boom 2", "boom 3"]);
    t.cleanup().await;
}

#[tokio::test]
async fn a_panic_is_a_failed_attempt_and_the_worker_carries_on() {
    let t = TestDb::migrated("panic").await;
    let id = Panics::options()
        .max_attempts(2)
        .enqueue_in(&t.db, key("panic"))
        .await
        .unwrap();
    let w = start(worker(&t, 1));
    let job = t.wait_state(id, JobState::Discarded).await;
    let after = Note::enqueue_in(&t.db, key("panic_after")).await.unwrap();
    t.wait_state(after, JobState::Completed).await;
    w.stop().await.unwrap();

    assert_eq!(job.errors.len(), 2);
    assert!(
        job.errors[0]
            .message
            .starts_with("panicked: kaboom on attempt 1"),
        "{:?}",
        job.errors
    );
    assert!(
        job.errors[1]
            .message
            .starts_with("panicked: kaboom on attempt 2")
    );
    assert_eq!(runs("panic_after").len(), 1);
    t.cleanup().await;
}

#[tokio::test]
async fn an_attempt_over_its_timeout_fails() {
    let t = TestDb::migrated("timeout").await;
    let id = SleepsLimited::enqueue_in(
        &t.db,
        Sleep {
            key: "timeout".into(),
            ms: 5_000,
        },
    )
    .await
    .unwrap();
    let w = start(worker(&t, 1));
    let job = t.wait_state(id, JobState::Discarded).await;
    w.stop().await.unwrap();

    assert_eq!(
        job.attempt, 2,
        "max_attempts = 2 from the #[task] attribute"
    );
    assert!(
        job.errors
            .iter()
            .all(|e| e.message == "timed out after 200ms"),
        "{:?}",
        job.errors
    );
    t.cleanup().await;
}

#[tokio::test]
async fn arguments_that_do_not_deserialize_discard_at_once_with_the_reason() {
    let t = TestDb::migrated("bad_args").await;
    t.db.execute_unprepared(
        "INSERT INTO tranq_jobs (queue, task, args) VALUES ('default', 'note', '{\"wrong\": 1}')",
    )
    .await
    .unwrap();
    let w = start(worker(&t, 1));
    let job = t.wait_state(tranq::JobId(1), JobState::Discarded).await;
    w.stop().await.unwrap();

    assert_eq!(job.attempt, 1, "never retried");
    assert_eq!(job.errors.len(), 1);
    let message = &job.errors[0].message;
    assert!(message.contains("do not deserialize"), "{message}");
    assert!(message.contains("missing field `key`"), "{message}");
    t.cleanup().await;
}

#[tokio::test]
async fn a_cancelled_task_is_not_retried() {
    let t = TestDb::migrated("cancel").await;
    let id = GivesUp::enqueue_in(&t.db, key("cancel")).await.unwrap();
    let w = start(worker(&t, 1));
    let job = t.wait_state(id, JobState::Cancelled).await;
    w.stop().await.unwrap();
    assert_eq!(job.attempt, 1);
    assert_eq!(job.errors[0].message, "nothing to do for cancel");
    t.cleanup().await;
}

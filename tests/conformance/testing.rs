//! `tranq::testing`: assertions over enqueued jobs, `drain` and `run_job`, on the store an
//! adapter hands its users.

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tranq::internal::SqlStore;
use tranq::testing::{self, TestWorker, TestingError};
use tranq::{Backoff, JobId, JobState};

use crate::conformance::enqueue::{job, note};
use crate::conformance::harness::{End, Harness, setup};
use crate::conformance::probe::runs;
use crate::conformance::tasks::{Flaky, FlakyArgs, Greets, Key, Note, Spawner, SpawnsNote, key};

fn store<H: Harness>(h: &H) -> SqlStore<H::Backend> {
    SqlStore::new(h.backend())
}

/// The panic message of `f`, which must panic.
async fn panic_of<T>(f: impl std::future::Future<Output = T>) -> String {
    match std::panic::AssertUnwindSafe(f).catch_unwind().await {
        Ok(_) => panic!("expected a panic"),
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default(),
    }
}

pub async fn assert_enqueued_finds_committed_jobs_by_their_arguments_and_says_what_is_there<
    H: Harness,
>()
where
    H::Backend: Clone,
{
    let h: H = setup("t_assert").await;
    let k = format!("t_assert/{}", H::pair());
    let store = store(&h);
    let (a, b, c) = (format!("{k}/a"), format!("{k}/b"), format!("{k}/c"));
    let ids = h.commit(vec![note::<H>(&a), note::<H>(&b)]).await;
    h.enqueue(vec![note::<H>(&c)], End::Rollback).await.unwrap();
    let (_, open) = h
        .enqueue_open(vec![note::<H>(&format!("{k}/open"))])
        .await
        .unwrap();

    let found = testing::assert_enqueued::<Note, _>(&store, |args: &Key| args.key == b).await;
    assert_eq!((found.id, found.state), (ids[1], JobState::Available));
    let all = testing::enqueued::<Note, _>(&store).await.unwrap();
    let keys: Vec<&str> = all.iter().map(|(_, args)| args.key.as_str()).collect();
    assert_eq!(
        keys,
        [a.as_str(), b.as_str()],
        "committed only, in id order"
    );
    testing::assert_not_enqueued::<Note, _>(&store, |args: &Key| args.key == c).await;
    testing::assert_not_enqueued::<Flaky, _>(&store, |_| true).await;
    testing::assert_not_enqueued::<Note, _>(&store, |args: &Key| args.key.ends_with("/open")).await;
    open.commit().await.unwrap();
    testing::assert_enqueued::<Note, _>(&store, |args: &Key| args.key.ends_with("/open")).await;

    let missing = panic_of(testing::assert_enqueued::<Note, _>(&store, |args: &Key| {
        args.key == c
    }))
    .await;
    assert!(
        missing.contains("no job of task `note` has arguments that match") && missing.contains(&a),
        "{missing}"
    );
    let none = panic_of(testing::assert_enqueued::<Flaky, _>(&store, |_| true)).await;
    assert!(
        none.contains("no job of task `flaky` was enqueued") && none.contains("`note` x3"),
        "{none}"
    );
    let unexpected = panic_of(testing::assert_not_enqueued::<Note, _>(
        &store,
        |args: &Key| args.key == a,
    ))
    .await;
    assert!(
        unexpected.contains(&format!("job {}", ids[0])),
        "{unexpected}"
    );
    h.cleanup().await;
}

pub async fn drain_runs_due_jobs_and_the_jobs_they_enqueue_and_reports_failures<H: Harness>()
where
    H::Backend: Clone,
{
    let h: H = setup("t_drain").await;
    let k = format!("t_drain/{}", H::pair());
    let store = store(&h);
    let flaky = FlakyArgs {
        key: format!("{k}/flaky"),
        fail_times: 3,
    };
    let ids = h
        .commit(vec![
            note::<H>(&format!("{k}/note")),
            job::<Flaky, H>().build(&flaky).unwrap(),
            job::<SpawnsNote, H>()
                .build(&key(&format!("{k}/spawn")))
                .unwrap(),
            job::<Note, H>()
                .delay(Duration::from_secs(3600))
                .build(&key(&format!("{k}/later")))
                .unwrap(),
        ])
        .await;
    let (note_id, flaky_id, spawn_id, later_id) = (ids[0], ids[1], ids[2], ids[3]);

    // A task of a queue with jobs takes a state the test worker lacks: nothing of it runs.
    let lacking = TestWorker::new(&store).queue("spawning").drain().await;
    assert!(
        matches!(
            lacking,
            Err(TestingError::Tranq(tranq::Error::MissingState {
                task: "spawns_note",
                ..
            }))
        ),
        "{lacking:?}"
    );
    assert_eq!(
        (h.job(spawn_id).await.state, h.job(spawn_id).await.attempt),
        (JobState::Available, 0)
    );

    let worker = TestWorker::new(&store).state(Spawner(Arc::new(h.store())));
    let report = worker.drain().await.unwrap();
    assert_eq!((report.ran, report.completed), (4, 3), "{report:?}");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    let failure = &report.failed[0];
    assert_eq!(
        (
            failure.id,
            failure.task.as_str(),
            failure.error.as_str(),
            failure.state
        ),
        (flaky_id, "flaky", "boom 1", JobState::Retryable)
    );
    assert_eq!(h.job(note_id).await.state, JobState::Completed);
    assert_eq!(h.job(spawn_id).await.state, JobState::Completed);
    let child = testing::assert_enqueued::<Note, _>(&store, |args: &Key| {
        args.key == format!("{k}/spawn/child")
    })
    .await;
    assert_eq!(
        child.state,
        JobState::Completed,
        "the job a job enqueued ran too"
    );
    assert_eq!(
        report.jobs.last(),
        Some(&child.id),
        "after the job that enqueued it"
    );
    assert_eq!(runs(&format!("{k}/spawn/child")).len(), 1);
    let later = h.job(later_id).await;
    assert_eq!(
        (later.state, later.attempt),
        (JobState::Available, 0),
        "not due: not run"
    );
    let flaky_job = h.job(flaky_id).await;
    assert_eq!(
        (flaky_job.state, flaky_job.attempt),
        (JobState::Retryable, 1)
    );
    assert_eq!(flaky_job.errors[0].message, "boom 1");

    // Its retry is not due: a second drain runs nothing. Made due, and without backoff, it
    // runs through its failures to the end in one drain.
    assert_eq!(worker.drain().await.unwrap().ran, 0);
    store.retry(flaky_id).await.unwrap();
    let no_wait = Backoff::exponential(Duration::ZERO, Duration::ZERO);
    let retried = worker.clone().backoff(no_wait).drain().await.unwrap();
    assert_eq!(
        (retried.ran, retried.completed, retried.failed.len()),
        (3, 1, 2),
        "{retried:?}"
    );
    assert_eq!(runs(&flaky.key).len(), 4);
    assert_eq!(h.job(flaky_id).await.state, JobState::Completed);

    // A bound on attempts.
    h.commit(vec![
        note::<H>(&format!("{k}/x")),
        note::<H>(&format!("{k}/y")),
    ])
    .await;
    match worker.clone().limit(1).drain().await {
        Err(TestingError::DrainLimit { report, .. }) => assert_eq!(report.ran, 1),
        other => panic!("expected DrainLimit, got {other:?}"),
    }
    assert_eq!(
        worker.drain().await.unwrap().ran,
        1,
        "the job left over was given back"
    );
    h.cleanup().await;
}

pub async fn run_job_runs_exactly_that_job_due_or_not<H: Harness>()
where
    H::Backend: Clone,
{
    let h: H = setup("t_run_job").await;
    let k = format!("t_run_job/{}", H::pair());
    let store = store(&h);
    let (a, b, later) = (format!("{k}/a"), format!("{k}/b"), format!("{k}/later"));
    let ids = h
        .commit(vec![
            note::<H>(&a),
            note::<H>(&b),
            job::<Note, H>()
                .delay(Duration::from_secs(3600))
                .build(&key(&later))
                .unwrap(),
            job::<Greets, H>()
                .build(&key(&format!("{k}/greets")))
                .unwrap(),
        ])
        .await;

    let ran = testing::run_job(&store, ids[1]).await.unwrap();
    assert_eq!(
        (ran.id, ran.state, ran.attempt),
        (ids[1], JobState::Completed, 1)
    );
    assert_eq!(ran.result, Some(serde_json::json!(1)));
    assert_eq!(runs(&b).len(), 1);
    assert!(runs(&a).is_empty(), "only the job asked for ran");
    assert_eq!(h.job(ids[0]).await.state, JobState::Available);

    let scheduled = testing::run_job(&store, ids[2]).await.unwrap();
    assert_eq!(
        scheduled.state,
        JobState::Completed,
        "a scheduled job runs now"
    );

    match testing::run_job(&store, ids[1]).await {
        Err(TestingError::NotRunnable { id, state, .. }) => {
            assert_eq!((id, state), (ids[1], JobState::Completed))
        }
        other => panic!("expected NotRunnable, got {other:?}"),
    }
    match testing::run_job(&store, JobId(i64::MAX)).await {
        Err(TestingError::Tranq(tranq::Error::NoSuchJob { .. })) => {}
        other => panic!("expected NoSuchJob, got {other:?}"),
    }
    // A task whose state the test worker lacks: refused, and the job given back untouched.
    let lacking = testing::run_job(&store, ids[3]).await;
    assert!(
        matches!(
            lacking,
            Err(TestingError::Tranq(tranq::Error::MissingState { .. }))
        ),
        "{lacking:?}"
    );
    let greets = h.job(ids[3]).await;
    assert_eq!((greets.state, greets.attempt), (JobState::Available, 0));
    h.cleanup().await;
}

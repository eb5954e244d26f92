//! Job lookup and control by id: a page of jobs by queue, task and state with a cursor; cancel,
//! discard and retry, each refusing with a typed error when the job is missing or in a state
//! the action does not apply to, and never touching a job a worker holds.

use std::time::Duration;

use tranq::internal::{ClaimParams, SqlStore, Store as _};
use tranq::{Cancellation, JobFilter, JobId, JobState};

use crate::conformance::enqueue::{job, note};
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::{eventually, runs, start};
use crate::conformance::tasks::{Flaky, FlakyArgs, Note, UntilCancelled, key};

fn ids(jobs: &[tranq::JobInfo]) -> Vec<JobId> {
    jobs.iter().map(|j| j.id).collect()
}

pub async fn jobs_are_listed_by_queue_task_and_state_a_page_at_a_time<H: Harness>() {
    let h: H = setup("list").await;
    let store = SqlStore::<H::Backend>::new(h.backend());
    let other = job::<Note, H>().queue("other").build(&key("list")).unwrap();
    let flaky = job::<Flaky, H>()
        .build(&FlakyArgs {
            key: "list".into(),
            fail_times: 0,
        })
        .unwrap();
    let all = h
        .commit(vec![
            note::<H>("list"),
            other.clone(),
            note::<H>("list"),
            flaky,
            other,
        ])
        .await;

    assert_eq!(ids(&store.jobs(&JobFilter::new()).await.unwrap()), all);
    let by_queue = store.jobs(&JobFilter::new().queue("other")).await.unwrap();
    assert_eq!(ids(&by_queue), vec![all[1], all[4]]);
    assert!(by_queue.iter().all(|j| j.queue == "other"));
    let flaky = store.jobs(&JobFilter::new().task("flaky")).await.unwrap();
    assert_eq!(ids(&flaky), vec![all[3]]);
    let notes_default = JobFilter::new().task("note").queue("default");
    assert_eq!(
        ids(&store.jobs(&notes_default).await.unwrap()),
        vec![all[0], all[2]]
    );
    assert!(
        store
            .jobs(&JobFilter::new().state(JobState::Completed))
            .await
            .unwrap()
            .is_empty()
    );

    // Pages of two, each after the last id of the one before.
    let mut filter = JobFilter::new().limit(2);
    let mut seen = Vec::new();
    loop {
        let page = store.jobs(&filter).await.unwrap();
        seen.extend(ids(&page));
        match page.last() {
            Some(last) if page.len() == 2 => filter = filter.after(last.id),
            _ => break,
        }
    }
    assert_eq!(seen, all);
    h.cleanup().await;
}

pub async fn waiting_jobs_are_cancelled_discarded_and_retried_and_the_rest_say_why<H: Harness>() {
    let h: H = setup("control").await;
    let store = SqlStore::<H::Backend>::new(h.backend());
    let [a, b, held] = h
        .commit(vec![
            note::<H>("control"),
            note::<H>("control"),
            note::<H>("control"),
        ])
        .await[..]
    else {
        panic!("three ids");
    };
    let store = &store;
    let state = |id| async move { store.job_get(id).await.unwrap().unwrap().state };

    assert_eq!(store.cancel(a).await.unwrap(), Cancellation::Cancelled);
    assert_eq!(state(a).await, JobState::Cancelled);
    match store.cancel(a).await {
        Err(tranq::Error::WrongJobState {
            state: JobState::Cancelled,
            action: "cancel",
            ..
        }) => {}
        other => panic!("cancelling twice: {other:?}"),
    }
    store.discard(b).await.unwrap();
    assert_eq!(state(b).await, JobState::Discarded);
    for id in [a, b] {
        store.retry(id).await.unwrap();
        assert_eq!(state(id).await, JobState::Available);
    }
    match store.retry(a).await {
        Err(tranq::Error::WrongJobState {
            state: JobState::Available,
            ..
        }) => {}
        other => panic!("retrying a waiting job: {other:?}"),
    }

    // A job a worker holds is never touched, except to ask for its cancellation.
    let claimed = store
        .job_claim(&ClaimParams {
            queue: "default",
            tasks: &[<Note as tranq::Task>::NAME],
            limit: 3,
            worker_id: "holder",
            lease: Duration::from_secs(30),
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3, "a, b and held are all available");
    assert_eq!(store.cancel(held).await.unwrap(), Cancellation::Requested);
    for (action, outcome) in [
        ("discard", store.discard(held).await),
        ("retry", store.retry(held).await),
    ] {
        match outcome {
            Err(tranq::Error::WrongJobState {
                state: JobState::Running,
                ..
            }) => {}
            other => panic!("{action} of a running job: {other:?}"),
        }
    }
    assert_eq!(state(held).await, JobState::Running);

    let missing = JobId(i64::from(i32::MAX));
    match store.cancel(missing).await {
        Err(tranq::Error::NoSuchJob { id, .. }) => assert_eq!(id, missing.0),
        other => panic!("cancelling a missing job: {other:?}"),
    }
    h.cleanup().await;
}

pub async fn a_retried_job_keeps_its_attempts_and_gets_one_more<H: Harness>() {
    let h: H = setup("retry_now").await;
    let store = SqlStore::<H::Backend>::new(h.backend());
    let args = FlakyArgs {
        key: format!("retry_now/{}", H::pair()),
        fail_times: 1,
    };
    let id = h
        .commit(vec![
            job::<Flaky, H>().max_attempts(1).build(&args).unwrap(),
        ])
        .await[0];
    let w = start(worker(&h, 1));
    h.wait_state(id, JobState::Discarded).await;
    store.retry(id).await.unwrap();
    let done = h.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    assert_eq!(done.attempt, 2, "the first attempt is kept");
    assert_eq!(done.max_attempts, 2, "one more attempt was allowed");
    assert_eq!(done.errors.len(), 1, "the first failure is still recorded");
    match store.retry(id).await {
        Err(tranq::Error::WrongJobState {
            state: JobState::Completed,
            action: "retry",
            ..
        }) => {}
        other => panic!("retrying a completed job: {other:?}"),
    }
    h.cleanup().await;
}

pub async fn a_running_job_asked_to_cancel_is_called_off_and_ends_cancelled_not_retried<
    H: Harness,
>() {
    let h: H = setup("cancel_running").await;
    let store = SqlStore::<H::Backend>::new(h.backend());
    let k = format!("cancel_running/{}", H::pair());
    let job = job::<UntilCancelled, H>().build(&key(&k)).unwrap();
    let id = h.commit(vec![job]).await[0];
    // A store that listens (PostgreSQL, but for sync Diesel) hears of the request at once: a long
    // lease shows that the notification, not the heartbeat (every third of the lease), does it.
    // Elsewhere the heartbeat finds the request.
    let notified = h.store().subscribe().await.unwrap().is_some();
    let lease = if notified {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(3)
    };
    let within = if notified {
        Duration::from_secs(1)
    } else {
        lease / 3 + Duration::from_secs(1)
    };
    let w = start(worker(&h, 2).lease(lease));
    eventually("the handler starts", || async {
        (!runs(&k).is_empty()).then_some(())
    })
    .await;

    let asked = std::time::Instant::now();
    assert_eq!(store.cancel(id).await.unwrap(), Cancellation::Requested);
    let called_off = format!("{k}:called_off");
    eventually("the attempt is called off", || async {
        (!runs(&called_off).is_empty()).then_some(())
    })
    .await;
    let took = runs(&called_off)[0].at.duration_since(asked);
    eprintln!(
        "{}: ctx.cancelled() fired {took:?} after the cancel",
        H::pair()
    );
    assert!(
        took < within,
        "called off after {took:?}, expected within {within:?}"
    );
    let stored = h.wait_state(id, JobState::Cancelled).await;
    assert_eq!(stored.attempt, 1, "not retried");
    let last = stored.errors.last().expect("the attempt's error");
    assert!(
        last.message.contains("cancelled on request"),
        "{}",
        last.message
    );
    match store.cancel(id).await {
        Err(tranq::Error::WrongJobState {
            state: JobState::Cancelled,
            ..
        }) => {}
        other => panic!("cancelling a cancelled job: {other:?}"),
    }

    // Retried, it runs again without the old request: its second attempt waits for a call-off
    // over several heartbeats, none comes, and it completes.
    store.retry(id).await.unwrap();
    let done = h.wait_state(id, JobState::Completed).await;
    assert_eq!(done.attempt, 2);
    assert_eq!(runs(&called_off).len(), 1);
    w.stop().await.unwrap();
    h.cleanup().await;
}

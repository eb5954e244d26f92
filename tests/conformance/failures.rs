//! Failed attempts: retry, discard, panic, timeout, bad args, cancel, fencing.

use std::time::Duration;

use tranq::internal::{ClaimParams, Completion, FailParams, Lease, Store as _};
use tranq::{JobId, JobState};

use crate::conformance::enqueue::{job, note};
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::{runs, start};
use crate::conformance::tasks::{
    Flaky, FlakyArgs, GivesUp, Note, Panics, Sleep, SleepsLimited, key,
};

pub async fn failed_attempts_are_retried_until_success<H: Harness>() {
    let h: H = setup("retry").await;
    let k = format!("retry/{}", H::pair());
    let args = FlakyArgs {
        key: k.clone(),
        fail_times: 2,
    };
    let id = h
        .commit(vec![job::<Flaky, H>().build(&args).unwrap()])
        .await[0];
    let w = start(worker(&h, 2));
    let job = h.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();

    assert_eq!(job.attempt, 3);
    let attempts: Vec<u32> = runs(&k).iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    let messages: Vec<_> = job
        .errors
        .iter()
        .map(|e| (e.attempt, e.message.as_str()))
        .collect();
    assert_eq!(messages, vec![(1, "boom 1"), (2, "boom 2")]);
    h.cleanup().await;
}

pub async fn exhausted_attempts_discard_the_job_with_every_error<H: Harness>() {
    let h: H = setup("discard").await;
    let k = format!("discard/{}", H::pair());
    let args = FlakyArgs {
        key: k.clone(),
        fail_times: 100,
    };
    let id = h
        .commit(vec![
            job::<Flaky, H>().max_attempts(3).build(&args).unwrap(),
        ])
        .await[0];
    let w = start(worker(&h, 2));
    let job = h.wait_state(id, JobState::Discarded).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    w.stop().await.unwrap();

    assert_eq!(runs(&k).len(), 3, "no attempt after the last");
    assert_eq!(job.attempt, 3);
    let messages: Vec<_> = job.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, vec!["boom 1", "boom 2", "boom 3"]);
    h.cleanup().await;
}

pub async fn a_panic_is_a_failed_attempt_and_the_worker_carries_on<H: Harness>() {
    let h: H = setup("panic").await;
    let k = format!("panic/{}", H::pair());
    let id = h
        .commit(vec![
            job::<Panics, H>().max_attempts(2).build(&key(&k)).unwrap(),
        ])
        .await[0];
    let w = start(worker(&h, 1));
    let job = h.wait_state(id, JobState::Discarded).await;
    let after = h.commit(vec![note::<H>(&format!("{k}/after"))]).await[0];
    h.wait_state(after, JobState::Completed).await;
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
    h.cleanup().await;
}

pub async fn an_attempt_over_its_timeout_fails<H: Harness>() {
    let h: H = setup("timeout").await;
    let args = Sleep {
        key: format!("timeout/{}", H::pair()),
        ms: 5_000,
    };
    let id = h
        .commit(vec![job::<SleepsLimited, H>().build(&args).unwrap()])
        .await[0];
    let w = start(worker(&h, 1));
    let job = h.wait_state(id, JobState::Discarded).await;
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
    h.cleanup().await;
}

pub async fn arguments_that_do_not_deserialize_discard_at_once_with_the_reason<H: Harness>() {
    let h: H = setup("bad_args").await;
    h.execute(
        r#"INSERT INTO tranq_jobs (queue, task, args) VALUES ('default', 'note', '{"wrong": 1}')"#,
    )
    .await;
    let id = JobId(h.scalar("SELECT max(id) FROM tranq_jobs").await);
    let w = start(worker(&h, 1));
    let job = h.wait_state(id, JobState::Discarded).await;
    w.stop().await.unwrap();

    assert_eq!(job.attempt, 1, "never retried");
    assert_eq!(job.errors.len(), 1);
    let message = &job.errors[0].message;
    assert!(message.contains("do not deserialize"), "{message}");
    assert!(message.contains("missing field `key`"), "{message}");
    h.cleanup().await;
}

pub async fn a_cancelled_task_is_not_retried<H: Harness>() {
    let h: H = setup("cancel").await;
    let id = h
        .commit(vec![job::<GivesUp, H>().build(&key("cancel")).unwrap()])
        .await[0];
    let w = start(worker(&h, 1));
    let job = h.wait_state(id, JobState::Cancelled).await;
    w.stop().await.unwrap();
    assert_eq!(job.attempt, 1);
    assert_eq!(job.errors[0].message, "nothing to do for cancel");
    h.cleanup().await;
}

/// A claim whose lease expired and was rescued and re-claimed cannot store its outcome.
pub async fn a_stale_claim_cannot_complete_or_fail_the_job<H: Harness>() {
    let h: H = setup("fencing").await;
    let store = h.store();
    let id = h.commit(vec![note::<H>("fencing")]).await[0];
    let claim = |worker_id: &'static str| {
        let store = store.clone();
        async move {
            store
                .job_claim(&ClaimParams {
                    queue: "default",
                    tasks: &[<Note as tranq::Task>::NAME],
                    limit: 10,
                    worker_id,
                    lease: Duration::from_millis(1),
                })
                .await
                .unwrap()
        }
    };
    let stale = claim("stale").await;
    assert_eq!(stale.len(), 1);
    store.job_mark_started(&[stale[0].lease()]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(store.job_rescue_expired(100).await.unwrap(), vec![id]);
    // A rescued attempt that had started is retried after a backoff of 1 s.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh = claim("fresh").await;
    assert_eq!(fresh.len(), 1);
    assert_ne!(fresh[0].lease_token, stale[0].lease_token);

    let stale_lease = stale[0].lease();
    let done = Completion {
        id,
        token: stale_lease.token,
        result: None,
    };
    assert!(
        store.job_complete_many(&[done]).await.unwrap().is_empty(),
        "stale completion stored"
    );
    let failed = FailParams {
        id,
        token: stale_lease.token,
        next_state: JobState::Discarded,
        delay: Duration::ZERO,
        give_back_attempt: false,
        error: Some("stale".into()),
    };
    assert!(
        !store.job_fail(&failed).await.unwrap(),
        "stale failure stored"
    );
    assert!(
        store
            .job_heartbeat_many(&[stale_lease], Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .job_release_many(&[stale_lease])
            .await
            .unwrap()
            .is_empty()
    );
    let job = h.job(id).await;
    assert_eq!(
        job.state,
        JobState::Running,
        "the fresh claim still holds it"
    );
    assert_eq!(job.attempt, 2);
    assert!(
        job.errors[0].message.starts_with("lease expired"),
        "{:?}",
        job.errors
    );

    let fresh_lease: Lease = fresh[0].lease();
    let done = Completion {
        id,
        token: fresh_lease.token,
        result: None,
    };
    assert_eq!(store.job_complete_many(&[done]).await.unwrap(), vec![id]);
    assert_eq!(h.job(id).await.state, JobState::Completed);
    h.cleanup().await;
}

//! The operator's reads (`tranq queues`, `tranq stats`, `tranq jobs show`): each queue's counts
//! by state, its oldest due job and its recent finishes, and one job's times, read through
//! every adapter's row reading.

use std::time::Duration;

use tranq::JobId;
use tranq::internal::{ClaimParams, SqlStore, Store as _};

use crate::conformance::enqueue::{job, note};
use crate::conformance::harness::{Harness, setup};
use crate::conformance::tasks::{Note, key};

pub async fn queue_stats_count_each_state_and_job_times_read_back<H: Harness>() {
    let h: H = setup("stats").await;
    let store = SqlStore::<H::Backend>::new(h.backend());
    assert_eq!(store.queue_stats().await.unwrap(), vec![], "no queue yet");
    let later = job::<Note, H>()
        .queue("other")
        .delay(Duration::from_secs(3600))
        .build(&key("stats"))
        .unwrap();
    let now = job::<Note, H>()
        .queue("other")
        .build(&key("stats"))
        .unwrap();
    let [held, cancelled, _waiting, _, _] = h
        .commit(vec![
            note::<H>("stats"),
            note::<H>("stats"),
            note::<H>("stats"),
            later,
            now,
        ])
        .await[..]
    else {
        panic!("five ids");
    };
    let claimed = store
        .job_claim(&ClaimParams {
            queue: "default",
            tasks: &[<Note as tranq::Task>::NAME],
            limit: 1,
            worker_id: "stats-holder",
            lease: Duration::from_secs(60),
        })
        .await
        .unwrap();
    assert_eq!(claimed[0].id, held);
    store.cancel(cancelled).await.unwrap();

    let stats = store.queue_stats().await.unwrap();
    let [default, other] = &stats[..] else {
        panic!("two queues: {stats:?}");
    };
    assert_eq!(default.queue, "default");
    assert_eq!(
        (
            default.available,
            default.scheduled,
            default.running,
            default.cancelled
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(
        (default.retryable, default.completed, default.discarded),
        (0, 0, 0)
    );
    assert_eq!(default.finished_last_minute, 1, "the cancelled job");
    assert_eq!(default.total(), 3);
    assert!(default.oldest_due.is_some(), "one job is due");
    assert_eq!(other.queue, "other");
    assert_eq!((other.available, other.scheduled), (2, 1));
    assert!(
        other.oldest_due.unwrap() < Duration::from_secs(600),
        "{other:?}"
    );

    let running = store.job_times(held).await.unwrap().unwrap();
    assert_eq!(running.lease_owner.as_deref(), Some("stats-holder"));
    assert!(running.lease_expires_at_us.unwrap() > running.created_at_us);
    assert_eq!(running.finished_at_us, None);
    let done = store.job_times(cancelled).await.unwrap().unwrap();
    assert!(done.finished_at_us.unwrap() >= done.created_at_us);
    assert_eq!((done.attempted_at_us, done.lease_owner), (None, None));
    assert_eq!(
        store.job_times(JobId(i64::from(i32::MAX))).await.unwrap(),
        None
    );
    h.cleanup().await;
}

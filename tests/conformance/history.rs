//! The dashboard's reads of what went on lately: failed jobs grouped by task and latest error,
//! and the jobs finished per time bucket, read through every adapter's row reading.

use std::time::Duration;

use tranq::JobState;
use tranq::internal::{ClaimParams, Completion, FailParams, SqlStore, Store as _};

use crate::conformance::enqueue::note;
use crate::conformance::harness::{Harness, setup};
use crate::conformance::tasks::Note;

pub async fn failures_group_by_task_and_latest_error_and_finishes_count_per_bucket<H: Harness>() {
    let h: H = setup("history").await;
    let store = SqlStore::<H::Backend>::new(h.backend());
    assert_eq!(
        store.failure_groups(10).await.unwrap(),
        vec![],
        "no failure yet"
    );
    let ids = h
        .commit((0..6).map(|_| note::<H>("history")).collect())
        .await;
    let claimed = store
        .job_claim(&ClaimParams {
            queue: "default",
            tasks: &[<Note as tranq::Task>::NAME],
            limit: 4,
            worker_id: "history",
            lease: Duration::from_secs(60),
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 4);
    // Two fail with "boom" (one to retry, one given up on), one with "<other>", one completes.
    for (job, state, message) in [
        (&claimed[0], JobState::Retryable, "boom"),
        (&claimed[1], JobState::Discarded, "boom"),
        (&claimed[2], JobState::Discarded, "<other>"),
    ] {
        let failed = store
            .job_fail(&FailParams {
                id: job.id,
                token: job.lease_token,
                next_state: state,
                delay: Duration::from_secs(3600),
                give_back_attempt: false,
                error: Some(message.to_owned()),
            })
            .await
            .unwrap();
        assert!(failed);
    }
    let done = Completion {
        id: claimed[3].id,
        token: claimed[3].lease_token,
        result: None,
    };
    assert_eq!(store.job_complete_many(&[done]).await.unwrap().len(), 1);
    // Of the two left waiting: one cancelled, one discarded by hand (no error recorded).
    store.cancel(ids[4]).await.unwrap();
    store.discard(ids[5]).await.unwrap();

    let groups = store.failure_groups(10).await.unwrap();
    let summary: Vec<_> = groups
        .iter()
        .map(|g| {
            (
                g.task.as_str(),
                g.message.as_str(),
                g.retryable,
                g.discarded,
            )
        })
        .collect();
    let task = <Note as tranq::Task>::NAME;
    assert_eq!(
        summary,
        vec![
            (task, "boom", 1, 1),
            (task, "", 0, 1),
            (task, "<other>", 0, 1)
        ],
        "largest first, then the newest"
    );
    assert_eq!(groups[0].latest_id, claimed[1].id.max(claimed[0].id));
    assert_eq!(groups[1].latest_id, ids[5]);
    assert_eq!(groups[0].total(), 2);
    assert_eq!(store.failure_groups(1).await.unwrap().len(), 1, "limited");

    let minute = Duration::from_secs(60);
    let buckets = store
        .throughput(Duration::from_secs(3600), minute)
        .await
        .unwrap();
    assert!(!buckets.is_empty() && buckets.len() <= 2, "{buckets:?}");
    assert!(
        buckets.iter().all(|b| b.start_us % 60_000_000 == 0),
        "{buckets:?}"
    );
    assert!(buckets.windows(2).all(|w| w[0].start_us < w[1].start_us));
    let sum = |f: fn(&tranq::Throughput) -> u64| buckets.iter().map(f).sum::<u64>();
    assert_eq!(
        (
            sum(|b| b.completed),
            sum(|b| b.discarded),
            sum(|b| b.cancelled)
        ),
        (1, 3, 1)
    );
    h.cleanup().await;
}

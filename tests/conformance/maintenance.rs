//! Leader-only maintenance: one leader at a time through the lease row, resignation at
//! shutdown, and the pruner that deletes finished jobs past the retention on the leader only.

use std::time::Duration;

use tranq::internal::{LeaderParams, Store as _};
use tranq::{Dialect, JobId};

use crate::conformance::enqueue::note;
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::{eventually, start};

fn lease(leader_id: &str, ttl: Duration) -> LeaderParams<'_> {
    LeaderParams { leader_id, ttl }
}

/// SQL for "`minutes` ago" in the dialect's time representation.
fn minutes_ago(dialect: Dialect, minutes: i64) -> String {
    match dialect {
        Dialect::Postgres => format!("now() - interval '{minutes} minutes'"),
        Dialect::MySql => format!("UTC_TIMESTAMP(6) - INTERVAL {minutes} MINUTE"),
        _ => format!("CAST(unixepoch('subsec') * 1000000 AS INTEGER) - {minutes} * 60000000"),
    }
}

async fn leader_count<H: Harness>(h: &H, leader_id: &str) -> i64 {
    h.scalar(&format!(
        "SELECT count(*) FROM tranq_leader WHERE leader_id = '{leader_id}'"
    ))
    .await
}

/// Insert-if-absent elects one worker; the conditional update renews only its own lease; once
/// the lease expires (by the database's clock) another worker is elected and the old leader's
/// renewal fails.
pub async fn one_leader_at_a_time_and_the_lease_moves_when_it_expires<H: Harness>() {
    let h: H = setup("leader").await;
    let store = h.store();
    let long = Duration::from_secs(60);
    assert!(store.leader_attempt_elect(&lease("a", long)).await.unwrap());
    assert!(
        !store.leader_attempt_elect(&lease("b", long)).await.unwrap(),
        "a second leader was elected"
    );
    assert!(
        store
            .leader_attempt_reelect(&lease("a", long))
            .await
            .unwrap()
    );
    assert!(
        !store
            .leader_attempt_reelect(&lease("b", long))
            .await
            .unwrap(),
        "a follower renewed the leader's lease"
    );
    assert!(
        !store.leader_resign("b").await.unwrap(),
        "a follower resigned for the leader"
    );
    assert_eq!(h.scalar("SELECT count(*) FROM tranq_leader").await, 1);
    assert_eq!(leader_count(&h, "a").await, 1);

    // a renews with a lease that runs out at once; b takes over when it has.
    assert!(
        store
            .leader_attempt_reelect(&lease("a", Duration::from_millis(1)))
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(store.leader_attempt_elect(&lease("b", long)).await.unwrap());
    assert!(
        !store
            .leader_attempt_reelect(&lease("a", long))
            .await
            .unwrap(),
        "the old leader kept a lease that had moved on"
    );
    assert_eq!(leader_count(&h, "b").await, 1);
    assert_eq!(h.scalar("SELECT count(*) FROM tranq_leader").await, 1);

    assert!(store.leader_resign("b").await.unwrap());
    assert_eq!(h.scalar("SELECT count(*) FROM tranq_leader").await, 0);
    assert!(store.leader_attempt_elect(&lease("a", long)).await.unwrap());
    h.cleanup().await;
}

/// Of two workers one leads; when it shuts down it gives the lease up at once (not after it
/// expires), and the other worker takes over.
pub async fn the_leader_resigns_at_shutdown_and_another_worker_takes_over<H: Harness>() {
    let h: H = setup("leader_handover").await;
    let ttl = Duration::from_secs(30);
    let a = start(worker(&h, 1).worker_id("leader-a").leader_lease(ttl));
    eventually("worker a leads", || async {
        (leader_count(&h, "leader-a").await == 1).then_some(())
    })
    .await;
    // b tries every third of a lease of 900 ms; a's lease would only expire after 30 s.
    let b = start(
        worker(&h, 1)
            .worker_id("leader-b")
            .leader_lease(Duration::from_millis(900)),
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(leader_count(&h, "leader-b").await, 0, "two leaders");

    a.stop().await.unwrap();
    assert_eq!(
        leader_count(&h, "leader-a").await,
        0,
        "the leader did not resign at shutdown"
    );
    eventually("worker b takes over", || async {
        (leader_count(&h, "leader-b").await == 1).then_some(())
    })
    .await;
    b.stop().await.unwrap();
    assert_eq!(h.scalar("SELECT count(*) FROM tranq_leader").await, 0);
    h.cleanup().await;
}

/// Finished jobs (completed, discarded, cancelled) older than the retention are deleted, and
/// only by the leader; younger ones and unfinished ones stay.
pub async fn the_pruner_deletes_finished_jobs_past_retention_only_on_the_leader<H: Harness>() {
    let h: H = setup("prune").await;
    let store = h.store();
    let dialect = store.dialect();
    // Served by nobody: the worker never runs them, only the pruner may see them.
    let park = |k: &str| {
        crate::conformance::enqueue::job::<crate::conformance::tasks::Note, H>()
            .queue("parked")
            .build(&crate::conformance::tasks::key(k))
            .unwrap()
    };
    let ids = h
        .commit(vec![
            park("old completed"),
            park("old discarded"),
            park("old cancelled"),
            park("young completed"),
            park("old retryable"),
            park("available"),
        ])
        .await;
    let finish = |id: JobId, state: &str, minutes: i64| {
        format!(
            "UPDATE tranq_jobs SET state = '{state}', finished_at = {} WHERE id = {id}",
            minutes_ago(dialect, minutes)
        )
    };
    h.execute(&finish(ids[0], "completed", 120)).await;
    h.execute(&finish(ids[1], "discarded", 120)).await;
    h.execute(&finish(ids[2], "cancelled", 120)).await;
    h.execute(&finish(ids[3], "completed", 30)).await;
    // Not finished, whatever its finished_at says (a row edited by hand).
    h.execute(&finish(ids[4], "retryable", 120)).await;

    // Someone else leads: this worker must not prune.
    assert!(
        store
            .leader_attempt_elect(&lease("someone-else", Duration::from_secs(60)))
            .await
            .unwrap()
    );
    let w = start(
        worker(&h, 1)
            .worker_id("pruner")
            .retention(Duration::from_secs(3600))
            .prune_interval(Duration::from_millis(100))
            .leader_lease(Duration::from_millis(600)),
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        h.count_jobs().await,
        6,
        "a worker that does not lead pruned"
    );

    assert!(store.leader_resign("someone-else").await.unwrap());
    eventually("the new leader pruned", || async {
        (h.count_jobs().await == 3).then_some(())
    })
    .await;
    let left = h.scalar("SELECT count(*) FROM tranq_leader WHERE leader_id = 'pruner'");
    assert_eq!(left.await, 1, "the pruning worker leads");
    w.stop().await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let kept = store.job_get(*id).await.unwrap().is_some();
        assert_eq!(kept, i >= 3, "job {i} kept: {kept}");
    }
    // One more job through the worker path: completed now, so younger than the retention.
    let w = start(
        worker(&h, 1)
            .retention(Duration::from_secs(3600))
            .prune_interval(Duration::from_millis(100))
            .leader_lease(Duration::from_millis(600)),
    );
    let id = h.commit(vec![note::<H>("prune/young")]).await[0];
    h.wait_state(id, tranq::JobState::Completed).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    w.stop().await.unwrap();
    assert!(store.job_get(id).await.unwrap().is_some());
    h.cleanup().await;
}

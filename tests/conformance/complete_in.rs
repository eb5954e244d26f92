//! `ctx.complete_in(conn)`: the job's completion commits in the handler's own transaction, with
//! its writes, fenced by the attempt's lease token.

use std::time::Duration;

use tranq::internal::{ClaimParams, SqlStore, Store as _};
use tranq::{JobId, JobState, Task, TaskContext};

use crate::conformance::enqueue::job;
use crate::conformance::harness::{Harness, setup};
use crate::conformance::probe::{fast_backoff, start};
use crate::conformance::tasks::{WritesEffect, key};

async fn effects_of<H: Harness>(h: &H, id: JobId) -> i64 {
    h.scalar(&format!(
        "SELECT count(*) FROM tranq_test_effects WHERE job_id = {}",
        id.0
    ))
    .await
}

pub async fn a_job_completed_in_its_handlers_transaction_commits_with_its_writes_or_not_at_all<
    H: Harness,
>() {
    let h: H = setup("complete_in").await;
    h.execute("CREATE TABLE tranq_test_effects (job_id BIGINT NOT NULL, token BIGINT NOT NULL)")
        .await;
    let effects = h.effects();

    // Through a worker: each job's effect once, and the job completed by that transaction.
    let jobs = (0..3)
        .map(|i| {
            job::<WritesEffect, H>()
                .build(&key(&format!("complete_in/{i}")))
                .unwrap()
        })
        .collect();
    let ids = h.commit(jobs).await;
    let w = start(
        tranq::Worker::builder(h.store())
            .queue("effects", 3)
            .poll_interval(Duration::from_millis(100))
            .backoff(fast_backoff())
            .state(effects.clone()),
    );
    for &id in &ids {
        let done = h.wait_state(id, JobState::Completed).await;
        assert_eq!(done.attempt, 1);
    }
    w.stop().await.unwrap();
    for &id in &ids {
        assert_eq!(effects_of(&h, id).await, 1, "job {id}: one effect");
    }

    // By hand, on a job claimed here: a stale token writes nothing and says so.
    let store = SqlStore::<H::Backend>::new(h.backend());
    let id = h
        .commit(vec![
            job::<WritesEffect, H>()
                .build(&key("complete_in/fenced"))
                .unwrap(),
        ])
        .await[0];
    let claimed = store
        .job_claim(&ClaimParams {
            queue: "effects",
            tasks: &[WritesEffect::NAME],
            limit: 1,
            worker_id: "test",
            lease: Duration::from_secs(30),
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let token = claimed[0].lease_token;
    let stale = TaskContext::for_test(1).with_lease(id, token - 1);
    match (effects.0)(stale).await {
        Err(tranq::Error::LeaseLost { id: lost, .. }) if lost == id.0 => {}
        other => panic!("completing with a stale token: {other:?}"),
    }
    assert_eq!(
        effects_of(&h, id).await,
        0,
        "rolled back with the completion"
    );
    assert_eq!(h.job(id).await.state, JobState::Running);

    // The current token completes it, with its effect; once completed, again is refused.
    let current = TaskContext::for_test(1).with_lease(id, token);
    (effects.0)(current.clone()).await.unwrap();
    assert_eq!(effects_of(&h, id).await, 1);
    assert_eq!(h.job(id).await.state, JobState::Completed);
    assert!(matches!(
        (effects.0)(current).await,
        Err(tranq::Error::LeaseLost { .. })
    ));
    assert_eq!(effects_of(&h, id).await, 1);
    h.cleanup().await;
}

//! Graceful shutdown: finish within the grace period, release the rest at once.

use std::time::{Duration, Instant};

use tranq::sea_orm::Enqueue as _;
use tranq::{JobState, Worker};

use crate::support::{TestDb, eventually, fast_backoff, runs, start};
use crate::tasks::{Sleep, Slow};

fn slow_worker(t: &TestDb, grace: Duration) -> tranq::WorkerBuilder {
    Worker::builder(t.store())
        .queue("slow", 2)
        .poll_interval(Duration::from_millis(100))
        .grace_period(grace)
        .backoff(fast_backoff())
}

#[tokio::test]
async fn shutdown_waits_for_a_job_in_flight_within_the_grace_period() {
    let t = TestDb::migrated("grace_finish").await;
    let id = Slow::enqueue_in(
        &t.db,
        Sleep {
            key: "grace_finish".into(),
            ms: 700,
        },
    )
    .await
    .unwrap();
    let w = start(slow_worker(&t, Duration::from_secs(10)));
    eventually("the slow job started", || async {
        (!runs("grace_finish").is_empty()).then_some(())
    })
    .await;

    w.stop().await.unwrap();
    assert_eq!(
        runs("grace_finish:done").len(),
        1,
        "the job finished before run_until returned"
    );
    assert_eq!(
        t.job(id).await.state,
        JobState::Completed,
        "its outcome was stored"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn shutdown_releases_jobs_still_running_after_the_grace_period() {
    let t = TestDb::migrated("grace_release").await;
    let id = Slow::enqueue_in(
        &t.db,
        Sleep {
            key: "grace_release".into(),
            ms: 60_000,
        },
    )
    .await
    .unwrap();
    let w = start(slow_worker(&t, Duration::from_millis(300)));
    eventually("the slow job started", || async {
        (!runs("grace_release").is_empty()).then_some(())
    })
    .await;

    let stopping = Instant::now();
    w.stop().await.unwrap();
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "did not wait for the job"
    );
    let job = t.job(id).await;
    assert_eq!(
        job.state,
        JobState::Available,
        "released at once, not left to its lease"
    );
    assert_eq!(job.attempt, 0, "the interrupted attempt is given back");
    assert!(runs("grace_release:done").is_empty());

    // The released job is picked up by the next worker.
    let w = start(slow_worker(&t, Duration::from_millis(100)));
    eventually("the job started again", || async {
        (runs("grace_release").len() == 2).then_some(())
    })
    .await;
    w.stop().await.unwrap();
    t.cleanup().await;
}

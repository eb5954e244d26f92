//! Graceful shutdown: finish within the grace period, release the rest at once.

use std::time::{Duration, Instant};

use tranq::{JobState, Worker};

use crate::conformance::enqueue::job;
use crate::conformance::harness::{Harness, setup};
use crate::conformance::probe::{eventually, fast_backoff, runs, start};
use crate::conformance::tasks::{Sleep, Slow};

fn slow_worker<H: Harness>(h: &H, grace: Duration) -> tranq::WorkerBuilder {
    Worker::builder(h.store())
        .queue("slow", 2)
        .poll_interval(Duration::from_millis(100))
        .grace_period(grace)
        .backoff(fast_backoff())
}

pub async fn shutdown_waits_for_a_job_in_flight_within_the_grace_period<H: Harness>() {
    let h: H = setup("grace_finish").await;
    let k = format!("grace_finish/{}", H::pair());
    let id = h
        .commit(vec![
            job::<Slow, H>()
                .build(&Sleep {
                    key: k.clone(),
                    ms: 700,
                })
                .unwrap(),
        ])
        .await[0];
    let w = start(slow_worker(&h, Duration::from_secs(10)));
    eventually("the slow job started", || async {
        (!runs(&k).is_empty()).then_some(())
    })
    .await;

    w.stop().await.unwrap();
    assert_eq!(
        runs(&format!("{k}:done")).len(),
        1,
        "finished before run_until returned"
    );
    assert_eq!(
        h.job(id).await.state,
        JobState::Completed,
        "its outcome was stored"
    );
    h.cleanup().await;
}

pub async fn shutdown_releases_jobs_still_running_after_the_grace_period<H: Harness>() {
    let h: H = setup("grace_release").await;
    let k = format!("grace_release/{}", H::pair());
    let id = h
        .commit(vec![
            job::<Slow, H>()
                .build(&Sleep {
                    key: k.clone(),
                    ms: 60_000,
                })
                .unwrap(),
        ])
        .await[0];
    let w = start(slow_worker(&h, Duration::from_millis(300)));
    eventually("the slow job started", || async {
        (!runs(&k).is_empty()).then_some(())
    })
    .await;

    let stopping = Instant::now();
    w.stop().await.unwrap();
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "did not wait for the job"
    );
    let job = h.job(id).await;
    assert_eq!(
        job.state,
        JobState::Available,
        "released at once, not left to its lease"
    );
    assert_eq!(job.attempt, 0, "the interrupted attempt is given back");
    assert!(runs(&format!("{k}:done")).is_empty());

    let w = start(slow_worker(&h, Duration::from_millis(100)));
    eventually("the job started again", || async {
        (runs(&k).len() == 2).then_some(())
    })
    .await;
    w.stop().await.unwrap();
    h.cleanup().await;
}

/// Dropping the `run_until` future (a `select!` branch that lost, a `timeout`) stops the worker
/// as a graceful shutdown would: it claims nothing more, the running job finishes within the
/// grace period and its outcome is stored, and the jobs it had claimed ahead go back at once.
pub async fn dropping_run_until_stops_the_worker_gracefully<H: Harness>() {
    let h: H = setup("dropped").await;
    let k = format!("dropped/{}", H::pair());
    let slow = |ms| {
        job::<Slow, H>()
            .build(&Sleep { key: k.clone(), ms })
            .unwrap()
    };
    // One slot: the first job runs, the others wait in the prefetch buffer.
    let ids = h.commit(vec![slow(700), slow(10), slow(10)]).await;
    let worker = Worker::builder(h.store())
        .queue("slow", 1)
        .prefetch(2)
        .poll_interval(Duration::from_millis(100))
        .grace_period(Duration::from_secs(10))
        .build()
        .unwrap();
    let running = tokio::spawn(worker.run_until(std::future::pending()));
    eventually("the first job started", || async {
        (!runs(&k).is_empty()).then_some(())
    })
    .await;
    running.abort();
    assert!(running.await.unwrap_err().is_cancelled());

    let first = h.wait_state(ids[0], JobState::Completed).await;
    assert_eq!(first.attempt, 1);
    for id in &ids[1..] {
        let job = h.wait_state(*id, JobState::Available).await;
        assert_eq!(job.attempt, 0, "claimed ahead, released with its attempt");
    }
    let late = h.commit(vec![slow(10)]).await[0];
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        runs(&format!("{k}:done")).len(),
        1,
        "nothing ran after the drop"
    );
    assert_eq!(h.job(late).await.state, JobState::Available);
    h.cleanup().await;
}
